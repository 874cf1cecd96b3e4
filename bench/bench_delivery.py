"""Webhook delivery throughput and latency on PostgreSQL, against a bare local HTTP receiver.

    python bench/bench_delivery.py [--deliveries 3000] [--samples 50]

Measured in one run:
- deliveries per second from one `DeliveryWorker` (claim, sign, POST, record), versus a plain httpx loop
  posting the same signed bodies with the same concurrency to the same receiver (goal: ratio >= 0.9);
- adoption-to-delivery latency, p50 and p99, with an idle queue: from sending the adoption request to the
  delivery's arrival, and from the adoption's answer to the arrival; with a `cplan worker` process (woken by
  PostgreSQL NOTIFY) and with a worker in the API's process (woken at the commit), as `cplan serve` runs one
  (goal: p50 < 15 ms, p99 < 60 ms).
The receiver is a raw ASGI app under uvicorn in its own process that answers 200 at once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.auth.service import create_api_key  # noqa: E402
from app.core.actor import Role  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from app.webhooks import secrets  # noqa: E402
from app.webhooks.worker import DeliveryWorker  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
NAME = "cplan_bench_delivery"
URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{NAME}"
RECEIVER = """
import time
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/log":
        pass
    with open(LOG, "a") as f:
        f.write(f"{time.time()} {dict(scope['headers']).get(b'webhook-id', b'').decode()}\\n")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def fresh_database() -> None:
    conn = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{NAME}"')
    finally:
        await conn.close()


def start_receiver(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    module = log.parent / "bench_receiver.py"
    module.write_text(f"LOG = {str(log)!r}\n" + RECEIVER)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench_receiver:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--app-dir",
            str(log.parent),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/hooks"
    for _ in range(200):
        try:
            httpx.post(url, content=b"{}", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return process, url


async def prepare(db: Database, settings: Settings, url: str, activities: int) -> tuple[str, str, list[int]]:
    app = create_app(settings, db)
    async with db.session() as s:
        _, admin = await create_api_key(s, name="bench admin", role=Role.admin, scope_code=None)
        await s.commit()
    headers = {"Authorization": f"Bearer {admin}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://b", headers=headers
    ) as c:
        await c.post(
            "/api/v1/local-governments",
            json={
                "code": "6840101",
                "name_th": "อบต.ตลาด",
                "kind": "subdistrict_administration",
                "province_code": "84",
                "subdistrict_codes": ["840101"],
            },
        )
        await c.post(
            "/api/v1/villages",
            json={"code": "84010101", "name_th": "บ้านน้ำใส", "local_government_code": "6840101"},
        )
        plan = (await c.post("/api/v1/plans", json={"village_code": "84010101", "year": 2569})).json()["id"]
        rows = "\r\n".join(
            ["plan_id,title,working_group,kind,budget"]
            + [f"{plan},กิจกรรมที่ {i},economy,joint,{i}.00" for i in range(activities)]
        ).encode()
        await c.post("/api/v1/bulk/activities", content=rows, headers={"Content-Type": "text/csv"})
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE plan SET status = 'district_approved'"))
        ids = [r[0] for r in await conn.execute(text("SELECT id FROM activity ORDER BY id"))]
    async with db.session() as s:
        _, lgo = await create_api_key(s, name="bench lgo", role=Role.lgo_planner, scope_code="6840101")
        await s.commit()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://b",
        headers={"Authorization": f"Bearer {lgo}"},
    ) as c:
        sub = (
            await c.post(
                "/api/v1/webhook-subscriptions", json={"url": url, "local_government_code": "6840101"}
            )
        ).json()
    return lgo, sub["secret"], ids


async def adopt_all(db: Database, settings: Settings, key: str, ids: list[int]) -> None:
    app = create_app(settings, db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://b",
        headers={"Authorization": f"Bearer {key}"},
    ) as c:
        for activity in ids:
            r = await c.put(
                f"/api/v1/activities/{activity}/adoption",
                json={"local_government_code": "6840101", "fiscal_year": 2570, "budget": "1.00"},
            )
            assert r.status_code == 201, r.text


async def worker_throughput(db: Database, settings: Settings, expected: int) -> float:
    """A running worker (`DeliveryWorker.run`, as `cplan worker` runs it) working through the queue."""
    worker = DeliveryWorker(db, settings, batch=100, concurrency=20)
    stop = asyncio.Event()
    count = text("SELECT count(*) FROM webhook_delivery WHERE status = 'succeeded'")
    started = time.perf_counter()
    running = asyncio.create_task(worker.run(stop))
    ok = 0
    async with db.engine.connect() as conn:
        while ok < expected:
            await asyncio.sleep(0.02)
            ok = (await conn.execute(count)).scalar_one()
            await conn.rollback()
    elapsed = time.perf_counter() - started
    stop.set()
    await running
    await worker.close()
    assert ok == expected, (ok, expected)
    return expected / elapsed


async def plain_loop(url: str, secret: str, db: Database) -> float:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT event_id, payload FROM webhook_delivery"))).all()
    semaphore = asyncio.Semaphore(20)
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as client:

        async def post(event_id: str, payload: str) -> None:
            async with semaphore:
                now = dt.datetime.now(dt.UTC)
                headers = {
                    "content-type": "application/json",
                    "webhook-id": event_id,
                    "webhook-timestamp": str(int(now.timestamp())),
                    "webhook-signature": secrets.signature_header([secret], event_id, now, payload),
                }
                response = await client.post(url, content=payload.encode(), headers=headers)
                assert response.status_code == 200

        started = time.perf_counter()
        await asyncio.gather(*(post(r.event_id, r.payload) for r in rows))
        return len(rows) / (time.perf_counter() - started)


async def latency(
    db: Database, settings: Settings, key: str, ids: list[int], log: Path, samples: int, where: str
) -> tuple[list[float], list[float]]:
    """Adoption to delivery with an idle queue, and from the adoption's answer to the delivery: a
    `cplan worker` process (`where="process"`, woken by NOTIFY on PostgreSQL), or a worker in this process
    (`where="in-process"`, as `cplan serve` delivers: woken at the commit)."""
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "PYTHONPATH": str(ROOT),
    }
    stop = asyncio.Event()
    process: subprocess.Popen[bytes] | None = None
    running: asyncio.Task[None] | None = None
    worker = DeliveryWorker(db, settings)
    if where == "process":
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    else:
        running = asyncio.create_task(worker.run(stop))
    app = create_app(settings, db)
    from_request: list[float] = []
    from_answer: list[float] = []
    try:
        await asyncio.sleep(2)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://b",
            headers={"Authorization": f"Bearer {key}"},
        ) as c:
            with log.open() as lines:
                lines.seek(0, os.SEEK_END)
                for i, activity in enumerate(ids[:samples]):
                    budget = f"{i + 2 + (1000 if where == 'process' else 2000)}.00"
                    sent = time.time()
                    r = await c.put(
                        f"/api/v1/activities/{activity}/adoption",
                        json={"local_government_code": "6840101", "fiscal_year": 2570, "budget": budget},
                    )
                    answered = time.time()
                    assert r.status_code == 200, r.text
                    line = lines.readline()
                    while not line.endswith("\n"):
                        await asyncio.sleep(0.0005)
                        line += lines.readline()
                    arrived = float(line.split()[0])
                    from_request.append(arrived - sent)
                    from_answer.append(arrived - answered)
                    await asyncio.sleep(0.3)  # an idle queue between samples
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        if running is not None:
            stop.set()
            await running
        await worker.close()
    return from_request, from_answer


