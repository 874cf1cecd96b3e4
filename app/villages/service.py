"""Rules for villages: the code names a real subdistrict, moo agrees, areas derived, local government fits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import village_values_in_scope
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, FieldIssue, Forbidden, Invalid, NotFound
from app.core.etag import check_if_match, etag_for, etag_of
from app.core.pagination import PageParams
from app.core.reads import Reads
from app.lookups import LocalGovernmentInfo, Lookups
from app.plans.repository import count_for_village as plan_count
from app.villages import repository
from app.villages.models import Village
from app.villages.schemas import VillageCreate, VillagePage, VillageRead, VillageUpdate

RESOURCE = "Village"


def _read(row: Village) -> VillageRead:
    return VillageRead.model_validate(row.model_dump())


def local_government_issues(
    lgo: LocalGovernmentInfo | None, lgo_code: str, subdistrict_code: str, province_code: str
) -> list[FieldIssue]:
    """A village's local government must exist, be in its province and cover its tambon."""
    field = "local_government_code"
    if lgo is None:
        return [FieldIssue(field, "field.unknown_local_government", code=lgo_code)]
    if lgo.province_code != province_code:
        return [
            FieldIssue(
                field,
                "field.lgo_other_province",
                lgo=lgo_code,
                lgo_province=lgo.province_code,
                province=province_code,
            )
        ]
    # A local government with no listed tambons (an อบจ., say) covers its whole province.
    if lgo.covers and subdistrict_code not in lgo.covers:
        return [FieldIssue(field, "field.lgo_not_covering", lgo=lgo_code, subdistrict=subdistrict_code)]
    return []


async def prepare(actor: Actor, data: VillageCreate, lookups: Lookups) -> dict[str, Any]:
    """Every rule a new village must meet, and the row it becomes (the single-row API and bulk uploads)."""
    subdistrict_code, moo = data.code[:6], int(data.code[6:])
    values: dict[str, Any] = {
        "code": data.code,
        "moo": moo,
        "name_th": data.name_th,
        "name_en": data.name_en,
        "subdistrict_code": subdistrict_code,
        "district_code": data.code[:4],
        "province_code": data.code[:2],
        "households": data.households,
        "population": data.population,
        "local_government_code": data.local_government_code,
    }
    if not village_values_in_scope(actor, values):
        raise Forbidden("detail.outside_scope", code=data.code)
    issues: list[FieldIssue] = []
    if moo == 0:
        issues.append(FieldIssue("code", "field.moo_zero"))
    elif data.moo is not None and data.moo != moo:
        issues.append(FieldIssue("moo", "field.moo_mismatch", moo=data.moo, code=data.code))
    if not await lookups.subdistrict_exists(subdistrict_code):
        issues.append(FieldIssue("code", "field.unknown_subdistrict", code=subdistrict_code))
    elif data.local_government_code is not None:
        lgo = await lookups.local_government(data.local_government_code)
        issues += local_government_issues(lgo, data.local_government_code, subdistrict_code, data.code[:2])
    if issues:
        raise Invalid(*issues)
    return values


async def get(reads: Reads, actor: Actor, code: str) -> tuple[VillageRead, str]:
    row = await repository.get_row(reads, actor, code)
    if row is None:
        raise NotFound(RESOURCE, code)
    return VillageRead.model_validate(row), etag_for(row["version"], row["updated_at"])


async def require(session: AsyncSession, actor: Actor, code: str) -> None:
    """404 unless the village exists and the caller can see it (for things that belong to a village)."""
    if await repository.get(session, actor, code) is None:
        raise NotFound(RESOURCE, code)


async def load_for_change(session: AsyncSession, actor: Actor, code: str) -> Village:
    """The village, locked, for a change to something it owns (404 outside the caller's scope)."""
    row = await repository.get(session, actor, code, for_update=True)
    if row is None:
        raise NotFound(RESOURCE, code)
    return row


async def create(session: AsyncSession, actor: Actor, data: VillageCreate) -> tuple[VillageRead, str]:
    values = await prepare(actor, data, Lookups(session))
    if await repository.exists(session, data.code):
        raise Conflict("detail.already_exists", resource=RESOURCE, key=data.code)
    row = Village(**values)
    session.add(row)
    await session.flush()
    return _read(row), etag_of(row)


async def update(
    session: AsyncSession, actor: Actor, code: str, data: VillageUpdate, if_match: str | None
) -> tuple[VillageRead, str]:
    row = await repository.get(session, actor, code, for_update=True)
    if row is None:
        raise NotFound(RESOURCE, code)
    check_if_match(if_match, row)
    given = data.model_fields_set
    issues: list[FieldIssue] = []
    if data.local_government_code is not None:
        lgo = await Lookups(session).local_government(data.local_government_code)
        issues += local_government_issues(
            lgo, data.local_government_code, row.subdistrict_code, row.province_code
        )
    if issues:
        raise Invalid(*issues)
    for field in ("name_th", "households", "population"):
        value = getattr(data, field)
        if value is not None:
            setattr(row, field, value)
    for field in ("name_en", "local_government_code"):
        if field in given:
            setattr(row, field, getattr(data, field))
    row.updated_at = utcnow()
    await session.flush()
    return _read(row), etag_of(row)


async def delete(session: AsyncSession, actor: Actor, code: str, if_match: str | None) -> None:
    row = await repository.get(session, actor, code, for_update=True)
    if row is None:
        raise NotFound(RESOURCE, code)
    check_if_match(if_match, row)
    if await plan_count(session, code):
        raise Conflict("detail.in_use", resource=RESOURCE, key=code, what="plans")
    await session.delete(row)
    await session.flush()


async def list_page(
    reads: Reads,
    actor: Actor,
    page: PageParams,
    *,
    province_code: str | None,
    district_code: str | None,
    subdistrict_code: str | None,
    local_government_code: str | None,
) -> VillagePage:
    rows = await repository.list_page(
        reads,
        actor,
        page,
        province_code=province_code,
        district_code=district_code,
        subdistrict_code=subdistrict_code,
        local_government_code=local_government_code,
    )
    # The rows are validated in one pass (pydantic's core, not a Python loop).
    return VillagePage.model_validate(
        {"items": rows[: page.limit], "next_cursor": page.next_cursor(rows, lambda r: (r["code"],))}
    )
