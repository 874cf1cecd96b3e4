"""What a subscriber can make the service do. Webhooks go only to globally routable addresses (with any
IPv4 address an IPv6 one wraps) or inside WEBHOOK_ALLOWED_NETWORKS, checked when subscribing and again when
delivering, and refused without saying what a name resolved to. A receiver's answer costs a delivery
little memory and bounded time, whatever it sends (real misbehaving receivers on loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.webhooks.targets import parse_networks, permitted
from app.webhooks.worker import DeliveryWorker
from tests.helpers import count_rows, make_key
from tests.receiver import RawReceiver, Receiver
from tests.webhooks.test_webhooks import API, LGO, Scene, _client

# (address, a WEBHOOK_ALLOWED_NETWORKS that lets it through, what it is)
NOT_GLOBAL = [
    ("100.100.100.200", "100.64.0.0/10", "cloud metadata service in carrier-grade NAT space"),
    ("100.64.0.1", "100.64.0.0/10", "carrier-grade NAT"),
    ("100.127.255.254", "100.64.0.0/10", "carrier-grade NAT, last host"),
    ("198.18.0.1", "198.18.0.0/15", "benchmarking"),
    ("198.19.255.254", "198.18.0.0/15", "benchmarking, last host"),
    ("10.1.2.3", "10.0.0.0/8", "private"),
    ("169.254.169.254", "169.254.0.0/16", "link-local metadata"),
    ("192.0.0.100", "192.0.0.0/24", "IETF protocol assignments"),
    ("224.0.0.1", "224.0.0.0/4", "IPv4 multicast"),
    ("::1", "::1/128", "IPv6 loopback"),
    ("ff02::1", "ff00::/8", "IPv6 multicast"),
    ("2002:a00:1::1", "10.0.0.0/8", "6to4 wrapping 10.0.0.1"),
    ("2002:6464:64c8::1", "100.64.0.0/10", "6to4 wrapping 100.100.100.200"),
    ("2002:7f00:1::1", "2002::/16", "6to4 wrapping 127.0.0.1, the 6to4 prefix allowed"),
    ("2001:0:a00:1::f7f7:f7f7", "2001::/32", "Teredo, private server 10.0.0.1"),
    ("2001:0:808:808::f5ff:fffe", "2001::/32", "Teredo, private client 10.0.0.1"),
    ("64:ff9b::a00:1", "10.0.0.0/8", "NAT64 wrapping 10.0.0.1"),
    ("64:ff9b::6464:64c8", "100.64.0.0/10", "NAT64 wrapping 100.100.100.200"),
    ("64:ff9b:1::a00:1", "64:ff9b:1::/48", "local-use NAT64"),
    ("::ffff:10.0.0.1", "10.0.0.0/8", "IPv4-mapped 10.0.0.1"),
    ("::ffff:100.100.100.200", "100.64.0.0/10", "IPv4-mapped 100.100.100.200"),
    ("::ffff:127.0.0.1", "127.0.0.0/8", "IPv4-mapped loopback"),
    ("::a00:1", "10.0.0.0/8", "IPv4-compatible 10.0.0.1"),
    ("::6464:64c8", "100.64.0.0/10", "IPv4-compatible 100.100.100.200"),
]
GLOBAL = [
    ("8.8.8.8", "public IPv4"),
    ("2606:4700:4700::1111", "public IPv6"),
    ("2002:808:808::1", "6to4 wrapping 8.8.8.8"),
    ("64:ff9b::808:808", "NAT64 wrapping 8.8.8.8"),
    ("::ffff:8.8.8.8", "IPv4-mapped 8.8.8.8"),
]


def _url(address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}/hooks"


@pytest.mark.parametrize(("address", "allowlist", "what"), NOT_GLOBAL, ids=[row[2] for row in NOT_GLOBAL])
def test_non_global_addresses_need_the_allowlist(address: str, allowlist: str, what: str) -> None:
    ip = ipaddress.ip_address(address)
    assert not permitted(ip, []), what
    assert not permitted(ip, parse_networks("203.0.113.0/24,2001:db8::/32")), what  # another allowlist
    assert permitted(ip, parse_networks(allowlist)), what


@pytest.mark.parametrize(("address", "what"), GLOBAL, ids=[row[1] for row in GLOBAL])
def test_global_addresses_are_permitted(address: str, what: str) -> None:
    assert permitted(ipaddress.ip_address(address), []), what


async def test_subscribing_checks_every_range_with_and_without_the_allowlist(
    db: Database, settings: Settings, scene: Scene
) -> None:
    key = await make_key(db, Role.lgo_planner, LGO)
    apps: dict[str, Any] = {}
    for address, allowlist, what in NOT_GLOBAL:
        for networks, expected in (("", 422), (allowlist, 201)):
            if networks not in apps:
                apps[networks] = create_app(
                    settings.model_copy(update={"webhook_allowed_networks": networks}), db
                )
            async with _client(apps[networks], key) as caller:
                response = await caller.post(
                    f"{API}/webhook-subscriptions", json={"url": _url(address), "local_government_code": LGO}
                )
            assert response.status_code == expected, (what, networks, response.text)
            if expected == 422:
                assert response.headers["content-type"].startswith("application/problem+json")
                assert [e["field"] for e in response.json()["errors"]] == ["url"]
    assert await count_rows(db, "webhook_subscription") == len(NOT_GLOBAL)
    async with _client(apps[""], key) as caller:
        for address, what in GLOBAL:
            response = await caller.post(
                f"{API}/webhook-subscriptions", json={"url": _url(address), "local_government_code": LGO}
            )
            assert response.status_code == 201, (what, response.text)


async def test_a_host_name_that_cannot_be_encoded_is_422_not_500(db: Database, scene: Scene) -> None:
    for host in ("a" * 64 + ".example", "a..example"):
        response = await scene.lgo.post(
            f"{API}/webhook-subscriptions",
            json={"url": f"http://{host}/hooks", "local_government_code": LGO},
        )
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["url"]
    assert await count_rows(db, "webhook_subscription") == 0


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_the_refusal_does_not_say_what_a_name_resolved_to(
    db: Database, settings: Settings, scene: Scene, lang: str
) -> None:
    strict = create_app(settings.model_copy(update={"webhook_allowed_networks": ""}), db)
    key = await make_key(db, Role.lgo_planner, LGO)
    async with _client(strict, key) as caller:
        response = await caller.post(
            f"{API}/webhook-subscriptions",
            json={"url": "http://localhost:8080/hooks", "local_government_code": LGO},
            headers={"Accept-Language": lang},
        )
    assert response.status_code == 422
    problem = response.text
    for resolved in ("127.0.0.1", "::1", "127.", "0:0:0:0:0:0:0:1"):
        assert resolved not in problem
    message = response.json()["errors"][0]["message"]
    if lang == "th":
        assert message.startswith("ปลายทางไม่ใช่ที่อยู่สาธารณะ")
    else:
        assert message.startswith("The target is not a public address")
    assert await count_rows(db, "webhook_subscription") == 0


async def test_the_address_is_checked_again_when_delivering(
    db: Database, settings: Settings, scene: Scene, receiver: Receiver
) -> None:
    # Subscribed while loopback was allowed; by delivery time it no longer is (as if DNS had changed).
    sub = await scene.subscribe(receiver.url)
    assert (await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/test")).status_code == 202
    strict = DeliveryWorker(db, settings.model_copy(update={"webhook_allowed_networks": ""}))
    try:
        assert await strict.run_once() == 1
    finally:
        await strict.close()
    assert receiver.received == []
    log = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"][0]
    attempt = log["attempt_log"][0]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("refused: The target is not a public address")
    assert "127." not in attempt["error"] and "::1" not in attempt["error"]
    async with db.engine.connect() as conn:
        last_error = (await conn.execute(text("SELECT last_error FROM webhook_delivery"))).scalar_one()
    assert last_error == attempt["error"]


# A misbehaving receiver answers the request with these bytes. The caps stop a client that reads without
# limit before it runs the test machine out of memory or time; a bounded client never comes near them.
BLOCK = b"x" * 65536
DEADLINE = 2.0  # WEBHOOK_TIMEOUT_SECONDS for these deliveries
GROWTH_LIMIT = 32 * 1024 * 1024


def endless_chunked_body(write: Callable[[bytes], None], stop: threading.Event) -> None:
    write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK)
    for _ in range(96 * 1024 * 1024 // len(BLOCK)):
        if stop.is_set():
            return
        write(chunk)


@functools.cache
def _bomb() -> bytes:
    """64 MiB of zeros gzipped into about 64 KiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()


