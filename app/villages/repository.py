"""Queries over villages. Reading one and the list are hot paths: compiled once, no ORM session."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.access import village_condition, village_scope
from app.core.actor import Actor
from app.core.pagination import PageParams
from app.core.reads import Reads, ReadStatement
from app.core.reads import Row as ReadRow
from app.villages.models import Village

village_table = Village.__table__  # type: ignore[attr-defined]
READ_COLUMNS = [c for c in village_table.c if c.name != "version"]


async def get(session: AsyncSession, actor: Actor, code: str, *, for_update: bool = False) -> Village | None:
    query = select(Village).where(col(Village.code) == code, village_condition(actor, village_table))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


@functools.cache
def _get_statement(scope_column: str | None) -> ReadStatement:
    query = select(*READ_COLUMNS, village_table.c.version).where(village_table.c.code == bindparam("code"))
    if scope_column is not None:
        query = query.where(village_table.c[scope_column] == bindparam("scope"))
    return ReadStatement(query)


async def get_row(reads: Reads, actor: Actor, code: str) -> ReadRow | None:
    """A village's columns for reading (a hot path: no ORM session, see `app.core.reads`)."""
    scope = village_scope(actor)
    if scope is None:
        return await reads.first(_get_statement(None), code=code)
    column, scope_code = scope
    if scope_code is None:
        return None
    return await reads.first(_get_statement(column), code=code, scope=scope_code)


async def exists(session: AsyncSession, code: str) -> bool:
    return (
        await session.execute(select(village_table.c.code).where(village_table.c.code == code))
    ).first() is not None


@functools.cache
def _list_statement(
    scope_column: str | None, province: bool, district: bool, subdistrict: bool, lgo: bool, after: bool
) -> ReadStatement:
    """One statement per combination of filters (and scope), each compiled once."""
    query = select(*READ_COLUMNS)
    if scope_column is not None:
        query = query.where(village_table.c[scope_column] == bindparam("scope"))
    if province:
        query = query.where(village_table.c.province_code == bindparam("province_code"))
    if district:
        query = query.where(village_table.c.district_code == bindparam("district_code"))
    if subdistrict:
        # A village code starts with its subdistrict code: a primary-key range needs no other index.
        query = query.where(village_table.c.code.between(bindparam("code_from"), bindparam("code_to")))
    if lgo:
        query = query.where(village_table.c.local_government_code == bindparam("local_government_code"))
    if after:
        query = query.where(village_table.c.code > bindparam("after"))
    return ReadStatement(query.order_by(village_table.c.code).limit(bindparam("limit")))


async def list_page(
    reads: Reads,
    actor: Actor,
    page: PageParams,
    *,
    province_code: str | None,
    district_code: str | None,
    subdistrict_code: str | None,
    local_government_code: str | None,
) -> list[ReadRow]:
    params: dict[str, Any] = {"limit": page.limit + 1}
    scope = village_scope(actor)
    column = None
    if scope is not None:
        column, params["scope"] = scope
        if params["scope"] is None:
            return []
    if province_code:
        params["province_code"] = province_code
    if district_code:
        params["district_code"] = district_code
    if subdistrict_code:
        params["code_from"], params["code_to"] = subdistrict_code + "00", subdistrict_code + "99"
    if local_government_code:
        params["local_government_code"] = local_government_code
    if page.after:
        params["after"] = str(page.after[0])
    statement = _list_statement(
        column,
        bool(province_code),
        bool(district_code),
        bool(subdistrict_code),
        bool(local_government_code),
        bool(page.after),
    )
    return await reads.all(statement, **params)
