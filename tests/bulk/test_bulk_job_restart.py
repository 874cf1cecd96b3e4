"""A bulk job survives its runner being killed: a real `cplan worker` process is killed with SIGKILL in
the middle of a job, another one takes over, and the result is exactly what one uninterrupted run makes —
every row once, none twice, none lost."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core.db import Database
from tests.helpers import count_rows
from tests.processes import spawn, wait_until

API = "/api/v1"
ROWS = 40_000
LEASE = {"BULK_JOB_LEASE_SECONDS": "2"}


async def _job(db: Database) -> dict[str, Any]:
    async with db.engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM bulk_job"))).mappings().one()
    return dict(row)


async def _big_file(db: Database) -> bytes:
    async with db.engine.connect() as conn:
        codes = [
            r[0] for r in await conn.execute(text("SELECT code FROM subdistrict ORDER BY code LIMIT 500"))
        ]
    lines = ["code,name_th,households,population"]
    lines += [f"{s}{moo:02d},บ้านหมู่ที่ {moo} ตำบล {s},{moo},{moo * 4}" for s in codes for moo in range(1, 81)]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.parametrize("mode", ["partial", "atomic"])
async def test_a_job_whose_runner_is_killed_is_finished_by_another(
    client: httpx.AsyncClient,
    db: Database,
    database_url: str,
    processes: list[subprocess.Popen[bytes]],
    mode: str,
) -> None:
    body = await _big_file(db)
    response = await client.post(
        f"{API}/bulk/villages",
        content=body,
        params={"mode": mode},
        headers={"Content-Type": "text/csv", "Prefer": "respond-async"},
    )
    assert response.status_code == 202, response.text

    first = spawn(["-m", "app.cli", "worker"], database_url, **LEASE)
    processes.append(first)
    on_postgres = database_url.startswith("postgresql")

    async def well_under_way() -> bool:
        job = await _job(db)
        if job["status"] != "running":
            return False
        # Progress of an atomic job on SQLite is in the runner's memory only: the lock it holds is the sign.
        return bool(job["rows_done"] >= 3000) if mode == "partial" or on_postgres else True

    await wait_until(well_under_way, 60, "the first runner to be well under way")
    if mode == "atomic" and not on_postgres:
        await asyncio.sleep(0.5)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    killed = await _job(db)
    assert killed["status"] == "running", "the first runner finished before it could be killed"
    villages = await count_rows(db, "village")
    if mode == "atomic":
        assert villages == 0  # the transaction died with the process
        assert killed["created"] == 0  # and its progress never claimed rows it had not committed
    else:
        assert 0 < villages == killed["created"] < ROWS  # committed batches, counted with them

    second = spawn(["-m", "app.cli", "worker"], database_url, **LEASE)
    processes.append(second)

    async def finished() -> bool:
        return (await _job(db))["status"] in ("succeeded", "failed")

    await wait_until(finished, 180, "the second runner to finish the job")
    job = (await client.get(response.headers["location"])).json()
    assert job["status"] == "succeeded", job
    assert (job["received"], job["created"], job["rejected"], job["rows_done"]) == (ROWS, ROWS, 0, ROWS)
    assert job["attempts"] == 2
    assert await count_rows(db, "village") == ROWS
    assert await count_rows(db, "bulk_job_chunk") == 0
