"""The committed artefacts match the code: migrations match the models, openapi.json matches the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from app.core.db import Database
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
