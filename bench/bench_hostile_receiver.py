"""What one hostile webhook receiver costs the process that delivers to it: peak memory and time.

    python bench/bench_hostile_receiver.py [--answer endless|gzip|trickle] [--seconds 10]

The receiver runs in its own process on loopback and answers every delivery with `200` and then:
- `endless`: a chunked body that never ends, written as fast as the socket takes it;
- `gzip`: a gzip bomb (`--bomb-mib` of zeros, about 1/1000 of that on the wire) with Content-Encoding: gzip;
- `trickle`: a body of a byte a second, never idle long enough for a per-read timeout.
This process subscribes it (SQLite in a temporary directory), queues one ping, and runs one delivery round
of `DeliveryWorker` with WEBHOOK_TIMEOUT_SECONDS=`--timeout`, stopped after `--seconds` if still running.
It prints the resident memory before, the peak (VmHWM, reset at the start, Linux), the time taken and what
the attempt log recorded. To measure another version of the code, run a copy of this file placed in that
version's `bench/` folder (it imports the `app` package next to it).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.auth.service import create_api_key  # noqa: E402
from app.core.actor import Role  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from app.webhooks.worker import DeliveryWorker  # noqa: E402

RECEIVER = r"""
import socket, sys, threading, time, zlib
answer, bomb_mib = sys.argv[1], int(sys.argv[2])
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)

def bomb():
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(bomb_mib)) + packer.flush()

def serve(conn):
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(next((l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")), b"0"))
        while len(body) < length:
            body += conn.recv(65536)
        try:
            if answer == "endless":
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
                while True:
                    conn.sendall(chunk)
            elif answer == "gzip":
                b = bomb()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
                time.sleep(3600)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while True:
                    time.sleep(1)
                    conn.sendall(b".")
        except OSError:
            pass

while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


def status_mib(name: str) -> float:
    found = re.search(rf"^{name}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    assert found is not None
    return int(found.group(1)) / 1024


async def prepare(db: Database, settings: Settings, url: str) -> tuple[httpx.AsyncClient, int]:
    async with db.session() as s:
        _, admin = await create_api_key(s, name="bench admin", role=Role.admin, scope_code=None)
        await s.commit()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, db)),
        base_url="http://b",
        headers={"Authorization": f"Bearer {admin}"},
    )
    await client.post(
        "/api/v1/local-governments",
        json={
            "code": "6840101",
            "name_th": "อบต.ตลาด",
            "kind": "subdistrict_administration",
            "province_code": "84",
            "subdistrict_codes": ["840101"],
        },
    )
    sub = await client.post(
        "/api/v1/webhook-subscriptions", json={"url": url, "local_government_code": "6840101"}
    )
    sub.raise_for_status()
    sub_id = int(sub.json()["id"])
    (await client.post(f"/api/v1/webhook-subscriptions/{sub_id}/test")).raise_for_status()
    return client, sub_id


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answer", choices=["endless", "gzip", "trickle"], default="endless")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=15.0, help="WEBHOOK_TIMEOUT_SECONDS")
    parser.add_argument("--bomb-mib", type=int, default=400)
    args = parser.parse_args()

    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, args.answer, str(args.bomb_mib)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.stdout is not None
        port = int(receiver.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            await asyncio.to_thread(upgrade, url)  # (Alembic runs its own event loop)
            settings = Settings(
                database_url=url,
                webhook_allowed_networks="127.0.0.0/8",
                webhook_timeout_seconds=args.timeout,
                deliver_in_process=False,
            )
            db = Database(url)
            client, sub_id = await prepare(db, settings, f"http://127.0.0.1:{port}/hooks")
            worker = DeliveryWorker(db, settings)
            Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
            before = status_mib("VmRSS")
            started = time.monotonic()
            try:
                await asyncio.wait_for(worker.run_once(), args.seconds)
                finished = "finished"
            except TimeoutError:
                finished = f"still running after {args.seconds:g} s: stopped"
            took = time.monotonic() - started
            peak = status_mib("VmHWM")
            log = (await client.get(f"/api/v1/webhook-subscriptions/{sub_id}/deliveries")).json()
            attempts = log["items"][0]["attempt_log"]
            await worker.close()
            await client.aclose()
            await db.dispose()
    finally:
        receiver.kill()
        receiver.wait()
    print(f"code:             {Path(sys.modules['app'].__file__ or '').parent}")
    print(f"answer:           {args.answer}")
    print(f"delivery round:   {finished} in {took:.1f} s")
    print(f"resident before:  {before:.0f} MiB")
    print(f"peak resident:    {peak:.0f} MiB (+{peak - before:.0f} MiB)")
    for attempt in attempts:
        excerpt = (attempt["response_excerpt"] or "")[:40]
        print(f"attempt:          {attempt['status_code']} {attempt['error']!r} excerpt {excerpt!r}")


if __name__ == "__main__":
    asyncio.run(main())
