"""Queries over activities, within the caller's scope. The list is a hot path: columns, keyset."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Integer, bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.activities.models import Activity
from app.adoptions.models import Adoption
from app.auth.access import located_condition, located_scope
from app.core.actor import Actor
from app.core.db import UTCDateTime
from app.core.pagination import PageParams
from app.core.reads import Reads, ReadStatement
from app.core.reads import Row as ReadRow
from app.plans.models import Plan
from app.villages.models import Village

activity_table = Activity.__table__  # type: ignore[attr-defined]
plan_table = Plan.__table__  # type: ignore[attr-defined]
village_table = Village.__table__  # type: ignore[attr-defined]
adoption_table = Adoption.__table__  # type: ignore[attr-defined]
ADOPTION_COLUMNS = [
    c.label(f"adoption_{c.name}") for c in adoption_table.c if c.name not in ("activity_id", "version")
]
READ_COLUMNS = [*(c for c in activity_table.c if c.name != "version"), *ADOPTION_COLUMNS]

FILTERS: tuple[str, ...] = (
    "plan_id",
    "village_code",
    "district_code",
    "province_code",
    "working_group",
    "kind",
    "status",
    "fiscal_year",
)


async def get(
    session: AsyncSession, actor: Actor, activity_id: int, *, for_update: bool = False
) -> Activity | None:
    query = select(Activity).where(
        col(Activity.id) == activity_id, located_condition(actor, activity_table, village_table)
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def plan_status(session: AsyncSession, plan_id: int) -> str:
    return str(
        (await session.execute(select(plan_table.c.status).where(plan_table.c.id == plan_id))).scalar_one()
    )


# Bounded: the combinations of filters a client can send are many, the ones in use few.
@functools.lru_cache(maxsize=256)
def _list_statement(
    scope: str | None, filters: frozenset[str], subdistrict: bool, adopted: bool | None, after: bool
) -> ReadStatement:
    query = select(*READ_COLUMNS).select_from(
        activity_table.outerjoin(adoption_table, adoption_table.c.activity_id == activity_table.c.id)
    )
    if scope == "local_government":
        mine = select(village_table.c.code).where(village_table.c.local_government_code == bindparam("scope"))
        query = query.where(activity_table.c.village_code.in_(mine))
    elif scope is not None:
        query = query.where(activity_table.c[scope] == bindparam("scope"))
    for name in FILTERS:
        if name in filters:
            query = query.where(activity_table.c[name] == bindparam(f"filter_{name}"))
    if subdistrict:
        query = query.where(
            activity_table.c.village_code.between(bindparam("code_from"), bindparam("code_to"))
        )
    if adopted is not None:
        query = query.where(
            adoption_table.c.activity_id.is_not(None) if adopted else adoption_table.c.activity_id.is_(None)
        )
    if after:
        query = query.where(activity_table.c.id > bindparam("after"))
    return ReadStatement(query.order_by(activity_table.c.id).limit(bindparam("limit")))


async def list_page(reads: Reads, actor: Actor, page: PageParams, filters: dict[str, Any]) -> list[ReadRow]:
    """Activities in the caller's scope by id: the hot path district offices page through."""
    params: dict[str, Any] = {"limit": page.limit + 1}
    scope = located_scope(actor)
    if scope is not None:
        if scope[1] is None:
            return []
        params["scope"] = scope[1]
    given = frozenset(name for name in FILTERS if filters.get(name) is not None)
    for name in given:
        params[f"filter_{name}"] = filters[name]
    subdistrict = filters.get("subdistrict_code")
    if subdistrict:
        params["code_from"], params["code_to"] = subdistrict + "00", subdistrict + "99"
    if page.after:
        params["after"] = int(page.after[0])
    statement = _list_statement(
        None if scope is None else scope[0],
        given,
        bool(subdistrict),
        filters.get("adopted"),
        bool(page.after),
    )
    return await reads.all(statement, **params)


async def adoption_of(
    session: AsyncSession, activity_id: int, *, for_update: bool = False
) -> Adoption | None:
    query = select(Adoption).where(col(Adoption.activity_id) == activity_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


@functools.cache
def _adopted_statement(fiscal_year: bool, updated_after: bool, after: bool) -> ReadStatement:
    query = select(*READ_COLUMNS).select_from(
        adoption_table.join(activity_table, activity_table.c.id == adoption_table.c.activity_id)
    )
    query = query.where(adoption_table.c.local_government_code == bindparam("lgo_code"))
    if fiscal_year:
        query = query.where(adoption_table.c.fiscal_year == bindparam("fiscal_year"))
    if updated_after:
        query = query.where(adoption_table.c.updated_at > bindparam("updated_after"))
    if after:
        key = tuple_(bindparam("after_at", type_=UTCDateTime()), bindparam("after_id", type_=Integer()))
        query = query.where(tuple_(adoption_table.c.updated_at, adoption_table.c.activity_id) > key)
    return ReadStatement(
        query.order_by(adoption_table.c.updated_at, adoption_table.c.activity_id).limit(bindparam("limit"))
    )


async def adopted_page(
    reads: Reads, lgo_code: str, page: PageParams, fiscal_year: int | None, updated_after: dt.datetime | None
) -> list[ReadRow]:
    """A local government's adopted activities in order of last change: the hot path planning systems poll."""
    params: dict[str, Any] = {"lgo_code": lgo_code, "limit": page.limit + 1}
    if fiscal_year is not None:
        params["fiscal_year"] = fiscal_year
    if updated_after is not None:
        params["updated_after"] = updated_after
    if page.after:
        stamp, last_id = page.after
        params["after_at"], params["after_id"] = dt.datetime.fromisoformat(stamp), int(last_id)
    statement = _adopted_statement(fiscal_year is not None, updated_after is not None, bool(page.after))
    return await reads.all(statement, **params)
