"""Delivery survives crashes and shares work: real worker and API processes, real HTTP, a real receiver.

- A worker is killed with SIGKILL in the middle of a batch; another takes over: every event arrives at
  least once.
- On PostgreSQL, two API processes and two workers: every event arrives, and never twice at the same time.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from app.core.actor import Role
from app.core.db import Database
from tests.helpers import make_key
from tests.processes import free_port, spawn, wait_until
from tests.receiver import Receiver

API = "/api/v1"
LGO, VILLAGE = "6840101", "84010101"


async def _prepare(
    client: httpx.AsyncClient, db: Database, app: Any, receiver_url: str
) -> tuple[str, str, int]:
    """A district-approved plan with an activity, an LGO key and a subscription: (key, secret, activity)."""
    await client.post(
        f"{API}/local-governments",
        json={
            "code": LGO,
            "name_th": "อบต.ตลาด",
            "kind": "subdistrict_administration",
            "province_code": "84",
            "subdistrict_codes": ["840101"],
        },
    )
    await client.post(
        f"{API}/villages", json={"code": VILLAGE, "name_th": "บ้านน้ำใส", "local_government_code": LGO}
    )
    plan = (await client.post(f"{API}/plans", json={"village_code": VILLAGE, "year": 2569})).json()
    activity = (
        await client.post(
            f"{API}/plans/{plan['id']}/activities",
            json={"title": "ถนน", "working_group": "development_planning", "kind": "joint"},
        )
    ).json()
    from sqlalchemy import text

    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE plan SET status = 'district_approved'"))
    key = await make_key(db, Role.lgo_planner, LGO, "planning system")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    ) as lgo:
        sub = (
            await lgo.post(
                f"{API}/webhook-subscriptions", json={"url": receiver_url, "local_government_code": LGO}
            )
        ).json()
    return key, sub["secret"], activity["id"]


def _adopt(base: str, key: str, activity_id: int, budget: int) -> str:
    response = httpx.put(
        f"{base}{API}/activities/{activity_id}/adoption",
        json={"local_government_code": LGO, "fiscal_year": 2570, "budget": f"{budget}.00"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    return response.text


async def _event_ids(client: httpx.AsyncClient) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        body = (
            await client.get(f"{API}/events", params={"limit": 500, **({"cursor": cursor} if cursor else {})})
        ).json()
        if not body["items"]:
            return ids
        ids |= {e["id"] for e in body["items"] if e["type"].startswith("activity.")}
        cursor = body["next_cursor"]


async def test_a_worker_killed_mid_batch_loses_nothing(
    app: Any,
    db: Database,
    client: httpx.AsyncClient,
    database_url: str,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    receiver = Receiver(delay=0.3).start()
    try:
        key, secret, activity_id = await _prepare(client, db, app, receiver.url)
        # 20 events, made in-process (the API is not what is under test here).
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {key}"},
        ) as lgo:
            for budget in range(1, 21):
                response = await lgo.put(
                    f"{API}/activities/{activity_id}/adoption",
                    json={"local_government_code": LGO, "fiscal_year": 2570, "budget": f"{budget}.00"},
                )
                assert response.status_code in (200, 201)
        expected = await _event_ids(client)
        assert len(expected) == 20

        # Two deliveries in flight at a time, 0.3 s each: the kill after the third lands mid-batch (with 20 in
        # flight, all 20 could arrive together before the kill).
        first = spawn(["-m", "app.cli", "worker"], database_url, WEBHOOK_CONCURRENCY="2")
        processes.append(first)
        await wait_until(lambda: len(receiver.received) >= 3, 60, "the first deliveries")
        first.send_signal(signal.SIGKILL)  # in the middle of a batch: others are claimed and in flight
        first.wait(timeout=10)
        delivered_before = len(receiver.received)
        assert delivered_before < 20

        second = spawn(["-m", "app.cli", "worker"], database_url)
        processes.append(second)

        def all_arrived() -> bool:
            return {r.headers.get("webhook-id") for r in list(receiver.received)} >= expected

        await wait_until(all_arrived, 90, "every event after the crash")
        for message in list(receiver.received):
            Webhook(secret).verify(message.body, message.headers)
    finally:
        receiver.stop()


async def test_two_apis_and_two_workers_share_the_work(
    app: Any,
    db: Database,
    client: httpx.AsyncClient,
    database_url: str,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("many delivering processes need PostgreSQL (SQLite has one delivering process)")
    receiver = Receiver(delay=0.05).start()
    try:
        key, secret, activity_id = await _prepare(client, db, app, receiver.url)
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(
                spawn(
                    [
                        "-m",
                        "uvicorn",
                        "app.main:create_app",
                        "--factory",
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                    ],
                    database_url,
                )
            )
        for _ in range(2):
            processes.append(spawn(["-m", "app.cli", "worker"], database_url))
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        await wait_until(lambda: all(_ready(b) for b in bases), 60, "both APIs")
        for budget in range(1, 31):
            _adopt(bases[budget % 2], key, activity_id, budget)
        expected = await _event_ids(client)
        assert len(expected) == 30
        await wait_until(
            lambda: {r.headers.get("webhook-id") for r in list(receiver.received)} >= expected,
            60,
            "every event",
        )
        await asyncio.sleep(0.5)
        ids = [r.headers["webhook-id"] for r in receiver.received]
        assert sorted(ids) == sorted(expected)  # each exactly once: no worker took another's lease
        assert receiver.max_concurrent_same_id == 1
        for message in receiver.received:
            Webhook(secret).verify(message.body, message.headers)
    finally:
        receiver.stop()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
