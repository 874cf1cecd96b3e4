"""Large uploads become jobs: 202 with a job to watch, worked through by a runner, the same rules and
answers as a small upload, visible only to the uploader (and admins)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.bulk import service
from app.bulk.runner import BulkJobRunner
from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.helpers import count_rows, make_key

API = "/api/v1"
HEADER = "code,name_th,households,population,local_government_code"
ASYNC = {"Prefer": "respond-async"}


def csv_body(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


GOOD = ["84010101,บ้านดอนเกลี้ยง,120,410,", "84010102,บ้านน้ำใส,๘๕,๓๐๐,", "84010201,บ้านมะขามเตี้ย,60,1200,"]


async def post(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/bulk/villages",
        content=body,
        params=params,
        headers={"Content-Type": "text/csv", **(headers or {})},
    )


@contextlib.asynccontextmanager
async def write_lock_held(holder: Database) -> AsyncIterator[None]:
    """SQLite: another connection holds the one write lock meanwhile (as a long atomic upload does)."""
    async with holder.engine.connect() as conn:
        await conn.execution_options(sqlite_immediate=True)
        await conn.execute(text("UPDATE app_setting SET value = value"))
        try:
            yield
        finally:
            await conn.rollback()


def _client(app: Any, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    )


async def run_jobs(db: Database, settings: Settings) -> int:
    runner = BulkJobRunner(db, settings)
    done = 0
    while await runner.run_once():
        done += 1
    return done


async def test_prefer_respond_async_makes_a_job_that_a_runner_completes(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    response = await post(client, csv_body(*GOOD), ASYNC)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"{API}/bulk-jobs/{job['id']}"
    assert (job["status"], job["rows_expected"], job["rows_done"]) == ("queued", 3, 0)
    assert await count_rows(db, "village") == 0  # nothing written until a runner takes it

    assert await run_jobs(db, settings) == 1
    done = (await client.get(response.headers["location"])).json()
    assert done["status"] == "succeeded"
    assert {k: done[k] for k in ("received", "created", "rejected", "rows_done", "attempts")} == {
        "received": 3,
        "created": 3,
        "rejected": 0,
        "rows_done": 3,
        "attempts": 1,
    }
    assert done["finished_at"] is not None
    village = (await client.get(f"{API}/villages/84010102")).json()
    assert (village["name_th"], village["households"]) == ("บ้านน้ำใส", 85)
    assert await count_rows(db, "bulk_job_chunk") == 0  # the stored file is dropped once done


async def test_uploads_over_the_row_threshold_become_jobs(
    db: Database, settings: Settings, admin_key: str
) -> None:
    small = create_app(settings.model_copy(update={"bulk_job_threshold_rows": 2}), db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=small),
        base_url="http://test",
        headers={"Authorization": f"Bearer {admin_key}"},
    ) as client:
        two = await post(client, csv_body(*GOOD[:2]))
        assert two.status_code == 200, two.text
        three = await post(client, csv_body(GOOD[2], "84010202,บ้านใหม่,1,2,", "84010203,บ้านนา,1,2,"))
        assert three.status_code == 202, three.text
    assert await run_jobs(db, settings) == 1
    assert await count_rows(db, "village") == 5


async def test_uploads_over_the_size_threshold_become_jobs(
    db: Database, settings: Settings, admin_key: str
) -> None:
    small = create_app(settings.model_copy(update={"bulk_job_threshold_bytes": 100}), db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=small),
        base_url="http://test",
        headers={"Authorization": f"Bearer {admin_key}"},
    ) as client:
        response = await post(client, csv_body(*GOOD))
    assert response.status_code == 202
    assert response.json()["status"] == "queued"


async def test_an_atomic_job_with_a_bad_row_fails_and_writes_nothing(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    response = await post(client, csv_body(*GOOD, "84010301,,-5,10,"), {**ASYNC, "Accept-Language": "th"})
    assert response.status_code == 202
    await run_jobs(db, settings)
    job = (await client.get(response.headers["location"])).json()
    assert job["status"] == "failed"
    assert (job["received"], job["created"], job["rejected"]) == (4, 0, 1)
    assert {e["field"] for e in job["errors"]} == {"name_th", "households"}
    assert all(e["row"] == 4 for e in job["errors"])
    problem = job["problem"]
    assert (problem["status"], problem["type"]) == (422, "/problems/bulk-rejected")
    assert problem["detail"] == "มี 1 จาก 4 แถวที่ไม่ผ่าน จึงไม่ได้บันทึกข้อมูลใดเลย"  # the uploader's language
    assert await count_rows(db, "village") == 0


async def test_an_atomic_job_claims_no_rows_before_it_commits(
    app: Any,
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A runner killed before an atomic job's one commit leaves nothing written: its progress must not
    have shown rows as created meanwhile."""
    monkeypatch.setattr(service, "BATCH", 2)  # progress is published after every batch
    response = await post(client, csv_body(*GOOD), ASYNC)
    location = response.headers["location"]
    reached, release = asyncio.Event(), asyncio.Event()

    class PausedBeforeCommit(BulkJobRunner):
        async def _finished(self, session: Any, job_id: str, run: Any, **extra: Any) -> None:
            reached.set()
            await release.wait()
            await super()._finished(session, job_id, run, **extra)

    runner = PausedBeforeCommit(db, settings)
    monkeypatch.setattr(app.state, "job_runner", runner, raising=False)  # GET shows its live progress
    task = asyncio.create_task(runner.run_once())
    try:
        await asyncio.wait_for(reached.wait(), 10)
        # Every row is written, in a transaction not yet committed.
        live = (await client.get(location)).json()
        assert (live["status"], live["rows_done"], live["received"]) == ("running", 3, 3)
        assert (live["created"], live["updated"], live["skipped"]) == (0, 0, 0)
        async with db.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT rows_done, created, updated FROM bulk_job"))).one()
        # PostgreSQL publishes progress beside the transaction (after the first batch); SQLite keeps it in
        # the runner's memory.
        assert stored.rows_done == (2 if database_url.startswith("postgresql") else 0)
        assert (stored.created, stored.updated) == (0, 0)
    finally:
        release.set()
        await asyncio.wait_for(task, 10)
    done = (await client.get(location)).json()
    assert (done["status"], done["rows_done"], done["created"]) == ("succeeded", 3, 3)
    assert await count_rows(db, "village") == 3


