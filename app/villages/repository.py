"""Queries over villages. The list is a hot path: it selects columns, not ORM objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.auth.access import village_condition
from app.auth.models import Role
from app.auth.service import Actor
from app.core.pagination import PageParams
from app.villages.models import Village

V = Village.__table__  # type: ignore[attr-defined]
READ_COLUMNS = [c for c in V.c if c.name != "version"]


async def get(session: AsyncSession, actor: Actor, code: str, *, for_update: bool = False) -> Village | None:
    query = select(Village).where(col(Village.code) == code, village_condition(actor, V))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


# Built once: SQLAlchemy memoises a statement's cache key, so the hot read skips rebuilding it.
_GET_ROW = select(V).where(V.c.code == bindparam("code"))


async def get_row(session: AsyncSession, actor: Actor, code: str) -> Row[Any] | None:
    """A village row for reading (Core, on the session's connection: no ORM machinery on the hot path)."""
    conn = await session.connection()
    if actor.role is Role.admin:
        return (await conn.execute(_GET_ROW, {"code": code})).first()
    return (await conn.execute(_GET_ROW.where(village_condition(actor, V)), {"code": code})).first()


async def exists(session: AsyncSession, code: str) -> bool:
    return (await session.execute(select(V.c.code).where(V.c.code == code))).first() is not None


async def list_page(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    *,
    province_code: str | None,
    district_code: str | None,
    subdistrict_code: str | None,
    local_government_code: str | None,
) -> list[Row[Any]]:
    conditions: list[ColumnElement[bool]] = [village_condition(actor, V)]
    if province_code:
        conditions.append(V.c.province_code == province_code)
    if district_code:
        conditions.append(V.c.district_code == district_code)
    if subdistrict_code:
        # A village code starts with its subdistrict code: a primary-key range needs no other index.
        conditions.append(V.c.code.between(subdistrict_code + "00", subdistrict_code + "99"))
    if local_government_code:
        conditions.append(V.c.local_government_code == local_government_code)
    if page.after:
        conditions.append(V.c.code > str(page.after[0]))
    query = select(*READ_COLUMNS).where(*conditions).order_by(V.c.code).limit(page.limit + 1)
    conn = await session.connection()
    return list((await conn.execute(query)).all())
