"""Database engine, sessions and column types shared by every domain."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from app.core.config import Settings

# Stable constraint names, so that migrations can name what they drop.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database URL; None for other databases and in-memory or URI-named ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or "uri" in parsed.query:
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_sqlite_file(url: str) -> None:
    """Make a new SQLite database file readable by its owner only (SQLite would make it 0644, and its
    journal files take the database file's mode). An existing file is left as it is."""
    path = sqlite_path(url)
    if path is None:
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except (FileExistsError, FileNotFoundError):  # made already; or no such folder, which SQLite reports
        pass


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str, *, sqlite_busy_seconds: float = 30.0, **engine_kwargs: Any) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            create_sqlite_file(url)
        self.sqlite_busy_ms = int(sqlite_busy_seconds * 1000)
        if self.is_sqlite:
            engine_kwargs.setdefault("connect_args", {"timeout": sqlite_busy_seconds})
        else:
            # A steady pool: overflow connections are opened and closed on every burst, which the benchmark
            # showed as a stream of new PostgreSQL sessions under load.
            engine_kwargs.setdefault("pool_size", 20)
            engine_kwargs.setdefault("max_overflow", 0)
            engine_kwargs.setdefault("pool_pre_ping", False)
        self.engine: AsyncEngine = create_async_engine(url, **engine_kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, self.sqlite_busy_ms)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        self._nowait: AsyncEngine | None = None

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    def nowait_engine(self) -> AsyncEngine:
        """SQLite: an engine whose connections never wait for the write lock (for writes that may be
        skipped when another writer holds it, such as noting a key's last use)."""
        if self._nowait is None:
            self._nowait = create_async_engine(self.url, connect_args={"timeout": 0}, pool_size=2)
            _configure_sqlite(self._nowait, 0)
        return self._nowait

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._nowait is not None:
            await self._nowait.dispose()


def _configure_sqlite(engine: AsyncEngine, busy_ms: int) -> None:
    """Foreign keys on, WAL, and writers that take the lock up front.

    pysqlite's own transaction handling begins lazily and upgrades a read lock to a write lock later,
    which fails at once (no busy wait) when another writer got there first; `BEGIN IMMEDIATE` for
    writing units of work makes concurrent writers queue on `busy_timeout` instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def database_from_settings(settings: Settings) -> Database:
    return Database(settings.database_url)
