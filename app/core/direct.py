"""The statements of a hot write, run straight on its session's asyncpg connection, in its transaction.

A workflow transition makes half a dozen statements (lock the plan, move it, append to the audit chain,
number and insert the event, look up its webhook subscriptions). Through the ORM session each one crossed
into a greenlet and through SQLAlchemy's execution machinery: under load (py-spy, `bench/bench_api.py`
transitions) that was about a third of a transition's CPU, more than asyncpg and the database's answer.

`fetch(session, statement, **params)` runs a `ReadStatement` (compiled once, its parameters all named:
`app.core.reads`) on the asyncpg connection the session's transaction holds, with the column types' bind and
result processors applied as SQLAlchemy would. Elsewhere (SQLite), and for the first statement of a
transaction (SQLAlchemy's asyncpg adapter sends its BEGIN with the first statement it runs), the same
statement runs through the session. Either way it runs in the session's transaction: it commits or rolls
back with everything else.

Errors are SQLAlchemy's, as through the session: a broken constraint is an `IntegrityError`, any other
database error a `DBAPIError`. A statement interrupted on the connection (a cancelled request) leaves the
connection in an unknown state, so it is thrown away (invalidated) instead of going back to the pool.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.reads import ReadStatement, Row

_HELD = "direct_connection"  # in Session.info: (the transaction, its connection, its asyncpg connection)


async def _held(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """The connection the session's current transaction holds (looked up once per transaction)."""
    info = session.sync_session.info
    transaction = session.sync_session.get_transaction()
    held = info.get(_HELD)
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1], held[2]
    conn = await session.connection()
    driver = None
    if conn.dialect.driver == "asyncpg":
        driver = (await conn.get_raw_connection()).driver_connection
    info[_HELD] = (session.sync_session.get_transaction(), conn, driver)
    return conn, driver


async def fetch(session: AsyncSession, statement: ReadStatement, **params: Any) -> list[Row]:
    """The rows `statement` answers, run in the session's transaction (see the module's docstring)."""
    statement.check(params)
    conn, driver = await _held(session)
    if driver is None or not driver.is_in_transaction():
        return [Row(row._mapping) for row in await conn.execute(statement.statement, params)]
    compiled = statement.compiled(conn.dialect)
    args = compiled.arguments(params)
    try:
        records = await driver.fetch(compiled.sql, *args)
    except Exception as error:
        sqlstate = getattr(error, "sqlstate", None)
        if sqlstate is None:  # not the database's answer: the connection is in doubt
            await conn.invalidate()
            raise
        kind = exc.IntegrityError if str(sqlstate).startswith("23") else exc.DBAPIError
        raise kind(compiled.sql, args, error) from error
    except BaseException:  # cancelled mid-statement
        await conn.invalidate()
        raise
    return compiled.rows(records)


async def first(session: AsyncSession, statement: ReadStatement, **params: Any) -> Row | None:
    rows = await fetch(session, statement, **params)
    return rows[0] if rows else None
