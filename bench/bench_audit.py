"""What the audit log costs and how it pages, on PostgreSQL (issue 16).

    python bench/bench_audit.py [--entries 10000000] [--seconds 10] [--concurrency 16] [--rounds 3]

In one run, against one bench database beside the server (`cplan_bench_audit`, dropped and made again):

1. **single-row writes**: `PATCH /api/v1/villages/{code}` (a random village of 2,000) from `--concurrency`
   clients for `--seconds`, on the app and on the same app with its audit recorder switched off
   (`bench/audit_off_app.py`); requests per second and p50/p99 latency; the ratio audited / not audited.
   Goal: ≥ 0.75 (the audit costs at most 25 % of a single-row write's throughput).
2. **bulk uploads**: `POST /api/v1/bulk/villages` of `--bulk-rows` new villages, `--bulk-uploads` times on
   each server; rows per second and the ratio. Goal: ≥ 0.90.
3. **paging at national scale**: `--entries` audit entries are loaded (server-side `INSERT … SELECT`
   from `generate_series`, indexes built afterwards, as a restore would), spread over 75,000 villages
   (~133 entries each); then `GET /api/v1/audit-log?resource_type=village&resource_id=…&limit=100` for
   `--pages` random villages, one at a time, p50/p99, beside the same SQL sent straight to PostgreSQL.
   Goal: a page in under 50 ms.
Both servers stay up for the whole run (one uvicorn worker each); each round loads one right after the
other, alternating which goes first, and every ratio is taken round by round (the median is reported):
the tables grow with each upload and the machine may be shared, and a round's two figures share that
state. CPU per write and per uploaded row (the server's and the database backends') is reported beside
the rates: steadier than time on a busy machine. `ANALYZE` runs before each round.

4. **why several chains**: commits per second of the database alone (asyncpg, no app) for the same
   `UPDATE`, without the audit's statements, with them under one lock, and under 16 locks.

The load average before and after is printed. The loaded entries carry made-up
hashes: `cplan audit verify` fails on this database by design.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("CPLAN_BENCH_SERVER", "postgresql://postgres@127.0.0.1:5432")
NAME = "cplan_bench_audit"
APPS = {"audited": "app.main:create_app", "not_audited": "bench.audit_off_app:create_app"}
INDEXES = {
    "ix_audit_entry_chain_id": "chain, id",
    "ix_audit_entry_resource": "resource_type, resource_id, id",
    "ix_audit_entry_province_code_id": "province_code, id",
    "ix_audit_entry_district_code_id": "district_code, id",
    "ix_audit_entry_actor_id_id": "actor_id, id",
    "ix_audit_entry_request_id": "request_id",
    "ix_audit_entry_at": "at",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


async def prepare(url: str) -> tuple[str, list[str], list[str]]:
    """A migrated database, an admin key, 2,000 villages to change and the codes of villages to upload."""
    from app.auth.service import create_api_key
    from app.core.actor import Role
    from app.core.db import Database
    from app.migrations import upgrade

    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    async with db.session() as s:
        _, key = await create_api_key(s, name="bench", role=Role.admin, scope_code=None)
        await s.commit()
    await db.dispose()
    conn = await asyncpg.connect(f"{SERVER}/{NAME}")
    try:
        subdistricts = [r["code"] for r in await conn.fetch("SELECT code FROM subdistrict ORDER BY code")]
        codes = [f"{sub}01" for sub in subdistricts[:2000]]
        now = datetime.datetime.now(datetime.UTC)
        rows = [(code, 1, "บ้านทดสอบ", code[:6], code[:4], code[:2], 100, 400, now, now, 1) for code in codes]
        await conn.copy_records_to_table(
            "village",
            records=rows,
            columns=[
                "code",
                "moo",
                "name_th",
                "subdistrict_code",
                "district_code",
                "province_code",
                "households",
                "population",
                "created_at",
                "updated_at",
                "version",
            ],
        )
    finally:
        await conn.close()
    # Codes for uploads: moo 02–99 of every subdistrict (the villages changed above are moo 01).
    return key, codes, [f"{sub}{moo:02d}" for moo in range(99, 1, -1) for sub in subdistricts]


async def load_entries(count: int) -> tuple[float, list[str]]:
    """`count` entries about 75,000 villages, loaded without indexes and indexed afterwards."""
    conn = await asyncpg.connect(f"{SERVER}/{NAME}")
    started = time.perf_counter()
    try:
        for name in INDEXES:
            await conn.execute(f"DROP INDEX {name}")
        await conn.execute(
            """
            INSERT INTO audit_entry (id, chain, at, actor_id, actor_name, actor_role, request_id, action, resource_type,
                                     resource_id, province_code, district_code, changes, prev_hash, hash)
            SELECT g + $2, g % 16, now() - make_interval(secs => ($1::bigint - g)::double precision), 'key:' || (g % 50), 'bench', 'admin',
                   md5(g::text), 'update', 'village', v, substr(v, 1, 2), substr(v, 1, 4),
                   '{"households": {"from": 100, "to": 101}}', md5((g - 1)::text) || md5((g - 1)::text),
                   md5(g::text) || md5(g::text)
            FROM generate_series(1, $1::bigint) AS g,
                 LATERAL (SELECT lpad(((g * 7919) % 75000 + 10000000)::text, 8, '0') AS v) AS village
            """,
            count,
            await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_entry"),
        )
        await conn.execute("SELECT setval('audit_entry_id_seq', (SELECT max(id) FROM audit_entry))")
        for name, columns in INDEXES.items():
            await conn.execute(f"CREATE INDEX {name} ON audit_entry ({columns})")
        await conn.execute("ANALYZE audit_entry")
        query = "SELECT DISTINCT resource_id FROM audit_entry {} WHERE resource_type = 'village' LIMIT 2000"
        rows = await conn.fetch(query.format("TABLESAMPLE SYSTEM (0.1)")) or await conn.fetch(
            query.format("")
        )
        sample = [r["resource_id"] for r in rows]
    finally:
        await conn.close()
    return time.perf_counter() - started, sample


def serve(url: str, factory: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DELIVER_IN_PROCESS": "false", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return process, base


def cpu_seconds(pid: int) -> float:
    """CPU a process has used (user + system), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_snapshot(server_pid: int) -> dict[int, float]:
    """CPU used so far by the server and by the database's backends serving the bench database."""
    conn = await asyncpg.connect(f"{SERVER}/{NAME}")
    try:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
        pids = [r["pid"] for r in await conn.fetch(query, NAME)]
    finally:
        await conn.close()
    return {pid: cpu_seconds(pid) for pid in (server_pid, *pids)}