async def test_a_partial_job_writes_the_good_rows_and_reports_the_rest(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    response = await post(client, csv_body(*GOOD, "99999901,ไม่มีตำบลนี้,1,1,"), ASYNC, mode="partial")
    await run_jobs(db, settings)
    job = (await client.get(response.headers["location"])).json()
    assert (job["status"], job["created"], job["rejected"]) == ("succeeded", 3, 1)
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(4, "code")]
    assert await count_rows(db, "village") == 3


async def test_a_dry_run_job_checks_and_writes_nothing(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    response = await post(client, csv_body(*GOOD), ASYNC, dry_run="true")
    await run_jobs(db, settings)
    job = (await client.get(response.headers["location"])).json()
    assert (job["status"], job["dry_run"], job["created"]) == ("succeeded", True, 3)
    assert await count_rows(db, "village") == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (csv_body(*GOOD, header="code,name_th,colour"), 422),  # unknown column, missing none required
        (csv_body(*GOOD, header="code,households"), 422),  # name_th missing
        (b"\x00\x01\x02binary\x00", 422),
        ("code,name_th\r\n84010101,\u0e1a\u0e49\u0e32\u0e19\r\n".encode() + b"\xff\xfe", 422),
    ],
    ids=["unknown-column", "missing-column", "binary", "bad-encoding"],
)
async def test_a_file_that_cannot_be_read_is_refused_at_once_without_a_job(
    client: httpx.AsyncClient, db: Database, body: bytes, status: int
) -> None:
    response = await post(client, body, ASYNC)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await count_rows(db, "bulk_job") == 0


