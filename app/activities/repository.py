"""Queries over activities, within the caller's scope. The list is a hot path: columns, keyset."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.activities.models import Activity
from app.adoptions.models import Adoption
from app.auth.access import located_condition, located_scope
from app.core.actor import Actor
from app.core.db import UTCDateTime
from app.core.pagination import PageParams
from app.core.reads import ReadFamily, Reads
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


_LIST = ReadFamily(
    lambda: select(*READ_COLUMNS).select_from(
        activity_table.outerjoin(adoption_table, adoption_table.c.activity_id == activity_table.c.id)
    ),
    lambda query: query.order_by(activity_table.c.id).limit(bindparam("limit")),
)


def _scope_condition(column: str) -> ColumnElement[bool]:
    if column == "local_government":
        mine = select(village_table.c.code).where(village_table.c.local_government_code == bindparam("scope"))
        return activity_table.c.village_code.in_(mine)
    return activity_table.c[column] == bindparam("scope")


def _equals(name: str) -> ColumnElement[bool]:
    return activity_table.c[name] == bindparam(f"filter_{name}")


async def list_page(reads: Reads, actor: Actor, page: PageParams, filters: dict[str, Any]) -> list[ReadRow]:
    """Activities in the caller's scope by id: the hot path district offices page through."""
    query = _LIST.query(limit=page.limit + 1)
    scope = located_scope(actor)
    if scope is not None:
        column, code = scope
        if code is None:
            return []
        query.where(("scope", column), functools.partial(_scope_condition, column), scope=code)
    for name in FILTERS:
        if filters.get(name) is not None:
            query.where(name, functools.partial(_equals, name), **{f"filter_{name}": filters[name]})
    subdistrict = filters.get("subdistrict_code")
    if subdistrict:
        query.where(
            "subdistrict",
            lambda: activity_table.c.village_code.between(bindparam("code_from"), bindparam("code_to")),
            code_from=subdistrict + "00",
            code_to=subdistrict + "99",
        )
    adopted = filters.get("adopted")
    if adopted is not None:
        taken = adoption_table.c.activity_id
        query.where(("adopted", adopted), lambda: taken.is_not(None) if adopted else taken.is_(None))
    if page.after:
        query.where("after", lambda: activity_table.c.id > bindparam("after"), after=int(page.after[0]))
    return await reads.run(query)


async def adoption_of(
    session: AsyncSession, activity_id: int, *, for_update: bool = False
) -> Adoption | None:
    query = select(Adoption).where(col(Adoption.activity_id) == activity_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


_ADOPTED = ReadFamily(
    lambda: (
        select(*READ_COLUMNS)
        .select_from(adoption_table.join(activity_table, activity_table.c.id == adoption_table.c.activity_id))
        .where(adoption_table.c.local_government_code == bindparam("lgo_code"))
    ),
    lambda query: query.order_by(adoption_table.c.updated_at, adoption_table.c.activity_id).limit(
        bindparam("limit")
    ),
)


def _after_key() -> ColumnElement[bool]:
    key = tuple_(bindparam("after_at", type_=UTCDateTime()), bindparam("after_id", type_=Integer()))
    return tuple_(adoption_table.c.updated_at, adoption_table.c.activity_id) > key


async def adopted_page(
    reads: Reads, lgo_code: str, page: PageParams, fiscal_year: int | None, updated_after: dt.datetime | None
) -> list[ReadRow]:
    """A local government's adopted activities in order of last change: the hot path planning systems poll."""
    query = _ADOPTED.query(lgo_code=lgo_code, limit=page.limit + 1)
    if fiscal_year is not None:
        query.where(
            "fiscal_year",
            lambda: adoption_table.c.fiscal_year == bindparam("fiscal_year"),
            fiscal_year=fiscal_year,
        )
    if updated_after is not None:
        query.where(
            "updated_after",
            lambda: adoption_table.c.updated_at > bindparam("updated_after"),
            updated_after=updated_after,
        )
    if page.after:
        stamp, last_id = page.after
        query.where("after", _after_key, after_at=dt.datetime.fromisoformat(stamp), after_id=int(last_id))
    return await reads.run(query)
