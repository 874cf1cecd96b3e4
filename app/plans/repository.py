"""Queries over plans, always within the caller's scope."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.auth.access import located_condition, located_scope
from app.core import direct
from app.core.actor import Actor
from app.core.pagination import PageParams
from app.core.reads import ReadStatement
from app.core.reads import Row as ReadRow
from app.plans.models import Plan
from app.villages.models import Village

plan_table = Plan.__table__  # type: ignore[attr-defined]
village_table = Village.__table__  # type: ignore[attr-defined]


def visible(actor: Actor) -> ColumnElement[bool]:
    return located_condition(actor, plan_table, village_table)


async def get(session: AsyncSession, actor: Actor, plan_id: int, *, for_update: bool = False) -> Plan | None:
    query = select(Plan).where(col(Plan.id) == plan_id, visible(actor))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


@functools.cache
def _located_statement(scope: str | None, lock: bool) -> ReadStatement:
    """The plan's row (locked if `lock`), with its village's local government; built once per kind of
    scope."""
    home = village_table.alias("home_village")
    query = (
        select(*plan_table.c, home.c.local_government_code.label("village_local_government_code"))
        .join(home, home.c.code == plan_table.c.village_code)
        .where(plan_table.c.id == bindparam("plan_id"))
    )
    if scope == "local_government":
        query = query.where(home.c.local_government_code == bindparam("scope"))
    elif scope is not None:
        query = query.where(plan_table.c[scope] == bindparam("scope"))
    return ReadStatement(query.with_for_update(of=plan_table) if lock else query)


async def _located(session: AsyncSession, actor: Actor, plan_id: int, *, lock: bool) -> ReadRow | None:
    scope = located_scope(actor)
    params: dict[str, Any] = {"plan_id": plan_id}
    if scope is not None:
        if scope[1] is None:
            return None
        params["scope"] = scope[1]
    statement = _located_statement(None if scope is None else scope[0], lock)
    return await direct.first(session, statement, **params)


async def find(session: AsyncSession, actor: Actor, plan_id: int) -> ReadRow | None:
    """The plan's columns and its village's local government, in one query run straight on the connection
    (`app.core.direct`); None when it does not exist or is outside the caller's scope."""
    return await _located(session, actor, plan_id, lock=False)


async def lock_for_transition(session: AsyncSession, actor: Actor, plan_id: int) -> ReadRow | None:
    """As `find`, the plan's row locked until commit."""
    return await _located(session, actor, plan_id, lock=True)


_ADVANCE = (
    update(plan_table)
    .where(plan_table.c.id == bindparam("plan_id"), plan_table.c.version == bindparam("expected_version"))
    .values(status=bindparam("to_status"), updated_at=bindparam("now"), version=plan_table.c.version + 1)
)


async def advance(session: AsyncSession, plan_id: int, version: int, status: str, now: dt.datetime) -> bool:
    """Move a locked plan to `status`; False if its version moved on meanwhile (it cannot while locked)."""
    conn = await session.connection()
    params = {"plan_id": plan_id, "expected_version": version, "to_status": status, "now": now}
    return (await conn.execute(_ADVANCE, params)).rowcount == 1


async def exists_for(session: AsyncSession, village_code: str, year: int, revision: int) -> bool:
    query = select(plan_table.c.id).where(
        plan_table.c.village_code == village_code,
        plan_table.c.year == year,
        plan_table.c.revision == revision,
    )
    return (await session.execute(query)).first() is not None


async def latest_revision(session: AsyncSession, village_code: str, year: int) -> int:
    query = select(func.max(plan_table.c.revision)).where(
        plan_table.c.village_code == village_code, plan_table.c.year == year
    )
    return int((await session.execute(query)).scalar() or 0)


async def count_for_village(session: AsyncSession, village_code: str) -> int:
    query = select(func.count()).select_from(plan_table).where(plan_table.c.village_code == village_code)
    return int((await session.execute(query)).scalar_one())


async def list_page(
    session: AsyncSession, actor: Actor, page: PageParams, filters: dict[str, Any]
) -> list[Plan]:
    conditions: list[ColumnElement[bool]] = [visible(actor)]
    for name in ("village_code", "district_code", "province_code", "year", "status"):
        if filters.get(name) is not None:
            conditions.append(plan_table.c[name] == filters[name])
    if filters.get("subdistrict_code"):
        sub = filters["subdistrict_code"]
        conditions.append(plan_table.c.village_code.between(sub + "00", sub + "99"))
    if page.after:
        conditions.append(plan_table.c.id > int(page.after[0]))
    query = select(Plan).where(*conditions).order_by(plan_table.c.id).limit(page.limit + 1)
    return list((await session.execute(query)).scalars().all())


async def village_row(session: AsyncSession, code: str) -> Row[Any] | None:
    return (await session.execute(select(village_table).where(village_table.c.code == code))).first()
