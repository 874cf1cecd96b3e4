"""`GET /audit-log`: who changed what, when, from what to what (admins everything, officers their area)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.audit import service
from app.audit.recorder import AuditAction, AuditResource
from app.audit.schemas import AuditEntryPage
from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.types import Instant
from app.core.uow import SessionDep

router = api_router("audit")

Reader = Annotated[Actor, access("audit.read", Role.admin, Role.provincial_officer, Role.district_officer)]


@router.get("/audit-log", response_model=AuditEntryPage, summary="The audit log: every write, oldest first")
async def audit_log_list(
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    resource_type: Annotated[AuditResource | None, Query()] = None,
    resource_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    actor_id: Annotated[
        str | None,
        Query(alias="actor", min_length=1, max_length=64, description="`user:<id>` or `key:<id>`"),
    ] = None,
    action: Annotated[AuditAction | None, Query()] = None,
    since: Annotated[Instant | None, Query(description="Entries at or after this time")] = None,
    until: Annotated[Instant | None, Query(description="Entries before this time")] = None,
    request_id: Annotated[
        str | None, Query(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    ] = None,
) -> AuditEntryPage:
    """Lists the audit log, oldest first (newest last): every write with who made it (`actor`, `actor_role`),
    the request (`request_id`, its `X-Request-ID`), the `action`, the resource and each changed field's
    `from` and `to`. Admins see every entry, provincial and district officers the entries about resources
    in their area; other roles are refused. Entries are append-only and hash-chained (`cplan audit verify`).
    """
    return await service.list_page(
        session,
        actor,
        page,
        resource_type=resource_type,
        resource_id=resource_id,
        principal=actor_id,
        action=action,
        since=since,
        until=until,
        request_id=request_id,
    )
