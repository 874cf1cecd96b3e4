"""What a subscriber can make the service do. Webhooks go only to globally routable addresses (with any
IPv4 address an IPv6 one wraps) or inside WEBHOOK_ALLOWED_NETWORKS, checked when subscribing and again when
delivering, and refused without saying what a name resolved to. A receiver's answer costs a delivery
little memory and bounded time, whatever it sends (real misbehaving receivers on loopback)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.auth.models import Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.webhooks.targets import parse_networks, permitted
from app.webhooks.worker import DeliveryWorker
from tests.conftest import count_rows, make_key
from tests.receiver import Receiver
from tests.test_webhooks import API, LGO, Scene, _client


@pytest.fixture
async def scene(
    app: Any, db: Database, client: httpx.AsyncClient, settings: Settings
) -> AsyncIterator[Scene]:
    s = await Scene(app, db, client, settings).build()
    yield s
    await s.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


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
