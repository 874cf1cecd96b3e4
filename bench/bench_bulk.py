"""Bulk upload of activities (Thai titles) through `POST /api/v1/bulk/activities` on PostgreSQL: rows per
second versus PostgreSQL COPY of the same rows in the same run, the server's CPU per row and its peak
resident memory. Optionally the same file on SQLite.

    python bench/bench_bulk.py [--rows 1000000] [--rounds 3] [--sqlite]

Each round uploads the file and then COPYs it, one right after the other, so the two see the machine alike;
the ratio shown is the median of the rounds' ratios.

Goals: ratio >= 0.25 (issue 7), >= 0.5 (issue 17); peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SERVER = "postgresql://postgres@127.0.0.1:5432"
NAME = os.environ.get("CPLAN_BENCH_BULK_DATABASE", "cplan_bench_bulk")  # one per person on a shared server
TITLES = ["ปลูกผักสวนครัวปลอดสารพิษ", "ปรับปรุงถนนคอนกรีตเสริมเหล็ก", "ส่งเสริมอาชีพผู้สูงอายุ", "ขุดลอกคลองส่งน้ำ"]
GROUPS = ["economy", "development_planning", "social_environment_health", "governance"]
KINDS = ["self_reliance", "joint", "external_support"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def truncate(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE activity RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def prepare(url: str, plans: int) -> tuple[str, list[int]]:
    from app.auth.service import create_api_key
    from app.core.actor import Role
    from app.core.db import Database
    from app.migrations import upgrade

    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    async with db.session() as s:
        _, key = await create_api_key(s, name="bench", role=Role.admin, scope_code=None)
        await s.commit()
    async with db.engine.begin() as conn:
        from sqlalchemy import text

        await conn.execute(
            text(
                "INSERT INTO village (code, moo, name_th, subdistrict_code, district_code, province_code, "
                "households, population, created_at, updated_at, version) SELECT s.code || '01', 1, "
                "'บ้าน' || s.name_th, s.code, s.district_code, s.province_code, 100, 300, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 FROM subdistrict s ORDER BY s.code LIMIT :n"
            ),
            {"n": plans},
        )
        await conn.execute(
            text(
                "INSERT INTO plan (village_code, district_code, province_code, year, revision, title, "
                "status, households_total, households_contributing_data, participating_households, "
                "lgo_participated_from_start, sufficiency_economy_process, created_at, updated_at, version) "
                "SELECT code, district_code, province_code, 2569, 1, 'แผน', 'draft', 100, 0, 0, false, "
                "false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 FROM village"
            )
        )
        ids = [r[0] for r in await conn.execute(text("SELECT id FROM plan ORDER BY id"))]
    await db.dispose()
    return key, ids


def write_csv(path: Path, rows: int, plan_ids: list[int]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["plan_id", "title", "working_group", "kind", "budget", "fiscal_year", "status"])
        for i in range(rows):
            writer.writerow(
                [
                    plan_ids[i % len(plan_ids)],
                    f"{TITLES[i % 4]} ครั้งที่ {i}",
                    GROUPS[i % 4],
                    KINDS[i % 3],
                    f"{(i % 900) * 100 + 50}.00",
                    2570,
                    "planned",
                ]
            )


def serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    # The server runs bulk jobs in-process (as `cplan serve` does): a large upload answers 202 with a job,
    # and the clock stops when the job is done.
    env = {**os.environ, "DATABASE_URL": url, "DELIVER_IN_PROCESS": "true", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return process, base


def upload(base: str, key: str, path: Path) -> tuple[float, dict[str, object]]:
    def chunks():  # type: ignore[no-untyped-def]
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                yield chunk

    headers = {"Authorization": f"Bearer {key}"}
    started = time.perf_counter()
    response = httpx.post(
        f"{base}/api/v1/bulk/activities",
        content=chunks(),
        timeout=None,
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert response.status_code in (200, 202), response.text[:500]
    body = response.json()
    accepted = time.perf_counter() - started
    if response.status_code == 202:
        while body["status"] in ("queued", "running"):
            time.sleep(0.2)
            body = httpx.get(f"{base}{response.headers['location']}", headers=headers, timeout=120).json()
        assert body["status"] == "succeeded", body
    elapsed = time.perf_counter() - started
    body["accepted_after_seconds"] = round(accepted, 2)
    return elapsed, body


async def copy_rows(dsn: str, path: Path, plan_ids: list[int]) -> float:
    """COPY of the same rows (the plan's village and areas filled in, as the upload does)."""
    conn = await asyncpg.connect(dsn)
    plans = {
        r["id"]: r
        for r in await conn.fetch("SELECT id, village_code, district_code, province_code FROM plan")
    }
    await conn.execute("TRUNCATE activity RESTART IDENTITY CASCADE")
    started = time.perf_counter()
    buffer = io.StringIO()
    out = csv.writer(buffer)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for plan_id, title, group, kind, budget, fiscal_year, status in reader:
            p = plans[int(plan_id)]
            out.writerow(
                [
                    plan_id,
                    p["village_code"],
                    p["district_code"],
                    p["province_code"],
                    title,
                    group,
                    kind,
                    int(float(budget) * 100),
                    fiscal_year,
                    status,
                    "2026-01-01T00:00:00Z",
                    "2026-01-01T00:00:00Z",
                    1,
                ]
            )
    buffer.seek(0)
    await conn.copy_to_table(
        "activity",
        source=io.BytesIO(buffer.getvalue().encode()),
        format="csv",
        columns=[
            "plan_id",
            "village_code",
            "district_code",
            "province_code",
            "title",
            "working_group",
            "kind",
            "budget_satang",
            "fiscal_year",
            "status",
            "created_at",
            "updated_at",
            "version",
        ],
    )
    elapsed = time.perf_counter() - started
    await conn.close()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--rounds", type=int, default=1, help="upload then COPY, this many times; the median ratio is shown"
    )
    args = parser.parse_args()
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{NAME}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{NAME}"
    key, plan_ids = await prepare(url, 2000)
    work = Path(tempfile.mkdtemp())
    data = work / "activities.csv"
    write_csv(data, args.rows, plan_ids)
    result: dict[str, object] = {"rows": args.rows, "file_mb": round(data.stat().st_size / 1e6, 1)}
    server, base = serve(url)
    try:
        rounds = []
        for number in range(args.rounds):
            if number:  # the same table each round: the rows the last round added (upload and COPY) gone
                await truncate(f"{SERVER}/{NAME}")
            cpu_before = cpu_seconds(server.pid)
            elapsed, report = await asyncio.to_thread(upload, base, key, data)
            cpu = cpu_seconds(server.pid) - cpu_before
            copy_seconds = await copy_rows(f"{SERVER}/{NAME}", data, plan_ids)
            rounds.append(
                {
                    "seconds": round(elapsed, 1),
                    "rows_per_second": round(args.rows / elapsed),
                    "server_cpu_us_per_row": round(cpu / args.rows * 1e6, 1),
                    "created": report["created"],
                    "answered_after_seconds": report["accepted_after_seconds"],
                    "copy_seconds": round(copy_seconds, 1),
                    "copy_rows_per_second": round(args.rows / copy_seconds),
                    "ratio": round(copy_seconds / elapsed, 3),
                }
            )
            print(json.dumps(rounds[-1]), flush=True)
        result["rounds"] = rounds
        result["server_peak_rss_mb"] = round(peak_rss_mb(server.pid), 1)
        result["ratio"] = round(statistics.median(r["ratio"] for r in rounds), 3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(result, indent=2), flush=True)
    if args.sqlite:
        sqlite_url = f"sqlite+aiosqlite:///{work / 'bulk.db'}"
        key, plan_ids = await prepare(sqlite_url, 2000)
        write_csv(data, args.rows, plan_ids)
        server, base = serve(sqlite_url)
        try:
            elapsed, report = await asyncio.to_thread(upload, base, key, data)
            result["sqlite"] = {
                "seconds": round(elapsed, 1),
                "rows_per_second": round(args.rows / elapsed),
                "server_peak_rss_mb": round(peak_rss_mb(server.pid), 1),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "bulk.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