async def requeue(db: Database) -> None:
    """Every delivery due again, for another round."""
    async with db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM webhook_attempt"))
        await conn.execute(
            text(
                "UPDATE webhook_delivery SET status = 'pending', attempts = 0, lease_until = NULL, "
                "delivered_at = NULL, next_attempt_at = now()"
            )
        )
    await vacuum()


async def vacuum() -> None:
    """What autovacuum does on a production server (this benchmark's server may have it off): without it,
    the claim's index still lists the 3,000 deliveries just sent as pending, for PostgreSQL to check one by
    one."""
    conn = await asyncpg.connect(f"{SERVER}/{NAME}")
    try:
        await conn.execute("VACUUM ANALYZE webhook_delivery, webhook_attempt, webhook_subscription")
    finally:
        await conn.close()


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return round(p50 * 1000, 1), round(p99 * 1000, 1)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--samples", type=int, default=50, help="latency samples (0: no latency)")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds; the median ratio is shown")
    args = parser.parse_args()
    await fresh_database()
    await asyncio.to_thread(upgrade, URL)
    log = Path("/tmp/cplan_bench_receiver.log")
    log.write_text("")
    receiver, url = start_receiver(log)
    settings = Settings(database_url=URL, webhook_allowed_networks="127.0.0.0/8", deliver_in_process=False)
    db = Database(URL)
    try:
        key, secret, ids = await prepare(db, settings, url, args.deliveries)
        await adopt_all(db, settings, key, ids)
        await vacuum()
        load_before = load_average()
        rounds = []
        for n in range(args.rounds):
            if n:
                await requeue(db)
            plain_cpu = time.process_time()
            baseline = await plain_loop(url, secret, db)
            plain_cpu = time.process_time() - plain_cpu
            worker_cpu = time.process_time()
            app_rate = await worker_throughput(db, settings, len(ids))
            worker_cpu = time.process_time() - worker_cpu
            rounds.append(
                {
                    "worker_per_second": round(app_rate, 1),
                    "plain_httpx_per_second": round(baseline, 1),
                    "ratio": round(app_rate / baseline, 3),
                    # CPU of this process (the sender's side) per delivery: steadier on a busy machine
                    "worker_cpu_us": round(worker_cpu / len(ids) * 1e6),
                    "plain_cpu_us": round(plain_cpu / len(ids) * 1e6),
                }
            )
        middle = sorted(rounds, key=lambda r: float(r["ratio"]))[len(rounds) // 2]
        result: dict[str, object] = {"deliveries": len(ids), **middle, "rounds": rounds}
        await vacuum()
        for where in ("process", "in-process") if args.samples else ():
            from_request, from_answer = await latency(db, settings, key, ids, log, args.samples, where)
            p50, p99 = percentiles(from_request)
            result[f"latency_{where}_p50_ms"], result[f"latency_{where}_p99_ms"] = p50, p99
            p50, p99 = percentiles(from_answer)
            result[f"after_answer_{where}_p50_ms"], result[f"after_answer_{where}_p99_ms"] = p50, p99
        result["latency_samples"] = args.samples
        result["load_average_before_after"] = [load_before, load_average()]
        print(json.dumps(result, indent=2))
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "delivery.json").write_text(json.dumps(result, indent=2))
    finally:
        await db.dispose()
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