async def test_a_job_is_seen_by_its_uploader_and_admins_only(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    officer = await make_key(db, Role.district_officer, "8401", "district office")
    other = await make_key(db, Role.district_officer, "8401", "another script")

    def as_(key: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {key}"},
        )

    async with as_(officer) as mine, as_(other) as theirs:
        response = await post(mine, csv_body(*GOOD), ASYNC)
        assert response.status_code == 202, response.text
        location = response.headers["location"]
        assert (await mine.get(location)).status_code == 200
        hidden = await theirs.get(location)
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == "application/problem+json"
    assert (await client.get(location)).status_code == 200  # admin
    assert (await client.get(f"{API}/bulk-jobs/{'0' * 32}")).status_code == 404


async def test_a_job_runs_with_the_uploaders_scope(
    app: Any, db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    officer = await make_key(db, Role.district_officer, "8401", "district office")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {officer}"},
    ) as mine:
        # 1001… is in Bangkok, outside district 8401.
        response = await post(mine, csv_body(GOOD[0], "10010101,บ้านกรุง,1,1,"), ASYNC, mode="partial")
        await run_jobs(db, settings)
        job = (await mine.get(response.headers["location"])).json()
    assert (job["created"], job["rejected"]) == (1, 1)
    assert job["errors"][0]["row"] == 2
    assert (await client.get(f"{API}/villages/10010101")).status_code == 404


async def test_an_idempotent_retry_answers_the_same_job(client: httpx.AsyncClient, db: Database) -> None:
    headers = {**ASYNC, "Idempotency-Key": "import-2569-01"}
    first = await post(client, csv_body(*GOOD), headers)
    again = await post(client, csv_body(*GOOD), headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await count_rows(db, "bulk_job") == 1


async def test_jobs_larger_than_a_batch_checkpoint_and_finish(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    async with db.engine.connect() as conn:
        subdistricts = [
            r[0] for r in await conn.execute(text("SELECT code FROM subdistrict ORDER BY code LIMIT 30"))
        ]
    rows = [f"{s}{moo:02d},บ้านที่ {moo},{moo},{moo * 3}," for s in subdistricts for moo in range(1, 81)]
    rows.insert(1500, rows[10])  # a duplicate in a later batch is still reported as one
    response = await post(client, csv_body(*rows), ASYNC, mode="partial")
    await run_jobs(db, settings)
    job = (await client.get(response.headers["location"])).json()
    assert (job["status"], job["received"], job["created"], job["rejected"]) == ("succeeded", 2401, 2400, 1)
    assert job["errors"][0]["row"] == 1501
    assert await count_rows(db, "village") == 2400


async def test_a_write_waiting_too_long_for_sqlites_one_writer_answers_503(
    settings: Settings, admin_key: str, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has many writers")
    impatient = Database(settings.database_url, sqlite_busy_seconds=0.2)
    app = create_app(settings, impatient)
    holder = Database(settings.database_url)
    try:
        async with write_lock_held(holder), _client(app, admin_key) as client:
            response = await post(client, csv_body(*GOOD))
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"] == "application/problem+json"
        assert await count_rows(holder, "village") == 0
    finally:
        await impatient.dispose()
        await holder.dispose()


async def test_reads_are_not_held_up_by_a_long_write_on_sqlite(
    app: Any, db: Database, settings: Settings, database_url: str
) -> None:
    """A large atomic upload holds SQLite's one write lock for minutes; a read with a key not used for a
    while (whose last use is noted, a write) must still be answered at once."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has many writers")
    key = await make_key(db, Role.district_officer, "8401", "fresh key")
    holder = Database(settings.database_url)
    try:
        async with write_lock_held(holder), _client(app, key) as client:
            response = await asyncio.wait_for(client.get(f"{API}/villages"), timeout=5)
        assert response.status_code == 200, response.text
    finally:
        await holder.dispose()


async def test_finished_jobs_are_pruned_after_the_retention_period(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    old, recent = [(await post(client, csv_body(row), ASYNC)).json()["id"] for row in GOOD[:2]]
    waiting = (await post(client, csv_body(GOOD[2]), ASYNC)).json()["id"]
    runner = BulkJobRunner(db, settings)
    assert await runner.run_once() and await runner.run_once()
    async with db.engine.begin() as conn:  # the first finished 31 days ago, the second yesterday
        for job_id, days in ((old, 31), (recent, 1)):
            await conn.execute(
                text("UPDATE bulk_job SET finished_at = :at WHERE id = :id"),
                {"at": dt.datetime.now(dt.UTC) - dt.timedelta(days=days), "id": job_id},
            )
    assert await runner.prune() == 1
    assert (await client.get(f"{API}/bulk-jobs/{old}")).status_code == 404
    assert (await client.get(f"{API}/bulk-jobs/{recent}")).json()["status"] == "succeeded"
    # A job still waiting for a runner is never pruned, nor is its stored file.
    assert (await client.get(f"{API}/bulk-jobs/{waiting}")).json()["status"] == "queued"
    assert await count_rows(db, "bulk_job_chunk") > 0
