"""A hot write's statements run straight on its session's connection (app/core/direct.py): always inside the
session's transaction (they commit and roll back with it, the first one included), errors as SQLAlchemy's,
and a statement cut off mid-way never hands a connection in doubt to the next request."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import Float, String, bindparam, cast, column, event, func, select, text
from sqlalchemy.exc import IntegrityError

from app.core import direct
from app.core.config import Settings
from app.core.db import Database
from app.core.reads import ReadStatement
from tests.helpers import create_village

RENAME = ReadStatement(
    text("UPDATE village SET name_th = :name WHERE code = :code RETURNING code, name_th").columns(
        column("code", String), column("name_th", String)
    )
)
NAME = ReadStatement(
    text("SELECT name_th FROM village WHERE code = :code").columns(column("name_th", String))
)
_VILLAGE = (
    "moo, name_th, name_en, subdistrict_code, district_code, province_code, households, population, "
    "local_government_code, created_at, updated_at, version"
)
COPY_CODE = ReadStatement(
    text(
        f"INSERT INTO village (code, {_VILLAGE}) SELECT :new_code, {_VILLAGE} FROM village "
        "WHERE code = :code RETURNING code"
    ).columns(column("code", String))
)


async def _name(db: Database, code: str) -> str:
    async with db.session() as other:  # another connection: sees only what committed
        return str((await other.execute(NAME.statement, {"code": code})).scalar_one())


async def test_the_first_statement_of_a_transaction_is_inside_it(
    db: Database, client: httpx.AsyncClient
) -> None:
    # Run on the driver before SQLAlchemy's BEGIN, the write would commit on its own and survive the rollback.
    made = await create_village(client, name_th="บ้านเดิม")
    async with db.session() as session:
        renamed = await direct.first(session, RENAME, code=made["code"], name="บ้านใหม่ ๑")
        assert renamed == {"code": made["code"], "name_th": "บ้านใหม่ ๑"}
        assert await direct.first(session, NAME, code=made["code"]) == {"name_th": "บ้านใหม่ ๑"}
        await session.rollback()
    assert await _name(db, made["code"]) == "บ้านเดิม"


async def test_statements_commit_and_roll_back_with_the_session(
    db: Database, client: httpx.AsyncClient
) -> None:
    made = await create_village(client, name_th="บ้านเดิม")
    async with db.session() as session:
        await direct.fetch(session, RENAME, code=made["code"], name="บ้านที่หนึ่ง")
        await direct.fetch(session, RENAME, code=made["code"], name="บ้านที่สอง")
        await session.commit()
        # The next transaction is a new one (perhaps on another connection): its statements roll back alone.
        await direct.fetch(session, RENAME, code=made["code"], name="บ้านที่สาม")
        await direct.fetch(session, RENAME, code=made["code"], name="บ้านที่สี่")
        await session.rollback()
    assert await _name(db, made["code"]) == "บ้านที่สอง"
    shown = await client.get(f"/api/v1/villages/{made['code']}")
    assert shown.json()["name_th"] == "บ้านที่สอง"


async def test_on_postgresql_only_the_first_statement_goes_through_sqlalchemy(
    db: Database, client: httpx.AsyncClient
) -> None:
    made = await create_village(client)
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "village" in statement:
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        async with db.session() as session:
            for name in ("หนึ่ง", "สอง", "สาม"):
                await direct.fetch(session, RENAME, code=made["code"], name=name)
            await session.commit()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)
    assert len(seen) == (3 if db.is_sqlite else 1)
    assert await _name(db, made["code"]) == "สาม"


async def test_a_broken_constraint_is_sqlalchemys_integrity_error(
    db: Database, client: httpx.AsyncClient
) -> None:
    # The API answers an IntegrityError with 409; any other error type would be a 500.
    made, other = await create_village(client), await create_village(client, code="84010102")
    async with db.session() as session:
        await direct.fetch(session, RENAME, code=made["code"], name="ก่อน")  # the driver's path from here
        with pytest.raises(IntegrityError):
            await direct.fetch(session, COPY_CODE, code=made["code"], new_code=other["code"])
        await session.rollback()
    assert await _name(db, made["code"]) == made["name_th"]


async def test_a_statement_cut_off_does_not_poison_the_pool(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("on SQLite every statement goes through SQLAlchemy")
    made = await create_village(client)
    db = Database(settings.database_url, pool_size=1, max_overflow=0, pool_timeout=3)
    slow = ReadStatement(
        select(cast(func.pg_sleep(bindparam("seconds", type_=Float)), String).label("slept"))
    )
    try:
        async with db.session() as session:
            await direct.fetch(session, RENAME, code=made["code"], name="ถูกยกเลิก")
            task = asyncio.create_task(direct.fetch(session, slow, seconds=5.0))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await session.rollback()
        started = asyncio.get_running_loop().time()
        async with db.session() as session:  # the one pooled connection: a fresh one, not the one in doubt
            assert await direct.first(session, NAME, code=made["code"]) == {"name_th": made["name_th"]}
        assert asyncio.get_running_loop().time() - started < 2
    finally:
        await db.dispose()
