"""Reading the audit log within the caller's area, and attributing each request's entries to its caller."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.chain import audit_entry_table
from app.audit.recorder import AuditAction, AuditResource, attribute, write_pending
from app.audit.schemas import AuditEntryPage, AuditEntryRead
from app.core.actor import Actor
from app.core.pagination import PageParams
from app.core.scope import Scope
from app.core.uow import CommitHook, add_commit_hook

_SHOWN = [
    audit_entry_table.c[name]
    for name in (
        "id",
        "at",
        "actor_id",
        "actor_name",
        "actor_role",
        "request_id",
        "action",
        "resource_type",
        "resource_id",
        "changes",
    )
]


def _read(row: Any) -> AuditEntryRead:
    actor = {"id": row.actor_id, "name": row.actor_name or ""} if row.actor_id else None
    return AuditEntryRead.model_validate(
        {
            "id": row.id,
            "at": row.at,
            "actor": actor,
            "actor_role": row.actor_role,
            "request_id": row.request_id,
            "action": row.action,
            "resource_type": row.resource_type,
            "resource_id": row.resource_id,
            "changes": row.changes,
        }
    )


async def list_page(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    *,
    resource_type: AuditResource | None,
    resource_id: str | None,
    principal: str | None,
    action: AuditAction | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    request_id: str | None,
) -> AuditEntryPage:
    table = audit_entry_table
    query = select(*_SHOWN).where(
        Scope.of(actor).area_condition(table.c.province_code, table.c.district_code)
    )
    if resource_type is not None:
        query = query.where(table.c.resource_type == resource_type.value)
    if resource_id is not None:
        query = query.where(table.c.resource_id == resource_id)
    if principal is not None:
        query = query.where(table.c.actor_id == principal)
    if action is not None:
        query = query.where(table.c.action == action.value)
    if since is not None:
        query = query.where(table.c.at >= since)
    if until is not None:
        query = query.where(table.c.at < until)
    if request_id is not None:
        query = query.where(table.c.request_id == request_id)
    if page.after:
        query = query.where(table.c.id > int(page.after[0]))
    rows = list((await session.execute(query.order_by(table.c.id).limit(page.limit + 1))).all())
    return AuditEntryPage(
        items=[_read(r) for r in rows[: page.limit]], next_cursor=page.next_cursor(rows, lambda r: (r.id,))
    )


async def _attribute_and_write(request: Request, response: Response) -> None:
    """Name the caller on the request's entries, give the key that hashes personal values, and write the
    entries so far (anything recorded after this is written by the commit itself: `app.audit.recorder`)."""
    uow = request.state.uow
    if not uow.has_session:
        return
    session = await uow.session()
    await attribute(session, request)
    await write_pending(session)


async def _no_answer(request: Request) -> Response | None:
    return None


HOOK = CommitHook(before_commit=_attribute_and_write, on_conflict=_no_answer)


def install(app: FastAPI) -> None:
    """Every request's entries name its caller (`app.audit.recorder` writes them at commit)."""
    add_commit_hook(app, HOOK)
