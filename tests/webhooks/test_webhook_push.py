"""Deliveries at push speed: a worker is woken when deliveries are queued, and only once their transaction
commits (in-process on both databases, and through LISTEN/NOTIFY from another process on PostgreSQL); it
does not wait for its poll; it keeps a bounded number of deliveries in flight and a receiver's connection
open for the next one. Real receivers on loopback, real worker processes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from standardwebhooks import Webhook

from app.core.config import Settings
from app.core.db import Database
from app.events.store import Subject, emit
from app.events.types import ACTIVITY_ADOPTION_UPDATED
from app.webhooks import wakeup
from app.webhooks.sender import Clients
from app.webhooks.targets import Target
from app.webhooks.worker import DeliveryWorker
from tests.helpers import count_rows
from tests.processes import spawn, wait_until
from tests.receiver import Receiver
from tests.webhooks.test_webhooks import API, LGO, VILLAGE, Scene

LONG_POLL = 30.0  # the safety-net poll of the workers under test: nothing here may wait for it


class Running:
    """A `DeliveryWorker.run` in the background, as `cplan worker` runs it."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self.worker = worker
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> DeliveryWorker:
        self.task = asyncio.create_task(self.worker.run(self.stop))
        if not self.worker.db.is_sqlite:
            await wait_until(
                lambda: self.worker.listener is not None and self.worker.listener.connected.is_set(),
                10,
                "the worker's LISTEN",
            )
        await asyncio.sleep(0.2)  # its first look for work is over: it is idle, waiting
        return self.worker

    async def __aexit__(self, *_: object) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 30)
        await self.worker.close()


async def _emit(db: Database, *, commit: bool) -> None:
    """An event of the subscribed local government, written and then committed or rolled back."""
    async with db.session() as session:
        if db.is_sqlite:
            await session.connection(execution_options={"sqlite_immediate": True})
        await emit(session, ACTIVITY_ADOPTION_UPDATED, Subject(VILLAGE, LGO), {"id": 1})
        if commit:
            await session.commit()
        else:
            await session.rollback()


async def _notifications(db: Database) -> tuple[asyncpg.Connection, list[str]]:
    """A plain LISTEN of our own, as another process's worker holds: what PostgreSQL sends on the channel."""
    conn = await asyncpg.connect(**wakeup.connect_args(db))
    payloads: list[str] = []
    await conn.add_listener(wakeup.CHANNEL, lambda *args: payloads.append(args[3]))
    return conn, payloads


async def test_deliveries_wake_workers_when_they_commit_and_not_when_they_roll_back(
    db: Database, scene: Scene, receiver: Receiver
) -> None:
    await scene.subscribe(receiver.url)
    woken: list[int] = []
    listening = None if db.is_sqlite else await _notifications(db)
    try:
        async with wakeup.wake_ups(db, lambda: woken.append(1)) as listener:
            if listener is not None:
                await wait_until(listener.connected.is_set, 10, "the LISTEN")
            await asyncio.sleep(0.1)
            woken.clear()  # a listener wakes its worker once it listens (for what it may have missed)

            await _emit(db, commit=False)
            await asyncio.sleep(0.5)
            assert woken == []
            assert await count_rows(db, "webhook_delivery") == 0
            if listening is not None:
                assert listening[1] == []  # PostgreSQL dropped the NOTIFY with the transaction

            await _emit(db, commit=True)
            await wait_until(lambda: woken, 5, "the wake-up")
            assert await count_rows(db, "webhook_delivery") == 1
            if listening is not None:
                await wait_until(lambda: listening[1], 5, "the notification")
                assert listening[1] == [wakeup.PROCESS_TOKEN]
            await asyncio.sleep(0.3)
            # Once, by the in-process signal: this process's own notification is not a second wake-up.
            assert woken == [1]
    finally:
        if listening is not None:
            await listening[0].close()


async def test_a_released_savepoint_does_not_wake_before_the_transaction_commits(
    db: Database, scene: Scene, receiver: Receiver
) -> None:
    await scene.subscribe(receiver.url)
    woken: list[int] = []
    async with wakeup.wake_ups(db, lambda: woken.append(1)) as listener:
        if listener is not None:
            await wait_until(listener.connected.is_set, 10, "the LISTEN")
        await asyncio.sleep(0.1)
        woken.clear()
        async with db.session() as session:
            if db.is_sqlite:
                await session.connection(execution_options={"sqlite_immediate": True})
            async with session.begin_nested():
                await emit(session, ACTIVITY_ADOPTION_UPDATED, Subject(VILLAGE, LGO), {"id": 1})
            await asyncio.sleep(0.2)
            assert woken == []
            await session.commit()
        await wait_until(lambda: woken, 5, "the wake-up")


