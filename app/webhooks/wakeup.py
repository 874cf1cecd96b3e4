"""Waking delivery workers when deliveries become due, instead of leaving them to find out by polling.

A transaction that queues deliveries calls `announce(session)`. When, and only when, it commits:
- every worker of this process is woken at once (an in-process signal: SQLAlchemy's `after_commit`);
- on PostgreSQL, the `NOTIFY` sent inside the transaction reaches every other process's worker, which holds
  a `LISTEN` on a connection of its own (`Listener`, reconnecting when the connection drops). PostgreSQL
  delivers a notification only when its transaction commits, and drops it on a rollback.

A wake-up is a hint: a worker that misses one (a dropped connection, a crash) still finds the work by polling,
which is why it polls at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.core.db import Database

log = logging.getLogger("app.webhooks")

CHANNEL = "cplan_webhook_deliveries"
# Sent as the notification's payload, so that a process's own listener can skip what its in-process signal
# told its workers already.
PROCESS_TOKEN = uuid.uuid4().hex
_ANNOUNCED = "cplan_webhook_deliveries_announced"  # in `Session.info` until the transaction ends
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")

Wake = Callable[[], None]
_local: dict[Wake, asyncio.AbstractEventLoop] = {}


async def announce(session: AsyncSession) -> None:
    """Wake the delivery workers when the session's transaction commits (nothing happens if it rolls
    back). Costs one round trip on PostgreSQL the first time in a transaction; nothing after that."""
    if session.info.get(_ANNOUNCED):
        return
    session.info[_ANNOUNCED] = True
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_NOTIFY, {"channel": CHANNEL, "payload": PROCESS_TOKEN})


def _wake_local() -> None:
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for wake, loop in list(_local.items()):
        if loop is running:
            wake()
        else:  # a worker on another thread's loop (the app under a test client, say)
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(wake)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Also called when a savepoint is released: only the outermost commit makes the deliveries visible.
    if session.in_nested_transaction() or not session.info.pop(_ANNOUNCED, False):
        return
    _wake_local()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # A rolled-back savepoint discards its NOTIFY too: the next `announce` sends another.
    session.info.pop(_ANNOUNCED, None)


@contextlib.contextmanager
def _registered(wake: Wake) -> Any:
    _local[wake] = asyncio.get_running_loop()
    try:
        yield
    finally:
        _local.pop(wake, None)


# URL options the SQLAlchemy dialect reads itself and asyncpg.connect does not know.
SQLALCHEMY_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback")


def connect_args(db: Database) -> dict[str, Any]:
    """How to open a plain asyncpg connection to the engine's database (host, port, user, password,
    database and the URL's query options such as `ssl`)."""
    url = make_url(db.url)
    _, options = db.engine.dialect.create_connect_args(url)
    for sqlalchemy_only in SQLALCHEMY_ONLY:
        options.pop(sqlalchemy_only, None)
    return dict(options)


class Listener:
    """A `LISTEN` on a dedicated PostgreSQL connection that calls `wake` for every notification from another
    process, and once more after every (re)connection, since notifications sent while it was away are lost.
    A dropped connection is opened again, after a pause that grows to `max_backoff` seconds; a connection
    that stops answering is noticed by a check every `check_seconds`."""

    def __init__(
        self,
        db: Database,
        wake: Wake,
        *,
        check_seconds: float = 30.0,
        max_backoff: float = 5.0,
    ) -> None:
        self.db = db
        self.wake = wake
        self.check_seconds = check_seconds
        self.max_backoff = max_backoff
        self.connected = asyncio.Event()  # set while listening (tests wait on it)
        self.connections = 0  # how many times it has (re)connected

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload != PROCESS_TOKEN:
            self.wake()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                try:
                    await self._listen(stopping)
                    backoff = 0.1
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                    log.warning("webhook wake-ups: listening connection lost (%s); polling meanwhile", error)
                if stop.is_set():
                    break
                await asyncio.wait({stopping}, timeout=backoff)
                backoff = min(backoff * 2, self.max_backoff)
        finally:
            stopping.cancel()
            self.connected.clear()

    async def _listen(self, stopping: asyncio.Future[Any]) -> None:
        conn = await asyncio.wait_for(asyncpg.connect(**connect_args(self.db)), self.check_seconds)
        lost = asyncio.get_running_loop().create_future()

        def terminated(_conn: object) -> None:
            if not lost.done():
                lost.set_result(None)

        conn.add_termination_listener(terminated)
        try:
            await conn.add_listener(CHANNEL, self._notified)
            self.connections += 1
            self.connected.set()
            self.wake()  # whatever was announced while no one listened
            while True:
                done, _ = await asyncio.wait(
                    {stopping, lost}, timeout=self.check_seconds, return_when=asyncio.FIRST_COMPLETED
                )
                if stopping in done:
                    return
                if lost in done:
                    raise OSError("the connection closed")
                await asyncio.wait_for(conn.execute("SELECT 1"), self.check_seconds)
        finally:
            self.connected.clear()
            if not conn.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2)
            if not conn.is_closed():
                conn.terminate()


@contextlib.asynccontextmanager
async def wake_ups(db: Database, wake: Wake) -> AsyncIterator[Listener | None]:
    """While inside: `wake` is called when deliveries are announced in this process and, on PostgreSQL, in
    any other (through a `Listener`, the one yielded)."""
    with _registered(wake):
        if db.is_sqlite:
            yield None
            return
        listener = Listener(db, wake)
        done = asyncio.Event()
        task = asyncio.create_task(listener.run(done))
        try:
            yield listener
        finally:
            done.set()
            await task
