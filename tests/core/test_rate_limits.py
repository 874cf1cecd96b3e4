"""Rate limits per caller and per client address (off unless enabled), with RateLimit / RateLimit-Policy
headers and 429 problems; and CORS for the configured browser origins only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.helpers import make_key

API = "/api/v1"
PROVINCES = f"{API}/provinces"
# draft-ietf-httpapi-ratelimit-headers-10: Lists of Items with parameters (structured fields).
POLICY_ITEM = re.compile(r'"([a-z-]+)";q=(\d+);w=(\d+)')
USAGE_ITEM = re.compile(r'"([a-z-]+)";r=(\d+);t=(\d+)')


def items(pattern: re.Pattern[str], value: str) -> dict[str, tuple[int, int]]:
    parts = [part.strip() for part in value.split(",")]
    found = {}
    for part in parts:
        match = pattern.fullmatch(part)
        assert match, f"not a structured-field item: {part!r} in {value!r}"
        found[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return found


Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def limited(db: Database, settings: Settings) -> AsyncIterator[Client]:
    """Clients of an app with rate limits: 3 a minute per caller, 5 a minute per address (bursts wide)."""
    app = create_app(
        settings.model_copy(
            update={
                "rate_limit_enabled": True,
                "rate_limit_per_minute": 3,
                "rate_limit_burst": 100,
                "rate_limit_address_per_minute": 5,
                "rate_limit_address_burst": 100,
            }
        ),
        db,
    )
    opened: list[httpx.AsyncClient] = []

    def client(key: str | None = None, address: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        opened.append(httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers))
        return opened[-1]

    yield client
    for c in opened:
        await c.aclose()


async def test_a_caller_past_its_budget_gets_429_with_retry_after_in_thai(
    limited: Client, admin_key: str
) -> None:
    caller = limited(admin_key)
    for remaining in (2, 1, 0):
        ok = await caller.get(PROVINCES)
        assert ok.status_code == 200
        usage = items(USAGE_ITEM, ok.headers["ratelimit"])
        assert usage["caller"][0] == remaining and 0 < usage["caller"][1] <= 60
    refused = await caller.get(PROVINCES, headers={"Accept-Language": "th"})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    body = refused.json()
    assert body["status"] == 429 and body["type"] == "/problems/too-many-requests"
    assert body["title"] == "ส่งคำขอถี่เกินไป"
    assert "โปรดลองใหม่ในอีก" in body["detail"] and str(retry_after) in body["detail"]
    assert body["request_id"] == refused.headers["x-request-id"]
    usage = items(USAGE_ITEM, refused.headers["ratelimit"])
    assert usage["caller"][0] == 0 and usage["caller"][1] <= retry_after
    english = await caller.get(PROVINCES)
    assert english.status_code == 429 and "retry in" in english.json()["detail"]


async def test_callers_and_addresses_have_budgets_of_their_own(
    limited: Client, db: Database, admin_key: str
) -> None:
    other_key = await make_key(db, Role.provincial_officer, "84", "other caller")
    first, second = limited(admin_key), limited(other_key)
    for _ in range(3):
        assert (await first.get(PROVINCES)).status_code == 200
    assert (await first.get(PROVINCES)).status_code == 429
    # Another key from the same address still has its own three (the address allows five in all).
    assert (await second.get(PROVINCES)).status_code == 200
    # The address's budget is spent by then (4 + 1 counted, one of them refused): anyone from there waits,
    # while the same key from another address is refused only for its own spent budget.
    anonymous = await limited().get(PROVINCES)
    assert anonymous.status_code == 429
    assert "address" in items(USAGE_ITEM, anonymous.headers["ratelimit"])
    assert (await limited(address="10.1.2.3").get(PROVINCES)).status_code == 401
    assert (await limited(other_key, address="10.1.2.4").get(PROVINCES)).status_code == 200


async def test_headers_describe_the_policies(limited: Client, admin_key: str) -> None:
    caller = await limited(admin_key).get(PROVINCES)
    assert caller.status_code == 200
    assert items(POLICY_ITEM, caller.headers["ratelimit-policy"]) == {
        "caller": (3, 60),
        "caller-burst": (100, 1),
        "address": (5, 60),
        "address-burst": (100, 1),
    }
    assert set(items(USAGE_ITEM, caller.headers["ratelimit"])) == {
        "caller",
        "caller-burst",
        "address",
        "address-burst",
    }
    # Without a (valid) key only the address counts: the route answers its 401 as usual.
    anonymous = await limited(address="10.9.9.9").get(PROVINCES, headers={"Authorization": "Bearer nope"})
    assert anonymous.status_code == 401
    assert items(POLICY_ITEM, anonymous.headers["ratelimit-policy"]) == {
        "address": (5, 60),
        "address-burst": (100, 1),
    }
    assert items(USAGE_ITEM, anonymous.headers["ratelimit"])["address"][0] == 4


async def test_a_burst_is_limited_within_the_minute(db: Database, settings: Settings, admin_key: str) -> None:
    app = create_app(
        settings.model_copy(
            update={"rate_limit_enabled": True, "rate_limit_per_minute": 100, "rate_limit_burst": 2}
        ),
        db,
    )
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
        answers = [await client.get(PROVINCES) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].headers["retry-after"] == "1"
    assert "caller-burst" in answers[-1].json()["detail"]


async def test_health_readiness_and_metrics_are_not_counted(limited: Client) -> None:
    probe = limited(address="10.5.5.5")
    for _ in range(8):
        for path in ("/healthz", "/readyz", "/metrics"):
            response = await probe.get(path)
            assert response.status_code == 200
            assert "ratelimit" not in response.headers
    assert (await probe.get(PROVINCES)).headers["ratelimit"].startswith('"address";r=4;')


async def test_limits_are_off_by_default(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        response = await client.get(PROVINCES)
        assert response.status_code == 200
        assert "ratelimit" not in response.headers and "ratelimit-policy" not in response.headers
    assert Settings().rate_limit_enabled is False


# CORS


@pytest.fixture
async def browser_app(db: Database, settings: Settings) -> Any:
    return create_app(
        settings.model_copy(
            update={"cors_allowed_origins": "https://plan.example.go.th, https://other.example.go.th"}
        ),
        db,
    )


def preflight(origin: str, method: str = "PATCH", headers: str = "authorization,if-match") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_a_configured_origin_may_call_and_read_the_headers(browser_app: Any, admin_key: str) -> None:
    transport = httpx.ASGITransport(app=browser_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        allowed = await client.options(
            f"{API}/villages/84010101", headers=preflight("https://plan.example.go.th")
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://plan.example.go.th"
        assert "PATCH" in allowed.headers["access-control-allow-methods"]
        allowed_headers = allowed.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed_headers and "if-match" in allowed_headers
        answer = await client.get(
            f"{API}/villages/84010199",
            headers={"Origin": "https://other.example.go.th", "Authorization": f"Bearer {admin_key}"},
        )
        assert answer.status_code == 404
        assert answer.headers["access-control-allow-origin"] == "https://other.example.go.th"
        exposed = {h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")}
        assert exposed >= {
            "etag",
            "location",
            "x-request-id",
            "ratelimit",
            "ratelimit-policy",
            "retry-after",
            "idempotent-replayed",
        }


async def test_another_origin_is_refused(browser_app: Any, admin_key: str) -> None:
    transport = httpx.ASGITransport(app=browser_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        refused = await client.options(
            f"{API}/villages/84010101", headers={**preflight("https://evil.example"), "Accept-Language": "th"}
        )
        assert refused.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"
        assert "access-control-allow-origin" not in refused.headers
        body = refused.json()
        assert "origin" in body["detail"] and body["title"] == "คำขอไม่ถูกต้อง"
        assert body["request_id"] == refused.headers["x-request-id"]
        answer = await client.get(
            f"{API}/provinces",
            headers={"Origin": "https://evil.example", "Authorization": f"Bearer {admin_key}"},
        )
        assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers


async def test_no_cors_headers_unless_configured(client: httpx.AsyncClient) -> None:
    answer = await client.get(PROVINCES, headers={"Origin": "https://plan.example.go.th"})
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers
    probe = await client.options(PROVINCES, headers=preflight("https://plan.example.go.th", "GET"))
    assert "access-control-allow-origin" not in probe.headers