async def test_a_delivery_arrives_without_waiting_for_the_poll(
    db: Database, settings: Settings, scene: Scene, receiver: Receiver
) -> None:
    sub = await scene.subscribe(receiver.url)
    async with Running(DeliveryWorker(db, settings, poll_seconds=LONG_POLL)):
        for budget in ("1.00", "2.00", "3.00"):
            started = time.monotonic()
            assert (await scene.adopt(budget=budget)).status_code in (200, 201)
            await wait_until(lambda n=budget: any(_budget(sub, r) == n for r in receiver.received), 5, budget)
            assert time.monotonic() - started < LONG_POLL / 6
    deliveries = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"]
    assert [d["status"] for d in deliveries] == ["succeeded"] * 3


def _budget(sub: dict[str, Any], received: Any) -> str:
    return str(Webhook(sub["secret"]).verify(received.body, received.headers)["data"]["adoption"]["budget"])


async def test_a_worker_in_another_process_is_woken_by_notify(
    database_url: str,
    db: Database,
    scene: Scene,
    receiver: Receiver,
    processes: list[Any],
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has one delivering process: it is woken in-process")
    sub = await scene.subscribe(receiver.url)
    processes.append(spawn(["-m", "app.cli", "worker"], database_url, WEBHOOK_POLL_SECONDS=str(LONG_POLL)))

    async def listening() -> bool:
        async with db.engine.connect() as conn:
            found = await conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
            return bool(found.scalar_one())

    await wait_until(listening, 60, "the worker process's LISTEN")
    await asyncio.sleep(0.5)
    started = time.monotonic()
    assert (await scene.adopt()).status_code == 201
    await wait_until(lambda: receiver.received, 10, "the delivery")
    assert time.monotonic() - started < LONG_POLL / 3
    Webhook(sub["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)


async def test_the_listener_listens_again_after_its_connection_drops(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL only")
    woken: list[int] = []
    listener = wakeup.Listener(db, lambda: woken.append(1), max_backoff=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop))
    try:
        await wait_until(listener.connected.is_set, 10, "the LISTEN")
        async with db.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
        await wait_until(lambda: listener.connections == 2 and listener.connected.is_set(), 10, "again")
        woken.clear()
        async with db.engine.begin() as conn:  # as another process's commit sends it
            await conn.execute(text("SELECT pg_notify(:c, 'another process')"), {"c": wakeup.CHANNEL})
        await wait_until(lambda: woken, 5, "the wake-up after reconnecting")
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_deliveries_in_flight_are_bounded_by_the_concurrency(
    db: Database, settings: Settings, scene: Scene
) -> None:
    receiver = Receiver(delay=0.3).start()
    try:
        sub = await scene.subscribe(receiver.url)
        for _ in range(9):
            assert (await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/test")).status_code == 202
        async with Running(DeliveryWorker(db, settings, concurrency=3, poll_seconds=LONG_POLL)):
            await wait_until(lambda: len(receiver.received) == 9, 20, "all nine")
        assert receiver.max_concurrent == 3  # several at once, never more than allowed
        deliveries = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()
        assert [d["status"] for d in deliveries["items"]] == ["succeeded"] * 9
    finally:
        receiver.stop()


async def test_a_receivers_connection_is_kept_for_its_next_delivery(
    db: Database, settings: Settings, scene: Scene
) -> None:
    receiver = Receiver(keep_alive=True).start()
    try:
        sub = await scene.subscribe(receiver.url)
        async with Running(DeliveryWorker(db, settings, poll_seconds=LONG_POLL)):
            for n in range(1, 4):
                ping = await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/test")
                assert ping.status_code == 202
                await wait_until(lambda n=n: len(receiver.received) == n, 5, f"ping {n}")
        assert len({r.client_port for r in receiver.received}) == 1
    finally:
        receiver.stop()


async def test_https_connections_are_never_shared_between_host_names() -> None:
    """A TLS connection was verified for one name: another name at the same address gets a pool (and so a
    connection) of its own; plain http to one address shares one. Idle https pools are bounded."""
    clients = Clients(5, 4, tls_hosts=2)
    try:

        async def used(target: Target) -> httpx.AsyncClient:
            async with clients.use(target) as client:
                return client

        a = Target("https", "a.example", 443, "/", "192.0.2.1")
        b = Target("https", "b.example", 443, "/", "192.0.2.1")
        assert await used(a) is not await used(b)
        assert await used(a) is await used(a)
        plain = [Target("http", name, 80, "/", "192.0.2.1") for name in ("a.example", "b.example")]
        assert await used(plain[0]) is await used(plain[1])
        for n in range(10):
            await used(Target("https", f"h{n}.example", 443, "/", "192.0.2.1"))
        async with clients.use(a) as held:
            for n in range(10):
                await used(Target("https", f"k{n}.example", 443, "/", "192.0.2.1"))
            assert not held.is_closed  # a pool in use is not closed under its request
        assert len(clients._tls) <= 2
    finally:
        await clients.aclose()
