"""Answer times of `POST /api/v1/auth/token`, and what a flood of bad logins does to everyone else's requests,
against a live server.

    python bench/bench_login.py [--rounds 20] [--flood 48] [--flood-rounds 10] [--postgres]

`--flood 0` measures the answer times only.

Starts `uvicorn app.main:create_app` (one worker, no in-process worker loops) on a fresh SQLite file (or,
with `--postgres`, a fresh database `cplan_bench_login` on 127.0.0.1:5432, dropped afterwards), trusting
`X-Forwarded-For` from loopback so that each simulated client can send from its own address, makes users
through the API, then measures (medians of `--rounds` answers, in ms):

- `wrong`: a known user with a wrong password, each try from its own address (at most 4 tries per user, so
  no lock or throttle starts);
- `unknown`: a username that does not exist;
- `throttled`: an account tried again from the address that just had 5 wrong passwords for it (a hard lock
  before throttling existed, answered 401; a spent budget, answered 429, since);
- `flood`: `GET /api/v1/provinces/84` with an API key (`--flood-rounds` of them), alone, then while `--flood`
  clients keep sending bad logins for unknown usernames, all from one address, then each from its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
API = "/api/v1"
PG = "postgresql://postgres@127.0.0.1:5432"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def postgres(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def prepare(url: str) -> str:
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
    return key


@contextlib.asynccontextmanager
async def server(url: str) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DELIVER_IN_PROCESS": "false",
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port", str(port)]
    command += ["--log-level", "warning", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as c:
            for _ in range(200):
                with contextlib.suppress(httpx.TransportError):
                    if (await c.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def login(c: httpx.AsyncClient, address: str, username: str, password: str) -> tuple[float, int]:
    started = time.perf_counter()
    r = await c.post(
        f"{API}/auth/token",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )
    return (time.perf_counter() - started) * 1000, r.status_code


def summary(name: str, samples: list[tuple[float, int]]) -> str:
    times = [t for t, _ in samples]
    statuses = dict(Counter(s for _, s in samples))
    return (
        f"{name:<34} median {statistics.median(times):7.1f} ms   min {min(times):7.1f}   "
        f"max {max(times):7.1f}   statuses {statuses}"
    )


async def timed_gets(c: httpx.AsyncClient, key: str, rounds: int) -> list[tuple[float, int]]:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        r = await c.get(f"{API}/provinces/84", headers={"Authorization": f"Bearer {key}"})
        out.append(((time.perf_counter() - started) * 1000, r.status_code))
        await asyncio.sleep(0.05)
    return out


async def flood_while(
    c: httpx.AsyncClient, key: str, rounds: int, clients: int, one_address: bool
) -> tuple[list[tuple[float, int]], Counter[int]]:
    stop = asyncio.Event()
    answers: Counter[int] = Counter()

    async def attacker(i: int) -> None:
        address = "10.9.0.1" if one_address else f"10.10.{i // 250}.{i % 250 + 1}"
        n = 0
        while not stop.is_set():
            n += 1
            with contextlib.suppress(httpx.TransportError):
                # Unknown names: before throttling, a locked account answered without hashing at all.
                _, status = await login(c, address, f"ghost{i}x{n}", "guess guess guess")
                answers[status] += 1

    tasks = [asyncio.create_task(attacker(i)) for i in range(clients)]
    await asyncio.sleep(1.0)
    samples = await timed_gets(c, key, rounds)
    stop.set()
    await asyncio.gather(*tasks)
    return samples, answers


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--flood", type=int, default=48)
    parser.add_argument("--flood-rounds", type=int, default=10)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    rounds = args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        if args.postgres:
            await postgres("DROP DATABASE IF EXISTS cplan_bench_login WITH (FORCE)")
            await postgres("CREATE DATABASE cplan_bench_login")
            url = f"{PG}/cplan_bench_login".replace("postgresql:", "postgresql+asyncpg:")
        key = await prepare(url)
        async with server(url) as base:
            limits = httpx.Limits(max_connections=args.flood + 10)
            async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as c:
                admin = {"Authorization": f"Bearer {key}"}
                names = [f"bench{i}" for i in range((rounds + 3) // 4)] + ["target"]
                for name in names:
                    body = {"username": name, "password": PASSWORD, "role": "admin"}
                    r = await c.post(f"{API}/users", json=body, headers=admin)
                    assert r.status_code == 201, r.text
                assert (await login(c, "10.0.0.1", "target", PASSWORD))[1] == 200

                wrong = [
                    await login(c, f"10.1.0.{i + 1}", f"bench{i // 4}", "not the password")
                    for i in range(rounds)
                ]
                unknown = [
                    await login(c, f"10.2.0.{i + 1}", f"nobody{i}", "not the password") for i in range(rounds)
                ]
                for _ in range(5):
                    await login(c, "10.3.0.1", "target", "not the password")
                throttled = [await login(c, "10.3.0.1", "target", "not the password") for _ in range(rounds)]
                print(summary("known user, wrong password", wrong))
                print(summary("unknown user", unknown))
                print(summary("throttled (before: locked)", throttled))

                if args.flood:
                    alone = await timed_gets(c, key, args.flood_rounds)
                    print(summary("GET /provinces/84 alone", alone))
                    one, answers = await flood_while(c, key, args.flood_rounds, args.flood, one_address=True)
                    print(summary(f"  ... {args.flood} bad logins, one address", one), dict(answers))
                    many, answers = await flood_while(
                        c, key, args.flood_rounds, args.flood, one_address=False
                    )
                    print(summary(f"  ... {args.flood} bad logins, own addresses", many), dict(answers))
        if args.postgres:
            await postgres("DROP DATABASE IF EXISTS cplan_bench_login WITH (FORCE)")


if __name__ == "__main__":
    asyncio.run(main())
