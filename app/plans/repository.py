"""Queries over plans, always within the caller's scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.auth.access import located_condition
from app.auth.service import Actor
from app.core.pagination import PageParams
from app.plans.models import Plan
from app.villages.models import Village

P = Plan.__table__  # type: ignore[attr-defined]
V = Village.__table__  # type: ignore[attr-defined]


def visible(actor: Actor) -> ColumnElement[bool]:
    return located_condition(actor, P, V)


async def get(session: AsyncSession, actor: Actor, plan_id: int, *, for_update: bool = False) -> Plan | None:
    query = select(Plan).where(col(Plan.id) == plan_id, visible(actor))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


# The plan's own village, joined under another name: the scope condition has a village subquery of its own.
_HOME = V.alias("home_village")


async def get_for_transition(
    session: AsyncSession, actor: Actor, plan_id: int
) -> tuple[Plan, str | None] | None:
    """The plan, locked, with its village's local government (where its events go) in the same query."""
    query = (
        select(Plan, _HOME.c.local_government_code)
        .join(_HOME, _HOME.c.code == col(Plan.village_code))
        .where(col(Plan.id) == plan_id, visible(actor))
        .with_for_update(of=Plan)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def exists_for(session: AsyncSession, village_code: str, year: int, revision: int) -> bool:
    query = select(P.c.id).where(P.c.village_code == village_code, P.c.year == year, P.c.revision == revision)
    return (await session.execute(query)).first() is not None


async def latest_revision(session: AsyncSession, village_code: str, year: int) -> int:
    query = select(func.max(P.c.revision)).where(P.c.village_code == village_code, P.c.year == year)
    return int((await session.execute(query)).scalar() or 0)


async def count_for_village(session: AsyncSession, village_code: str) -> int:
    query = select(func.count()).select_from(P).where(P.c.village_code == village_code)
    return int((await session.execute(query)).scalar_one())


async def list_page(
    session: AsyncSession, actor: Actor, page: PageParams, filters: dict[str, Any]
) -> list[Plan]:
    conditions: list[ColumnElement[bool]] = [visible(actor)]
    for name in ("village_code", "district_code", "province_code", "year", "status"):
        if filters.get(name) is not None:
            conditions.append(P.c[name] == filters[name])
    if filters.get("subdistrict_code"):
        sub = filters["subdistrict_code"]
        conditions.append(P.c.village_code.between(sub + "00", sub + "99"))
    if page.after:
        conditions.append(P.c.id > int(page.after[0]))
    query = select(Plan).where(*conditions).order_by(P.c.id).limit(page.limit + 1)
    return list((await session.execute(query)).scalars().all())


async def village_row(session: AsyncSession, code: str) -> Row[Any] | None:
    return (await session.execute(select(V).where(V.c.code == code))).first()
