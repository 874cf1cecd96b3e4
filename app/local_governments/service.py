"""Rules for local governments: codes that exist, coverage inside the province, no orphaned villages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import sees_local_government
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, FieldIssue, Forbidden, Invalid, NotFound
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.core.reads import Reads
from app.core.scope import Scope
from app.local_governments import repository
from app.local_governments.models import LocalGovernment
from app.local_governments.schemas import (
    LocalGovernmentCreate,
    LocalGovernmentPage,
    LocalGovernmentRead,
    LocalGovernmentUpdate,
)
from app.lookups import Lookups

RESOURCE = "Local government"


def _read(row: LocalGovernment, subdistricts: list[str]) -> LocalGovernmentRead:
    return LocalGovernmentRead.model_validate({**row.model_dump(), "subdistrict_codes": subdistricts})


async def subdistrict_issues(lookups: Lookups, province_code: str, codes: list[str]) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    seen: set[str] = set()
    await lookups.prefetch_subdistricts(codes)
    for i, code in enumerate(codes):
        field = f"subdistrict_codes.{i}"
        if code in seen:
            issues.append(FieldIssue(field, "field.duplicate", value=code))
        elif not await lookups.subdistrict_exists(code):
            issues.append(FieldIssue(field, "field.unknown_subdistrict", code=code))
        elif not code.startswith(province_code):
            issues.append(
                FieldIssue(field, "field.subdistrict_outside_province", code=code, province=province_code)
            )
        seen.add(code)
    return issues


async def prepare(actor: Actor, data: LocalGovernmentCreate, lookups: Lookups) -> dict[str, Any]:
    """Every rule a new local government must meet, and the row it becomes (single-row API and bulk)."""
    if not Scope.of(actor).is_own(data.province_code):
        raise Forbidden("detail.outside_scope", code=data.province_code)
    issues: list[FieldIssue] = []
    if not await lookups.province_exists(data.province_code):
        issues.append(FieldIssue("province_code", "field.unknown_province", code=data.province_code))
    else:
        issues += await subdistrict_issues(lookups, data.province_code, data.subdistrict_codes)
    if issues:
        raise Invalid(*issues)
    return {
        "code": data.code,
        "name_th": data.name_th,
        "name_en": data.name_en,
        "kind": data.kind.value,
        "province_code": data.province_code,
    }


async def get(session: AsyncSession, actor: Actor, code: str) -> tuple[LocalGovernmentRead, str]:
    row = await repository.get(session, code, actor=actor)
    if row is None:
        raise NotFound(RESOURCE, code)
    subs = await repository.subdistricts_of(session, [code])
    return _read(row, subs.get(code, [])), etag_of(row)


async def require(reads: Reads, actor: Actor, code: str) -> None:
    """404 unless the local government exists and the caller can see it; no query when the role decides
    (an admin, or a local government's own planner asking about it)."""
    seen = sees_local_government(actor, code)
    if seen is None:
        found = await repository.get(await reads.session(), code, actor=actor) is not None
    else:
        found = seen and await repository.exists(reads, code)
    if not found:
        raise NotFound(RESOURCE, code)


async def create(
    session: AsyncSession, actor: Actor, data: LocalGovernmentCreate
) -> tuple[LocalGovernmentRead, str]:
    values = await prepare(actor, data, Lookups(session))
    if await repository.get(session, data.code) is not None:
        raise Conflict("detail.already_exists", resource=RESOURCE, key=data.code)
    row = LocalGovernment(**values)
    session.add(row)
    await session.flush()
    await repository.replace_subdistricts(session, data.code, data.subdistrict_codes)
    return _read(row, sorted(data.subdistrict_codes)), etag_of(row)


async def update(
    session: AsyncSession, actor: Actor, code: str, data: LocalGovernmentUpdate, if_match: str | None
) -> tuple[LocalGovernmentRead, str]:
    row = await repository.get(session, code, actor=actor, for_update=True)
    if row is None:
        raise NotFound(RESOURCE, code)
    check_if_match(if_match, row)
    given = data.model_fields_set
    issues: list[FieldIssue] = []
    if data.subdistrict_codes is not None:
        issues += await subdistrict_issues(Lookups(session), row.province_code, data.subdistrict_codes)
    if issues:
        raise Invalid(*issues)
    if data.subdistrict_codes is not None:
        if await repository.villages_outside(session, code, data.subdistrict_codes):
            raise Conflict("detail.in_use", resource=RESOURCE, key=code, what="villages")
        await repository.replace_subdistricts(session, code, data.subdistrict_codes)
    if data.name_th is not None:
        row.name_th = data.name_th
    if "name_en" in given:
        row.name_en = data.name_en
    if data.kind is not None:
        row.kind = data.kind.value
    row.updated_at = utcnow()
    await session.flush()
    subs = await repository.subdistricts_of(session, [code])
    return _read(row, subs.get(code, [])), etag_of(row)


async def delete(session: AsyncSession, actor: Actor, code: str, if_match: str | None) -> None:
    row = await repository.get(session, code, actor=actor, for_update=True)
    if row is None:
        raise NotFound(RESOURCE, code)
    check_if_match(if_match, row)
    if await repository.village_count(session, code):
        raise Conflict("detail.in_use", resource=RESOURCE, key=code, what="villages")
    await session.delete(row)
    await session.flush()


async def list_page(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    *,
    province_code: str | None,
    kind: str | None,
    subdistrict_code: str | None,
) -> LocalGovernmentPage:
    rows = await repository.list_page(
        session, actor, page, province_code=province_code, kind=kind, subdistrict_code=subdistrict_code
    )
    shown = rows[: page.limit]
    subs = await repository.subdistricts_of(session, [r.code for r in shown])
    return LocalGovernmentPage.model_validate(
        {
            "items": [{**r._asdict(), "subdistrict_codes": subs.get(r.code, [])} for r in shown],
            "next_cursor": page.next_cursor(rows, lambda r: (r.code,)),
        }
    )
