"""Load the national-scale bench dataset into a fresh PostgreSQL database.

Drops and recreates the database named in CPLAN_BENCH_DATABASE_URL, migrates it (schema and the real
provinces, districts and subdistricts), COPYs in the ~7,300 local governments and 75,086 villages of
`app.demo.national()`, and issues an admin API key.

    python bench/dataset.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from rich.console import Console
from rich.progress import Progress

from app.auth.service import create_api_key
from app.core.actor import Role
from app.core.db import Database
from app.demo import national
from app.migrations import upgrade

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/cplan_bench"
console = Console()


def database_url() -> str:
    return os.environ.get("CPLAN_BENCH_DATABASE_URL", DEFAULT_URL)


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as a plain libpq DSN for asyncpg."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _split_database(url: str) -> tuple[str, str]:
    """(DSN of the `postgres` maintenance database, name of the bench database)."""
    parts = urlsplit(asyncpg_dsn(url))
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing odd database name {name!r}")
    return urlunsplit(parts._replace(path="/postgres")), name


async def recreate_database(url: str) -> None:
    admin_dsn, name = _split_database(url)
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def load_rows(url: str) -> dict[str, int]:
    """COPY the demo local governments and villages in; returns row counts per table."""
    lgos, villages = national()
    now = dt.datetime.now(dt.UTC)
    lgo_records: list[tuple[object, ...]] = [
        (g.code, g.name_th, None, g.kind.value, g.province_code, now, now, 1) for g in lgos
    ]
    coverage: list[tuple[object, ...]] = [(g.code, sub) for g in lgos for sub in g.subdistrict_codes]
    village_records: list[tuple[object, ...]] = [
        (
            v.code,
            int(v.code[6:]),
            v.name_th,
            None,
            v.code[:6],
            v.code[:4],
            v.code[:2],
            v.households,
            v.population,
            v.local_government_code,
            now,
            now,
            1,
        )
        for v in villages
    ]
    tables: list[tuple[str, list[str], list[tuple[object, ...]]]] = [
        (
            "local_government",
            ["code", "name_th", "name_en", "kind", "province_code", "created_at", "updated_at", "version"],
            lgo_records,
        ),
        ("local_government_subdistrict", ["local_government_code", "subdistrict_code"], coverage),
        (
            "village",
            [
                "code",
                "moo",
                "name_th",
                "name_en",
                "subdistrict_code",
                "district_code",
                "province_code",
                "households",
                "population",
                "local_government_code",
                "created_at",
                "updated_at",
                "version",
            ],
            village_records,
        ),
    ]
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("COPY", total=sum(len(rows) for _, _, rows in tables))
            async with conn.transaction():
                for table, columns, rows in tables:
                    for start in range(0, len(rows), 10_000):
                        chunk = rows[start : start + 10_000]
                        await conn.copy_records_to_table(table, records=chunk, columns=columns)
                        progress.advance(task, len(chunk))
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {table: len(rows) for table, _, rows in tables}


async def create_admin_key(url: str, name: str = "bench") -> str:
    """A new admin API key (the plain bearer credential)."""
    db = Database(url)
    try:
        async with db.session() as session:
            _, plain = await create_api_key(session, name=name, role=Role.admin, scope_code=None)
            await session.commit()
        return plain
    finally:
        await db.dispose()


def main() -> str:
    url = database_url()
    started = time.perf_counter()
    console.print(f"[bold]Recreating[/] {url}")
    asyncio.run(recreate_database(url))
    console.print("Migrating (schema + provinces, districts, subdistricts)…")
    upgrade(url)
    migrated = time.perf_counter()
    counts = asyncio.run(load_rows(url))
    loaded = time.perf_counter()
    key = asyncio.run(create_admin_key(url))
    for table, count in counts.items():
        console.print(f"  {table}: {count:,} rows")
    console.print(
        f"Done in {loaded - started:.1f} s (migrate {migrated - started:.1f} s, COPY + ANALYZE "
        f"{loaded - migrated:.1f} s)"
    )
    console.print(f"Admin API key: {key}")
    return key


if __name__ == "__main__":
    main()
