"""Queries over activities, within the caller's scope. The list is a hot path: columns, keyset."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.activities.models import Activity
from app.auth.access import located_condition
from app.auth.service import Actor
from app.core.pagination import PageParams
from app.plans.models import Plan
from app.villages.models import Village

A = Activity.__table__  # type: ignore[attr-defined]
P = Plan.__table__  # type: ignore[attr-defined]
V = Village.__table__  # type: ignore[attr-defined]
READ_COLUMNS = [c for c in A.c if c.name != "version"]

FILTERS = (
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
    query = select(Activity).where(col(Activity.id) == activity_id, located_condition(actor, A, V))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def plan_status(session: AsyncSession, plan_id: int) -> str:
    return str((await session.execute(select(P.c.status).where(P.c.id == plan_id))).scalar_one())


async def list_page(
    session: AsyncSession, actor: Actor, page: PageParams, filters: dict[str, Any]
) -> list[Row[Any]]:
    conditions: list[ColumnElement[bool]] = [located_condition(actor, A, V)]
    for name in FILTERS:
        if filters.get(name) is not None:
            conditions.append(A.c[name] == filters[name])
    if filters.get("subdistrict_code"):
        sub = filters["subdistrict_code"]
        conditions.append(A.c.village_code.between(sub + "00", sub + "99"))
    if page.after:
        conditions.append(A.c.id > int(page.after[0]))
    query = select(*READ_COLUMNS).where(*conditions).order_by(A.c.id).limit(page.limit + 1)
    return list((await session.execute(query)).all())
