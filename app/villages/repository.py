"""Queries over villages. Reading one and the list are hot paths: compiled once, no ORM session."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth.access import village_condition, village_scope
from app.core.actor import Actor
from app.core.pagination import PageParams
from app.core.reads import ReadFamily, ReadQuery, Reads
from app.core.reads import Row as ReadRow
from app.villages.models import Village

village_table = Village.__table__  # type: ignore[attr-defined]
READ_COLUMNS = [c for c in village_table.c if c.name != "version"]


async def get(session: AsyncSession, actor: Actor, code: str, *, for_update: bool = False) -> Village | None:
    query = select(Village).where(col(Village.code) == code, village_condition(actor, village_table))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


_GET = ReadFamily(lambda: select(*READ_COLUMNS, village_table.c.version), lambda query: query)


async def get_row(reads: Reads, actor: Actor, code: str) -> ReadRow | None:
    """A village's columns for reading (a hot path: no ORM session, see `app.core.reads`)."""
    query = _GET.query().where("code", lambda: village_table.c.code == bindparam("code"), code=code)
    if not _in_scope(query, actor):
        return None
    rows = await reads.run(query)
    return rows[0] if rows else None


def _in_scope(query: ReadQuery, actor: Actor) -> bool:
    """Add the caller's scope to a query; False if the caller sees no village at all."""
    scope = village_scope(actor)
    if scope is not None:
        column, code = scope
        if code is None:
            return False
        query.where(("scope", column), lambda: village_table.c[column] == bindparam("scope"), scope=code)
    return True


async def exists(session: AsyncSession, code: str) -> bool:
    return (
        await session.execute(select(village_table.c.code).where(village_table.c.code == code))
    ).first() is not None


_LIST = ReadFamily(
    lambda: select(*READ_COLUMNS),
    lambda query: query.order_by(village_table.c.code).limit(bindparam("limit")),
)


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
    query = _LIST.query(limit=page.limit + 1)
    if not _in_scope(query, actor):
        return []
    if province_code:
        query.where(
            "province", lambda: village_table.c.province_code == bindparam("province"), province=province_code
        )
    if district_code:
        query.where(
            "district", lambda: village_table.c.district_code == bindparam("district"), district=district_code
        )
    if subdistrict_code:
        # A village code starts with its subdistrict code: a primary-key range needs no other index.
        query.where(
            "subdistrict",
            lambda: village_table.c.code.between(bindparam("code_from"), bindparam("code_to")),
            code_from=subdistrict_code + "00",
            code_to=subdistrict_code + "99",
        )
    if local_government_code:
        query.where(
            "local_government",
            lambda: village_table.c.local_government_code == bindparam("lgo"),
            lgo=local_government_code,
        )
    if page.after:
        query.where("after", lambda: village_table.c.code > bindparam("after"), after=str(page.after[0]))
    return await reads.run(query)
