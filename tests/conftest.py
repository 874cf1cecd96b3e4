"""Test harness: one freshly migrated database per run (SQLite by default, PostgreSQL when
TEST_DATABASE_URL names one), the app over ASGI, and an admin API key.

    pytest                                                                     # SQLite
    TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test pytest  # PostgreSQL

On PostgreSQL a new database is created next to the one named (and dropped afterwards), so the
named database itself is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.auth.service import SignIn
from app.auth.throttle import login_throttle
from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.migrations import upgrade
from tests.helpers import ClientAs, caller, count_rows, make_key  # noqa: F401  (count_rows, make_key: imported from here too)
from tests.processes import processes  # noqa: F401  (a fixture: real subprocesses, killed after the test)
from tests.receiver import Receiver

TEST_SECRET_KEY = "tests-only-" + "k" * 40

# Tables the tests write to, children first; reference data (geography) stays.
MUTABLE_TABLES = [
    "bulk_job_chunk",
    "bulk_job",
    "forum_plan",
    "forum",
    "lesson",
    "webhook_attempt",
    "webhook_delivery",
    "webhook_subscription",
    "adoption",
    "event",
    "event_counter",
    "plan_transition",
    "assessment",
    "activity",
    "plan",
    "committee_member",
    "village",
    "local_government_subdistrict",
    "local_government",
    "idempotency_record",
    "user_account",
    # Kept by triggers from the tables above (emptied by now); a test may have broken them on purpose.
    "progress_unit",
    "progress_village",
    "progress_forum",
]


def _pg_dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("TEST_DATABASE_URL", "")
    if not given.startswith("postgresql"):
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        yield url
        return
    name = f"cplan_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = _pg_dsn(given, make_url(given).database or "postgres")

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(given).set(database=name).render_as_string(hide_password=False)
    try:
        with pytest.MonkeyPatch.context() as env:
            # PostgreSQL has no key file by default: the tests give the key, to every process they start too.
            env.setenv("SECRET_KEY", TEST_SECRET_KEY)
            upgrade(url)
            yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    # On SQLite the key file beside the test database is made at first use, as on a real install.
    key = {"secret_key": TEST_SECRET_KEY} if database_url.startswith("postgresql") else {}
    return Settings(
        database_url=database_url,
        **key,
        api_key_cache_seconds=0.0,
        webhook_allowed_networks="127.0.0.0/8",
        webhook_timeout_seconds=5,
        deliver_in_process=False,
    )


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, db)


@pytest.fixture(scope="session")
async def admin_key(db: Database) -> str:
    return await make_key(db, Role.admin, None, "test admin")


@pytest.fixture
async def anon(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def client(app, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c


@pytest.fixture
async def client_as(app: Any, db: Database) -> AsyncIterator[ClientAs]:
    """`await client_as(role, scope)`: a client authenticated as a fresh key of that role and scope,
    closed when the test ends."""
    async with contextlib.AsyncExitStack() as stack:

        async def open_client(role: Role, scope: str | None) -> httpx.AsyncClient:
            return await stack.enter_async_context(caller(app, db, role, scope))

        yield open_client


@pytest.fixture(autouse=True)
async def _fresh_sign_in(app, settings: Settings) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    """Sign-in throttling lives in the process: each test starts with no failures of an earlier one."""
    passwords = app.state.passwords
    yield
    app.state.passwords = passwords
    app.state.login_throttle = login_throttle(settings)
    app.state.sign_in = SignIn(app.state.db, passwords, app.state.login_throttle)


@pytest.fixture(autouse=True)
async def _clean_tables(db: Database) -> AsyncIterator[None]:
    yield
    async with db.engine.begin() as conn:
        for table in MUTABLE_TABLES:
            await conn.execute(text(f"DELETE FROM {table}"))

    """A live HTTP receiver on loopback (tests/receiver.py), stopped after the test."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()
