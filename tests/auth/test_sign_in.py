"""Signing in under attack: throttled per client address and username, never a lock a stranger can set, the
same work for every answer, and a bounded number of password checks at once."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from app.auth import passwords
from app.auth.passwords import Passwords
from app.auth.service import SignIn
from app.auth.throttle import RECENT_SECONDS, Budget, LoginThrottle, client_key

API = "/api/v1"
PASSWORD = "correct horse battery"
WRONG = "guess guess guess"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app: Any) -> Clock:
    fake = Clock()
    app.state.login_throttle.clock = fake
    return fake


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its lowest cost, for tests that need many failed sign-ins (the throttle is under test)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", cheap.hash("dummy"))


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hash each argon2 check was made against, in order."""
    checked: list[str] = []
    real = passwords._argon2_verify

    def counting(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "_argon2_verify", counting)
    return checked


@contextlib.asynccontextmanager
async def from_address(app: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _user(client: httpx.AsyncClient, username: str = "somchai", **extra: Any) -> dict[str, Any]:
    body = {"username": username, "password": PASSWORD, "role": "provincial_officer", "scope_code": "84"}
    response = await client.post(f"{API}/users", json={**body, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def login(
    c: httpx.AsyncClient, password: str = PASSWORD, username: str = "somchai", lang: str | None = None
) -> httpx.Response:
    headers = {"Accept-Language": lang} if lang else {}
    return await c.post(
        f"{API}/auth/token", data={"username": username, "password": password}, headers=headers
    )


async def test_a_spent_budget_answers_429_with_retry_after_that_doubles(
    app: Any, client: httpx.AsyncClient, clock: Clock, cheap_argon2: None
) -> None:
    await _user(client)
    async with from_address(app, "192.0.2.10") as guesser, from_address(app, "198.51.100.7") as owner:
        for _ in range(5):
            assert (await login(guesser, WRONG)).status_code == 401
        # Spent: refused even with the right password (else the throttle would tell a right guess).
        refused = await login(guesser, lang="th")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["Retry-After"] == "30"
        problem = refused.json()
        assert problem["status"] == 429 and problem["title"] == "ส่งคำขอถี่เกินไป"
        assert "กรุณารอ 30 วินาที" in problem["detail"]
        assert "Wait 30 seconds" in (await login(guesser)).json()["detail"]
        # The account is not locked: its owner, elsewhere, gets in.
        assert (await login(owner)).status_code == 200

        clock.now += 30
        assert (await login(guesser, WRONG)).status_code == 401
        again = await login(guesser)
        assert again.status_code == 429 and again.headers["Retry-After"] == "60"
        clock.now += 60
        assert (await login(guesser)).status_code == 200


async def test_a_flood_from_other_addresses_never_keeps_the_owner_out(
    app: Any, client: httpx.AsyncClient, clock: Clock, cheap_argon2: None
) -> None:
    await _user(client)
    throttle: LoginThrottle = app.state.login_throttle
    account_budget = throttle.per_user.budget.failures
    flooders = iter(range(1, 250))

    async def flood(addresses: int) -> None:
        """Five wrong passwords from each of `addresses` new addresses."""
        for _ in range(addresses):
            async with from_address(app, f"203.0.113.{next(flooders)}") as c:
                for _ in range(5):
                    assert (await login(c, WRONG)).status_code in (401, 429)

    def under_attack() -> bool:
        tally = throttle.per_user.get("somchai", clock())
        return tally is not None and tally.level >= account_budget

    await flood(12)  # more failures than the account's budget of 50 from all addresses
    assert under_attack()
    async with from_address(app, "198.51.100.7") as owner:
        assert (await login(owner)).status_code == 200
        # A typo of the owner's own while the flood goes on holds the owner back, but only briefly.
        assert (await login(owner, WRONG)).status_code == 401
        held = await login(owner)
        assert held.status_code == 429 and 0 < int(held.headers["Retry-After"]) <= RECENT_SECONDS
        for _ in range(6):  # the flood goes on, faster than the account's tally forgets
            clock.now += RECENT_SECONDS / 6
            await flood(10)
        assert under_attack()
        assert (await login(owner)).status_code == 200


async def test_one_address_spraying_many_usernames_is_throttled(
    app: Any, client: httpx.AsyncClient, cheap_argon2: None
) -> None:
    await _user(client)
    budget = app.state.login_throttle.per_address.budget.failures
    async with from_address(app, "192.0.2.40") as sprayer, from_address(app, "192.0.2.41") as other:
        for i in range(budget):
            assert (await login(sprayer, WRONG, username=f"user{i}")).status_code == 401
        assert (await login(sprayer)).status_code == 429
        assert (await login(other)).status_code == 200


async def test_every_answer_costs_one_argon2_check(
    app: Any, client: httpx.AsyncClient, argon2_checks: list[str]
) -> None:
    await _user(client)
    disabled = await _user(client, "disabled.user")
    assert (await client.patch(f"{API}/users/{disabled['id']}", json={"disabled": True})).status_code == 200
    seen: dict[str, tuple[int, list[str]]] = {}
    async with from_address(app, "192.0.2.50") as c:

        async def answer(case: str, **kwargs: Any) -> None:
            before = len(argon2_checks)
            response = await login(c, **kwargs)
            seen[case] = (response.status_code, argon2_checks[before:])

        await answer("right", password=PASSWORD)
        await answer("known user, wrong password", password=WRONG)
        await answer("unknown user", password=WRONG, username="nobody")
        await answer("disabled user", password=PASSWORD, username="disabled.user")
        for _ in range(4):  # with the one above, the 5 failures the account may have from one address
            await login(c, WRONG)
        await answer("throttled", password=PASSWORD)
    dummy = passwords._DUMMY_HASH
    assert {case: status for case, (status, _) in seen.items()} == {
        "right": 200,
        "known user, wrong password": 401,
        "unknown user": 401,
        "disabled user": 401,
        "throttled": 429,
    }
    assert all(len(checks) == 1 for _, checks in seen.values()), seen
    assert seen["unknown user"][1] == [dummy] and seen["throttled"][1] == [dummy]
    assert seen["known user, wrong password"][1] != [dummy]


@pytest.fixture
def held_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """argon2 checks that wait until the event is set."""
    release = threading.Event()
    real = passwords._argon2_verify

    def held(password_hash: str, password: str) -> bool:
        release.wait(10)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "_argon2_verify", held)
    yield release
    release.set()


async def test_password_checks_are_bounded_and_the_overflow_refused_at_once(
    app: Any, client: httpx.AsyncClient, held_checks: threading.Event
) -> None:
    await _user(client)
    hasher = Passwords(slots=1, queue=1)
    app.state.sign_in = SignIn(app.state.db, hasher, app.state.login_throttle)
    try:
        async with (
            from_address(app, "192.0.2.60") as a,
            from_address(app, "192.0.2.61") as b,
        ):
            running = asyncio.create_task(login(a, WRONG))
            waiting = asyncio.create_task(login(a, WRONG))
            for _ in range(500):
                if hasher._admitted == 2:
                    break
                await asyncio.sleep(0.01)
            # Answered while both checks are still held: neither waited for a check of its own.
            third = await asyncio.wait_for(login(a, lang="th"), 5)
            assert third.status_code == 429 and third.headers["Retry-After"] == "1"
            assert "พร้อมกันมากเกินไป" in third.json()["detail"]
            busy = await asyncio.wait_for(login(b), 5)
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
            assert busy.headers["content-type"] == "application/problem+json"
            assert not running.done() and not waiting.done()
            held_checks.set()
            assert [(await running).status_code, (await waiting).status_code] == [401, 401]
            assert (await login(b)).status_code == 200
    finally:
        hasher.close()


def test_clients_are_counted_by_address_and_ipv6_by_its_64() -> None:
    assert client_key("192.0.2.1") == "192.0.2.1"
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("2001:db8:1:2:3:4:5:6") == client_key("2001:db8:1:2::ffff") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key(None) == "?"


def test_failures_are_forgotten_and_the_tallies_stay_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(
        per_address=Budget(3, 10.0, 5.0, 40.0),
        per_user_address=Budget(100, 10.0, 5.0, 40.0),
        per_user=Budget(100, 1.0),
        recent=60.0,
        in_flight_per_address=2,
        size=50,
        clock=clock,
    )
    for _ in range(3):
        throttle.failed("a", "u")
    assert throttle.wait("a", "u") == 5.0
    clock.now += 5
    assert throttle.wait("a", "u") == 0.0
    throttle.failed("a", "u")  # the fourth: the wait doubles
    assert throttle.wait("a", "u") == 10.0
    clock.now += 100  # every failure forgotten: back to the full budget
    throttle.failed("a", "u")
    assert throttle.wait("a", "u") == 0.0
    for i in range(1_000):
        throttle.failed(f"addr{i}", f"user{i}")
    assert len(throttle.per_address) <= 50 and len(throttle.per_user) <= 50