def gzip_bomb(write: Callable[[bytes], None], stop: threading.Event) -> None:
    bomb = _bomb()
    write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(bomb), bomb)
    )
    stop.wait(10)


def trickled_body(write: Callable[[bytes], None], stop: threading.Event) -> None:
    write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n")
    for _ in range(20):  # a byte a second: never idle long enough for a per-read timeout
        if stop.wait(1):
            return
        write(b".")


def trickled_head(write: Callable[[bytes], None], stop: threading.Event) -> None:
    write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(20):
        if stop.wait(1):
            return
        write(b"a")


def _status_kb(name: str) -> int:
    found = re.search(rf"^{name}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    assert found is not None
    return int(found.group(1))


@contextlib.contextmanager
def peak_memory_growth() -> Iterator[list[int]]:
    """Bytes by which this process's peak resident memory grew inside the block (Linux)."""
    result = [0]
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM, the peak, starts again from the current RSS
    except OSError:  # not allowed here: sample the resident size instead
        before, peak, done = _status_kb("VmRSS"), [0], threading.Event()

        def sample() -> None:
            while not done.wait(0.002):
                peak[0] = max(peak[0], _status_kb("VmRSS"))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        yield result
        done.set()
        sampler.join()
        result[0] = (max(peak[0], _status_kb("VmRSS")) - before) * 1024
        return
    before = _status_kb("VmRSS")
    yield result
    result[0] = (_status_kb("VmHWM") - before) * 1024


@pytest.mark.parametrize(
    ("answer", "status_code", "delivered"),
    [
        (endless_chunked_body, 200, True),
        (gzip_bomb, 200, True),
        (trickled_body, 200, False),
        (trickled_head, None, False),
    ],
    ids=["endless chunked body", "gzip bomb", "a byte a second in the body", "a byte a second in the head"],
)
async def test_a_hostile_answer_costs_little_memory_and_bounded_time(
    db: Database,
    settings: Settings,
    scene: Scene,
    answer: Callable[[Callable[[bytes], None], threading.Event], None],
    status_code: int | None,
    delivered: bool,
) -> None:
    hostile = RawReceiver(answer).start()
    worker = DeliveryWorker(db, settings.model_copy(update={"webhook_timeout_seconds": DEADLINE}))
    try:
        sub = await scene.subscribe(hostile.url)
        assert (await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/test")).status_code == 202
        with peak_memory_growth() as growth:
            started = time.monotonic()
            assert await asyncio.wait_for(worker.run_once(), 60) == 1
            took = time.monotonic() - started
        assert took < DEADLINE + 2, took
        assert growth[0] < GROWTH_LIMIT, f"peak memory grew by {growth[0] / 2**20:.0f} MiB"
        assert hostile.requests[0]["accept-encoding"] == "identity"
        if answer is not gzip_bomb:  # (that one sent all it had)
            assert await asyncio.to_thread(hostile.hung_up.wait, 5), "the connection was left open"
        assert hostile.sent < GROWTH_LIMIT

        log = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"][0]
        assert log["status"] == ("succeeded" if delivered else "pending")
        attempt = log["attempt_log"][0]
        assert attempt["status_code"] == status_code
        assert attempt["duration_ms"] < (DEADLINE + 1) * 1000
        if answer is endless_chunked_body:
            assert attempt["error"] is None and attempt["response_excerpt"] == "x" * 500
        elif answer is gzip_bomb:
            assert attempt["error"] is None
            assert attempt["response_excerpt"] == "(a gzip-encoded answer, not decoded)"
        else:
            assert attempt["error"] == "timed out: no complete answer within 2 s"
    finally:
        hostile.stop()
        await worker.close()


def nul_bytes(write: Callable[[bytes], None], stop: threading.Event) -> None:
    body = b"ok\x00\x00" + "ดด".encode() + b"\xe0"  # and a character cut short
    write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


async def test_an_answer_with_nul_bytes_is_recorded(db: Database, settings: Settings, scene: Scene) -> None:
    # PostgreSQL text cannot hold NUL: stored as is, the attempt could not be recorded, and the delivery
    # would be claimed and sent again each time its lease ran out, without end.
    hostile = RawReceiver(nul_bytes).start()
    worker = DeliveryWorker(db, settings)
    try:
        sub = await scene.subscribe(hostile.url)
        assert (await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/test")).status_code == 202
        assert await worker.run_once() == 1
        log = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"][0]
        assert log["status"] == "succeeded"
        assert log["attempt_log"][0]["response_excerpt"] == "ok\ufffd\ufffdดด"  # (a cut character is dropped)
    finally:
        hostile.stop()
        await worker.close()
