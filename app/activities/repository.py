"""Queries over activities, within the caller's scope. The list is a hot path: columns, keyset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.activities.models import Activity
from app.adoptions.models import Adoption
from app.auth.access import located_condition
from app.auth.service import Actor
from app.core.db import UTCDateTime
from app.core.pagination import PageParams
from app.plans.models import Plan
from app.villages.models import Village

A = Activity.__table__  # type: ignore[attr-defined]
P = Plan.__table__  # type: ignore[attr-defined]
V = Village.__table__  # type: ignore[attr-defined]
D = Adoption.__table__  # type: ignore[attr-defined]
ADOPTION_COLUMNS = [c.label(f"adoption_{c.name}") for c in D.c if c.name not in ("activity_id", "version")]
READ_COLUMNS = [*(c for c in A.c if c.name != "version"), *ADOPTION_COLUMNS]

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
    if filters.get("adopted") is not None:
        conditions.append(D.c.activity_id.is_not(None) if filters["adopted"] else D.c.activity_id.is_(None))
    if page.after:
        conditions.append(A.c.id > int(page.after[0]))
    query = (
        select(*READ_COLUMNS)
        .select_from(A.outerjoin(D, D.c.activity_id == A.c.id))
        .where(*conditions)
        .order_by(A.c.id)
        .limit(page.limit + 1)
    )
    return list((await session.execute(query)).all())


async def adoption_of(
    session: AsyncSession, activity_id: int, *, for_update: bool = False
) -> Adoption | None:
    query = select(Adoption).where(col(Adoption.activity_id) == activity_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def adopted_page(
    session: AsyncSession, lgo_code: str, page: PageParams, fiscal_year: int | None, updated_after: Any
) -> list[Row[Any]]:
    """A local government's adopted activities in order of last change: the hot path planning systems poll."""
    conditions: list[ColumnElement[bool]] = [D.c.local_government_code == lgo_code]
    if fiscal_year is not None:
        conditions.append(D.c.fiscal_year == fiscal_year)
    if updated_after is not None:
        conditions.append(D.c.updated_at > updated_after)
    if page.after:
        stamp, last_id = page.after
        after = literal(dt.datetime.fromisoformat(stamp), UTCDateTime())
        conditions.append(tuple_(D.c.updated_at, D.c.activity_id) > tuple_(after, literal(int(last_id))))
    query = (
        select(*READ_COLUMNS)
        .select_from(D.join(A, A.c.id == D.c.activity_id))
        .where(*conditions)
        .order_by(D.c.updated_at, D.c.activity_id)
        .limit(page.limit + 1)
    )
    return list((await session.execute(query)).all())
