"""Queries over local governments and their covered subdistricts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.auth.access import local_government_condition
from app.core.actor import Actor
from app.core.pagination import PageParams
from app.core.reads import Reads, ReadStatement
from app.geography.models import Subdistrict
from app.local_governments.models import LocalGovernment, LocalGovernmentSubdistrict
from app.villages.models import Village

local_government_table = LocalGovernment.__table__  # type: ignore[attr-defined]
local_government_subdistrict_table = LocalGovernmentSubdistrict.__table__  # type: ignore[attr-defined]
subdistrict_table = Subdistrict.__table__  # type: ignore[attr-defined]
village_table = Village.__table__  # type: ignore[attr-defined]


def visible(actor: Actor | None) -> ColumnElement[bool]:
    """The caller's local governments; None means an internal lookup (validation) that sees all."""
    if actor is None:
        return local_government_table.c.code.is_not(None)
    return local_government_condition(
        actor, local_government_table, local_government_subdistrict_table, subdistrict_table, village_table
    )


async def get(
    session: AsyncSession, code: str, *, actor: Actor | None = None, for_update: bool = False
) -> LocalGovernment | None:
    query = select(LocalGovernment).where(col(LocalGovernment.code) == code, visible(actor))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


_EXISTS = ReadStatement(
    select(local_government_table.c.code).where(local_government_table.c.code == bindparam("code"))
)


async def exists(reads: Reads, code: str) -> bool:
    return await reads.first(_EXISTS, code=code) is not None


async def subdistricts_of(session: AsyncSession, codes: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    if not codes:
        return out
    rows = await session.execute(
        select(
            local_government_subdistrict_table.c.local_government_code,
            local_government_subdistrict_table.c.subdistrict_code,
        )
        .where(local_government_subdistrict_table.c.local_government_code.in_(list(codes)))
        .order_by(
            local_government_subdistrict_table.c.local_government_code,
            local_government_subdistrict_table.c.subdistrict_code,
        )
    )
    for lgo, sub in rows:
        out[lgo].append(sub)
    return out


async def replace_subdistricts(session: AsyncSession, code: str, subdistricts: Sequence[str]) -> None:
    await session.execute(
        delete(local_government_subdistrict_table).where(
            local_government_subdistrict_table.c.local_government_code == code
        )
    )
    if subdistricts:
        await session.execute(
            local_government_subdistrict_table.insert(),
            [{"local_government_code": code, "subdistrict_code": s} for s in subdistricts],
        )


async def list_page(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    *,
    province_code: str | None,
    kind: str | None,
    subdistrict_code: str | None,
) -> list[Row[Any]]:
    conditions: list[ColumnElement[bool]] = [visible(actor)]
    if province_code:
        conditions.append(local_government_table.c.province_code == province_code)
    if kind:
        conditions.append(local_government_table.c.kind == kind)
    if subdistrict_code:
        covering = select(local_government_subdistrict_table.c.local_government_code).where(
            local_government_subdistrict_table.c.subdistrict_code == subdistrict_code
        )
        conditions.append(local_government_table.c.code.in_(covering))
    if page.after:
        conditions.append(local_government_table.c.code > str(page.after[0]))
    query = (
        select(
            local_government_table.c.code,
            local_government_table.c.name_th,
            local_government_table.c.name_en,
            local_government_table.c.kind,
            local_government_table.c.province_code,
            local_government_table.c.created_at,
            local_government_table.c.updated_at,
        )
        .where(*conditions)
        .order_by(local_government_table.c.code)
        .limit(page.limit + 1)
    )
    return list((await session.execute(query)).all())  # type: ignore[arg-type]


async def villages_outside(session: AsyncSession, code: str, covered: Sequence[str]) -> int:
    """How many of the local government's villages lie outside the given subdistricts."""
    query = select(func.count()).select_from(Village).where(col(Village.local_government_code) == code)
    if covered:
        query = query.where(col(Village.subdistrict_code).not_in(list(covered)))
    return int((await session.execute(query)).scalar_one())


async def village_count(session: AsyncSession, code: str) -> int:
    query = select(func.count()).select_from(Village).where(col(Village.local_government_code) == code)
    return int((await session.execute(query)).scalar_one())
