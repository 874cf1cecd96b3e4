"""The committed artefacts match the code: migrations match the models, openapi.json matches the app."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.db import Database
from app.events.store import Subject, emit
from app.migrations import alembic_config, upgrade
from app.models import metadata
from app.openapi_export import OPENAPI_PATH, current_document


async def test_migrations_match_the_models(db: Database) -> None:
    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == [], f"models and migrations differ; add a migration: {differences}"


def test_committed_openapi_matches_the_app() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == current_document(), (
        "openapi/openapi.json is stale: run `python -m app.openapi_export`"
    )


def test_every_operation_has_a_stable_id_and_a_tag() -> None:
    import json

    document = json.loads(current_document())
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("tags"), f"{method} {path} has no tag"
            assert "_" in operation["operationId"], f"{method} {path}: {operation['operationId']}"


def test_generated_client_has_no_warnings(tmp_path: Path) -> None:
    # The generator's post-hooks run `ruff`, installed beside this interpreter: find it there, so the test
    # passes when run as `.venv/bin/pytest` with nothing on PATH.
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(OPENAPI_PATH),
            "--config",
            str(OPENAPI_PATH.parent / "client-config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "client"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output


AREA_SEQUENCES = "82bd6c7d10c8"  # the migration that numbers each area's events on its own


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind the run uses, for migrating step by step."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"cplan_fresh_{uuid.uuid4().hex[:12]}"
    admin = make_url(database_url).set(drivername="postgresql", database="postgres")

    def run(sql: str) -> None:
        async def go() -> None:
            conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        asyncio.run(go())

    run(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_existing_events_get_their_areas_numbers_when_migrated(fresh_database_url: str) -> None:
    url = fresh_database_url
    before = ScriptDirectory.from_config(alembic_config(url)).get_revision(AREA_SEQUENCES).down_revision
    upgrade(url, str(before))
    # Global order: 84010101, 84020101, 84010101, no village (a subscription's), 84010201.
    villages = ["84010101", "84020101", "84010101", None, "84010201"]

    async def seed() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            for number, village in enumerate(villages, start=1):
                await conn.execute(
                    text(
                        "INSERT INTO event (sequence, id, type, stream, stream_sequence, village_code, "
                        "district_code, province_code, data, created_at) VALUES (:n, :id, 'plan.certified', "
                        "'local_government:none', :n, :v, :d, :p, '{}', CURRENT_TIMESTAMP)"
                    ),
                    {
                        "n": number,
                        "id": f"evt_{number}",
                        "v": village,
                        "d": village and village[:4],
                        "p": village and village[:2],
                    },
                )
            await conn.execute(
                text("INSERT INTO event_counter VALUES ('all', 5), ('local_government:none', 5)")
            )
        await engine.dispose()

    asyncio.run(seed())
    upgrade(url)

    async def after() -> tuple[list[tuple[int | None, ...]], dict[str, int], tuple[int | None, ...]]:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            rows = await conn.execute(
                text(
                    "SELECT province_sequence, district_sequence, village_sequence FROM event "
                    "ORDER BY sequence"
                )
            )
            numbered = [tuple(r) for r in rows]
            counters = {
                r.stream: r.last_sequence for r in await conn.execute(text("SELECT * FROM event_counter"))
            }
        # The next event goes on from each area's last number.
        db = Database(url)
        async with db.session() as session:
            await emit(session, "plan.status_changed", Subject("84010101", None), {})
            await session.commit()
        async with db.engine.connect() as conn:
            latest = tuple(
                (
                    await conn.execute(
                        text(
                            "SELECT province_sequence, district_sequence, village_sequence FROM event "
                            "WHERE sequence = 6"
                        )
                    )
                ).one()
            )
        await db.dispose()
        await engine.dispose()
        return numbered, counters, latest

    numbered, counters, latest = asyncio.run(after())
    assert numbered == [(1, 1, 1), (2, 1, 1), (3, 2, 2), (None, None, None), (4, 3, 1)]
    assert {k: v for k, v in counters.items() if not k.startswith(("all", "local_government"))} == {
        "province:84": 4,
        "district:8401": 3,
        "district:8402": 1,
        "village:84010101": 2,
        "village:84020101": 1,
        "village:84010201": 1,
    }
    assert latest == (5, 4, 3)
