"""Hot reads without an ORM session (app/core/reads.py): the same rows as SQLAlchemy would give, on both
databases; statements that could leak one request's values into another are refused; a read that fails or
is cancelled never hands a broken connection to the next request."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import Float, Numeric, String, bindparam, cast, event, func, select

from app.core.config import Settings
from app.core.db import Database
from app.core.reads import ReadFamily, ReadStatement
from app.core.uow import UnitOfWork
from app.villages.models import Village
from tests.helpers import create_village

V = Village.__table__  # type: ignore[attr-defined]
BY_CODE = ReadStatement(
    select(V.c.code, V.c.name_th, V.c.households, V.c.created_at).where(V.c.code == bindparam("code"))
)


def test_a_value_baked_into_a_statement_is_refused() -> None:
    # Compiled once and reused, a literal would answer every later caller with the first caller's value.
    with pytest.raises(ValueError, match="bindparam"):
        ReadStatement(select(V.c.code).where(V.c.code == "84010501"))
    with pytest.raises(ValueError, match="bindparam"):
        ReadStatement(select(V.c.code).limit(5))


def test_columns_the_driver_path_cannot_give_back_exactly_are_refused() -> None:
    # Refused on every database, though only PostgreSQL's driver path would get them wrong.
    with pytest.raises(ValueError, match="Numeric"):
        ReadStatement(select(cast(bindparam("x"), Numeric).label("amount")))
    with pytest.raises(ValueError, match="dict method"):
        ReadStatement(select(V.c.code.label("items")))


async def test_every_parameter_must_be_given(db: Database) -> None:
    uow = UnitOfWork(db, write=False)
    try:
        with pytest.raises(KeyError, match="code"):
            await uow.reads().all(BY_CODE)
    finally:
        await uow.close()


async def test_rows_are_what_the_api_shows(db: Database, client: httpx.AsyncClient) -> None:
    made = await create_village(client, name_th="บ้านหนองบัว ๒", households=42)
    uow = UnitOfWork(db, write=False)
    try:
        row = await uow.reads().first(BY_CODE, code=made["code"])
        missing = await uow.reads().first(BY_CODE, code="99999999")
    finally:
        await uow.close()
    assert row is not None and missing is None
    assert row["name_th"] == "บ้านหนองบัว ๒"
    assert row["households"] == 42
    # Timestamps come back as UTC-aware datetimes on both databases (SQLite keeps no offset of its own).
    assert row["created_at"].tzinfo is not None and row["created_at"].utcoffset() == dt.timedelta(0)
    assert row["created_at"] == dt.datetime.fromisoformat(made["created_at"].replace("Z", "+00:00"))


@pytest.mark.parametrize("with_session", [False, True], ids=["driver", "session"])
async def test_a_cancelled_read_does_not_poison_the_pool(settings: Settings, with_session: bool) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL reads run on the driver; SQLite reads go through SQLAlchemy")
    # One connection in the pool: the next read gets the same one back unless it was thrown away.
    db = Database(settings.database_url, pool_size=1, max_overflow=0)
    slow = ReadStatement(
        select(cast(func.pg_sleep(bindparam("seconds", type_=Float)), String).label("slept"))
    )
    try:
        uow = UnitOfWork(db, write=False)
        if with_session:  # a request that has its session reads through it
            await uow.session()
        task = asyncio.create_task(uow.reads().all(slow, seconds=5.0))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await uow.close()

        uow = UnitOfWork(db, write=False)
        try:
            started = asyncio.get_running_loop().time()
            assert await uow.reads().all(BY_CODE, code="00000000") == []
            assert asyncio.get_running_loop().time() - started < 2
        finally:
            await uow.close()
    finally:
        await db.dispose()


async def test_a_connection_the_server_dropped_is_not_reused(settings: Settings, db: Database) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL reads run on the driver; SQLite reads go through SQLAlchemy")
    reader = Database(settings.database_url, pool_size=1, max_overflow=0)
    backend = ReadStatement(
        select(func.pg_backend_pid().label("pid"), bindparam("x", type_=String).label("x"))
    )
    try:
        uow = UnitOfWork(reader, write=False)
        row = await uow.reads().first(backend, x="x")
        await uow.close()
        assert row is not None
        async with db.engine.connect() as admin:  # an administrator (or a failover) ends that session
            await admin.execute(select(func.pg_terminate_backend(row["pid"])))
        await asyncio.sleep(0.2)

        uow = UnitOfWork(reader, write=False)
        with pytest.raises(Exception):  # noqa: B017 (the driver's own error for a closed connection)
            await uow.reads().first(BY_CODE, code="00000000")
        await uow.close()
        # The next request gets a fresh connection rather than the dead one back.
        uow = UnitOfWork(reader, write=False)
        try:
            assert await uow.reads().first(BY_CODE, code="00000000") is None
        finally:
            await uow.close()
    finally:
        await reader.dispose()


async def test_a_request_never_holds_two_pooled_connections(settings: Settings) -> None:
    # One connection in the pool, a short wait for it: a request that read, then opened its session, then
    # read again would wait forever on itself (and, with many such requests, on each other).
    db = Database(settings.database_url, pool_size=1, max_overflow=0, pool_timeout=2)
    try:
        for write in (False, True):
            uow = UnitOfWork(db, write=write)
            try:
                assert await uow.reads().first(BY_CODE, code="00000000") is None
                session = await uow.session()
                assert (await session.execute(select(func.count()).select_from(V))).scalar_one() >= 0
                assert await uow.reads().first(BY_CODE, code="00000000") is None
                await uow.commit()
            finally:
                await uow.close()
    finally:
        await db.dispose()


async def test_a_condition_and_the_values_it_names_come_together(db: Database) -> None:
    family = ReadFamily(
        lambda: select(V.c.code), lambda query: query.order_by(V.c.code).limit(bindparam("limit"))
    )
    uow = UnitOfWork(db, write=False)
    try:
        forgotten = family.query(limit=5).where("code", lambda: V.c.code == bindparam("code"))
        with pytest.raises(KeyError, match="not given"):
            await uow.reads().run(forgotten)
        stray = family.query(limit=5, code="84010501")
        with pytest.raises(KeyError, match="no parameters named"):
            await uow.reads().run(stray)
        given = family.query(limit=5).where("code", lambda: V.c.code == bindparam("code"), code="99999999")
        assert await uow.reads().run(given) == []
    finally:
        await uow.close()


async def test_on_postgresql_hot_reads_go_straight_to_the_driver(app: Any, client: httpx.AsyncClient) -> None:
    """The raw asyncpg path is what PostgreSQL runs (and so what this file tests there); SQLite goes through
    SQLAlchemy Core. Seen from SQLAlchemy: a statement on the raw path never reaches its cursor events."""
    made = await create_village(client, name_th="บ้านโคกสูง")
    through_sqlalchemy: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM village" in statement:
            through_sqlalchemy.append(statement)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        one = await client.get(f"/api/v1/villages/{made['code']}")
        page = await client.get("/api/v1/villages", params={"district_code": made["code"][:4]})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert one.status_code == 200 and one.json()["name_th"] == "บ้านโคกสูง"
    assert [v["code"] for v in page.json()["items"]] == [made["code"]]
    if app.state.db.is_sqlite:
        assert len(through_sqlalchemy) == 2
    else:
        assert through_sqlalchemy == []