async def analyze() -> None:
    conn = await asyncpg.connect(f"{SERVER}/{NAME}")
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def single_writes(
    server_pid: int, base: str, key: str, codes: list[str], seconds: float, concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        for code in codes[:50]:  # warm-up
            await client.patch(f"/api/v1/villages/{code}", json={"households": 1})
        deadline = time.perf_counter() + seconds

        async def one_client(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                code = rng.choice(codes)
                started = time.perf_counter()
                response = await client.patch(
                    f"/api/v1/villages/{code}", json={"households": rng.randrange(1000)}
                )
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        before = await cpu_snapshot(server_pid)
        started = time.perf_counter()
        await asyncio.gather(*(one_client(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
        after = await cpu_snapshot(server_pid)
    server_cpu = after[server_pid] - before.get(server_pid, 0.0)
    database_cpu = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items() if pid != server_pid)
    return {
        # CPU per write (the server process, and the database backends serving it): steadier than rps when
        # other work shares the machine.
        "server_cpu_us": round(server_cpu / len(latencies) * 1e6),
        "database_cpu_us": round(database_cpu / len(latencies) * 1e6),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "errors": errors,
    }


async def bulk_uploads(
    server_pid: int, base: str, key: str, new_codes: list[str], rows: int, uploads: int
) -> dict[str, Any]:
    times = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "text/csv"}
    before = await cpu_snapshot(server_pid)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
        for _ in range(uploads):
            lines = ["code,name_th,households,population"]
            for _ in range(rows):
                lines.append(f"{new_codes.pop()},บ้านนำเข้า,50,200")
            body = ("\n".join(lines) + "\n").encode()
            started = time.perf_counter()
            response = await client.post("/api/v1/bulk/villages", content=body)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.json()["created"] == rows, response.text[:300]
    after = await cpu_snapshot(server_pid)
    cpu = sum(used - before.get(pid, 0.0) for pid, used in after.items())
    return {
        # CPU per row, the server's and the database backends' (steadier than time when the disk is busy).
        "cpu_us_per_row": round(cpu / (rows * uploads) * 1e6, 1),
        "rows_per_second": round(rows / statistics.median(times)),
        "median_s": round(statistics.median(times), 3),
        "uploads": uploads,
    }


async def pages(base: str, key: str, villages: list[str], count: int) -> dict[str, Any]:
    rng = random.Random(7)
    app_times, sql_times = [], []
    full = 0  # pages of a full 100 entries
    conn = await asyncpg.connect(f"{SERVER}/{NAME}")
    statement = await conn.prepare(
        "SELECT id, at, actor_id, actor_name, actor_role, request_id, action, resource_type, resource_id, changes "
        "FROM audit_entry WHERE resource_type = 'village' AND resource_id = $1 ORDER BY id LIMIT 101"
    )
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as client:
        for n in range(count + 20):
            village = rng.choice(villages)
            params = {"resource_type": "village", "resource_id": village, "limit": 100}
            started = time.perf_counter()
            response = await client.get("/api/v1/audit-log", params=params)
            took = time.perf_counter() - started
            assert response.status_code == 200, response.text[:300]
            full += len(response.json()["items"]) == 100
            started = time.perf_counter()
            await statement.fetch(village)
            sql_took = time.perf_counter() - started
            if n >= 20:  # the first are warm-up
                app_times.append(took)
                sql_times.append(sql_took)
    await conn.close()
    return {
        "app_p50_ms": round(percentile(app_times, 0.5) * 1000, 2),
        "app_p99_ms": round(percentile(app_times, 0.99) * 1000, 2),
        "sql_p50_ms": round(percentile(sql_times, 0.5) * 1000, 2),
        "sql_p99_ms": round(percentile(sql_times, 0.99) * 1000, 2),
        "pages": count,
        "full_pages": full,
    }


async def commits_per_second(codes: list[str], locks: int | None, seconds: float, concurrency: int) -> float:
    """Why the log has several chains: the database alone, `concurrency` connections each committing
    `UPDATE village` (and, with `locks`, the audit's lock, read of its chain's last hash and insert) as fast
    as it can. A lock is held through its commit's disk flush, so one lock caps every writer together."""
    pool = await asyncpg.create_pool(f"{SERVER}/{NAME}", min_size=concurrency, max_size=concurrency)
    done = 0
    deadline = time.perf_counter() + seconds

    async def one(seed: int) -> None:
        nonlocal done
        rng = random.Random(seed)
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                async with conn.transaction():
                    await conn.execute(
                        "UPDATE village SET households = $1 WHERE code = $2",
                        rng.randrange(1000),
                        rng.choice(codes),
                    )
                    if locks is not None:
                        chain = rng.randrange(locks)
                        await conn.execute("SELECT pg_advisory_xact_lock($1::bigint)", 0x7E57_0000 + chain)
                        last = await conn.fetchval(
                            "SELECT hash FROM audit_entry WHERE chain = $1 ORDER BY id DESC LIMIT 1", chain
                        )
                        await conn.execute(
                            "INSERT INTO audit_entry (chain, at, action, resource_type, changes, prev_hash, hash) "
                            "VALUES ($1, now(), 'update', 'village', '{}', $2, $2)",
                            chain,
                            last or "0" * 64,
                        )
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return round(done / elapsed)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bulk-rows", type=int, default=20000)
    parser.add_argument("--bulk-uploads", type=int, default=3)
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 40)
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{NAME}"')
    await admin.close()
    url = f"postgresql+asyncpg://{SERVER.removeprefix('postgresql://')}/{NAME}"
    key, codes, new_codes = await prepare(url)
    # Loaded first: the writes below append to a log of national size, as they would in production.
    seconds, sample = await load_entries(args.entries)
    result: dict[str, Any] = {"entries_loaded": args.entries, "load_seconds": round(seconds, 1)}
    result |= {"load_before": load(), "writes": {}, "bulk": {}}
    # Both servers stay up; each round loads one right after the other (alternating which goes first), so a
    # round's two figures share the machine's state, and the ratios are taken round by round.
    servers = {name: serve(url, factory) for name, factory in APPS.items()}
    try:
        for round_number in range(args.rounds):
            await analyze()  # what autovacuum does between rounds in production (it may be off here)
            order = list(APPS) if round_number % 2 == 0 else list(reversed(APPS))
            for name in order:
                process, base = servers[name]
                writes = await single_writes(process.pid, base, key, codes, args.seconds, args.concurrency)
                result["writes"].setdefault(name, []).append(writes)
                print(name, "round", round_number + 1, json.dumps({"writes": writes}), flush=True)
            for name in order:
                process, base = servers[name]
                bulk = await bulk_uploads(
                    process.pid, base, key, new_codes, args.bulk_rows, args.bulk_uploads
                )
                result["bulk"].setdefault(name, []).append(bulk)
                print(name, "round", round_number + 1, json.dumps({"bulk": bulk}), flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)

    def by_round(kind: str, ratio: Any) -> list[float]:
        pairs = zip(result[kind]["audited"], result[kind]["not_audited"], strict=True)
        return [round(ratio(a, b), 3) for a, b in pairs]

    def cpu(run: dict[str, Any]) -> float:
        return float(run["server_cpu_us"] + run["database_cpu_us"])

    result["write_ratio_by_round"] = by_round("writes", lambda a, b: a["rps"] / b["rps"])
    # Throughput as CPU allows it: CPU per write without the audit / with it.
    result["write_cpu_ratio_by_round"] = by_round("writes", lambda a, b: cpu(b) / cpu(a))
    result["bulk_ratio_by_round"] = by_round("bulk", lambda a, b: a["rows_per_second"] / b["rows_per_second"])
    result["bulk_cpu_ratio_by_round"] = by_round(
        "bulk", lambda a, b: b["cpu_us_per_row"] / a["cpu_us_per_row"]
    )
    for name in ("write_ratio", "write_cpu_ratio", "bulk_ratio", "bulk_cpu_ratio"):
        result[name] = round(statistics.median(result[f"{name}_by_round"]), 3)
    process, base = serve(url, APPS["audited"])
    try:
        result["pages"] = await pages(base, key, sample, args.pages)
    finally:
        process.terminate()
        process.wait(timeout=30)
    result["database_commits_per_second"] = {
        "no_audit": await commits_per_second(codes, None, 5, args.concurrency),
        "one_chain": await commits_per_second(codes, 1, 5, args.concurrency),
        "16_chains": await commits_per_second(codes, 16, 5, args.concurrency),
    }
    result["load_after"] = load()
    result["goals"] = {
        "write_ratio >= 0.75": result["write_ratio"] >= 0.75,
        "write_cpu_ratio >= 0.75": result["write_cpu_ratio"] >= 0.75,
        "bulk_ratio >= 0.90": result["bulk_ratio"] >= 0.90,
        "bulk_cpu_ratio >= 0.90": result["bulk_cpu_ratio"] >= 0.90,
        "page p50 < 50 ms": result["pages"]["app_p50_ms"] < 50,
    }
    print(json.dumps(result, indent=2), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
