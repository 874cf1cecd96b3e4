"""Queries over the reference areas, keyset-paginated by code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.core.pagination import PageParams
from app.geography.models import District, Province, Subdistrict

AreaModel = type[Province] | type[District] | type[Subdistrict]


async def list_areas(
    session: AsyncSession, model: AreaModel, page: PageParams, filters: dict[str, Any]
) -> list[Row[Any]]:
    table = model.__table__  # type: ignore[union-attr]
    conditions: list[ColumnElement[bool]] = [
        table.c[name] == value for name, value in filters.items() if value
    ]
    if page.after:
        conditions.append(table.c.code > str(page.after[0]))
    query = select(table).where(*conditions).order_by(table.c.code).limit(page.limit + 1)
    return list((await session.execute(query)).all())


async def get_area(session: AsyncSession, model: AreaModel, code: str) -> Row[Any] | None:
    table = model.__table__  # type: ignore[union-attr]
    return (await session.execute(select(table).where(table.c.code == code))).first()


async def existing_codes(session: AsyncSession, model: AreaModel, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    table = model.__table__  # type: ignore[union-attr]
    rows = await session.execute(select(table.c.code).where(table.c.code.in_(sorted(codes))))
    return {r[0] for r in rows}
