"""Migrating from code (`cplan migrate`, start-up on SQLite, tests): Alembic's schema, then reference data."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from alembic import command
from app.core.db import create_sqlite_file

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_LOCK_ID = 0x63706C616F


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the schema, then load reference data. Safe when several processes start at once:
    both steps hold a PostgreSQL advisory lock, and SQLite serialises writers itself."""
    create_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)
    asyncio.run(_load_reference_data(database_url))


async def _load_reference_data(database_url: str) -> None:
    from app.geography.loader import sync_geography

    kwargs = {"connect_args": {"timeout": 60}} if database_url.startswith("sqlite") else {}
    engine = create_async_engine(database_url, **kwargs)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": REFERENCE_LOCK_ID})
            await conn.run_sync(sync_geography)
    finally:
        await engine.dispose()


def head_revisions(database_url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return {r[0] for r in rows}
