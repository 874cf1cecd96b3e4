"""Queries over district forums, always within the caller's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.core.actor import Actor
from app.core.pagination import PageParams
from app.forums.models import Forum, ForumPlan
from app.geography.models import District
from app.plans import repository as plans
from app.reports.areas import district_row_condition

forum_table = Forum.__table__  # type: ignore[attr-defined]
forum_plan_table = ForumPlan.__table__  # type: ignore[attr-defined]
district_table = District.__table__  # type: ignore[attr-defined]


def visible(actor: Actor) -> ColumnElement[bool]:
    return district_row_condition(actor, forum_table)


async def get(
    session: AsyncSession, actor: Actor, forum_id: int, *, for_update: bool = False
) -> Forum | None:
    query = select(Forum).where(col(Forum.id) == forum_id, visible(actor))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def plan_ids(session: AsyncSession, forum_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = sorted(set(forum_ids))
    found: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(forum_plan_table.c.forum_id, forum_plan_table.c.plan_id)
        .where(forum_plan_table.c.forum_id.in_(ids))
        .order_by(forum_plan_table.c.plan_id)
    )
    for forum_id, plan_id in rows:
        found[forum_id].append(plan_id)
    return found


async def replace_plans(session: AsyncSession, forum_id: int, ids: list[int]) -> None:
    await session.execute(delete(forum_plan_table).where(forum_plan_table.c.forum_id == forum_id))
    if ids:
        await session.execute(insert(forum_plan_table), [{"forum_id": forum_id, "plan_id": i} for i in ids])


async def district_province(session: AsyncSession, code: str) -> str | None:
    """The province of a district, or None when there is no such district."""
    return (
        await session.execute(select(district_table.c.province_code).where(district_table.c.code == code))
    ).scalar()


async def plan_districts(session: AsyncSession, actor: Actor, ids: Iterable[int]) -> dict[int, str]:
    """The district of each plan the caller can see (plans it cannot see are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(plans.plan_table.c.id, plans.plan_table.c.district_code).where(
            plans.plan_table.c.id.in_(wanted), plans.visible(actor)
        )
    )
    return {r.id: r.district_code for r in rows}


async def list_page(
    session: AsyncSession, actor: Actor, page: PageParams, filters: dict[str, Any]
) -> list[Row[Any]]:
    conditions: list[ColumnElement[bool]] = [visible(actor)]
    for name in ("province_code", "district_code", "fiscal_year"):
        if filters.get(name) is not None:
            conditions.append(forum_table.c[name] == filters[name])
    if filters.get("plan_id") is not None:
        conditions.append(
            forum_table.c.id.in_(
                select(forum_plan_table.c.forum_id).where(forum_plan_table.c.plan_id == filters["plan_id"])
            )
        )
    if page.after:
        after_date, after_id = dt.date.fromisoformat(str(page.after[0])), int(page.after[1])
        # Newest first: (date, id) descending.
        conditions.append(tuple_(forum_table.c.date, forum_table.c.id) < tuple_(after_date, after_id))
    query = (
        select(forum_table)
        .where(*conditions)
        .order_by(forum_table.c.date.desc(), forum_table.c.id.desc())
        .limit(page.limit + 1)
    )
    return list((await session.execute(query)).all())
