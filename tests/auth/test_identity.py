"""Users, logging in, tokens and API keys as their owners and attackers would meet them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import jwt
import pytest

from app.auth.service import Authenticator
from app.core.actor import Role
from app.core.secrets import app_secret
from tests.helpers import count_rows, make_key

API = "/api/v1"
PASSWORD = "correct horse battery"


async def _user(client: httpx.AsyncClient, username: str = "somchai", **overrides: Any) -> dict[str, Any]:
    body = {
        "username": username,
        "password": PASSWORD,
        "role": "provincial_officer",
        "scope_code": "84",
        **overrides,
    }
    response = await client.post(f"{API}/users", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _login(
    anon: httpx.AsyncClient, username: str = "somchai", password: str = PASSWORD
) -> httpx.Response:
    return await anon.post(f"{API}/auth/token", data={"username": username, "password": password})


def _assert_401(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_user_logs_in_and_acts_with_its_role(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    user = await _user(client)
    assert "password" not in user and "password_hash" not in user
    login = await _login(anon)
    assert login.status_code == 200
    body = login.json()
    assert body["token_type"] == "bearer" and 0 < body["expires_in"] <= 3600
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await anon.get(f"{API}/provinces/84", headers=headers)).status_code == 200
    # A provincial officer is not an admin.
    assert (await anon.get(f"{API}/users", headers=headers)).status_code == 403


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    await _user(client)
    wrong = await _login(anon, password="not the password")
    unknown = await _login(anon, username="nobody")
    _assert_401(wrong)
    _assert_401(unknown)
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_repeated_wrong_passwords_throttle_the_guesser_not_the_account(
    app: Any, client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    user = await _user(client)
    for _ in range(5):
        _assert_401(await _login(anon, password="guess guess guess"))
    # From the guessing address even the right password waits now (429, Retry-After) ...
    throttled = await _login(anon)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    # ... but the account is not locked: from elsewhere its owner gets in, and no lock is recorded.
    transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 50_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as elsewhere:
        assert (await _login(elsewhere)).status_code == 200
    assert (await client.get(f"{API}/users/{user['id']}")).json()["locked_until"] is None


async def _change(client: httpx.AsyncClient, user_id: int, **changes: Any) -> None:
    etag = (await client.get(f"{API}/users/{user_id}")).headers["ETag"]
    response = await client.patch(f"{API}/users/{user_id}", json=changes, headers={"If-Match": etag})
    assert response.status_code == 200, response.text


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_password_change_ends_the_tokens_issued_before_it(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    user = await _user(client)
    before = (await _login(anon)).json()["access_token"]
    assert (await anon.get(f"{API}/villages", headers=_bearer(before))).status_code == 200
    await _change(client, user["id"], password="a new long password")
    _assert_401(await anon.get(f"{API}/villages", headers=_bearer(before)))
    # A token issued right after the change (within the same second) works.
    after = (await _login(anon, password="a new long password")).json()["access_token"]
    assert (await anon.get(f"{API}/villages", headers=_bearer(after))).status_code == 200
    _assert_401(await anon.get(f"{API}/villages", headers=_bearer(before)))


async def test_disabling_ends_the_tokens_issued_before_it_even_once_enabled_again(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    user = await _user(client)
    before = (await _login(anon)).json()["access_token"]
    await _change(client, user["id"], disabled=True)
    _assert_401(await anon.get(f"{API}/villages", headers=_bearer(before)))
    await _change(client, user["id"], disabled=False)
    _assert_401(await anon.get(f"{API}/villages", headers=_bearer(before)))
    after = (await _login(anon)).json()["access_token"]
    assert (await anon.get(f"{API}/villages", headers=_bearer(after))).status_code == 200


async def test_another_process_takes_a_newer_token_at_once_and_drops_older_ones(
    app: Any, db: Any, client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    # Another API process, whose credential cache holds a verified user for a minute.
    other = Authenticator(db, 60.0, lambda: app_secret(app))
    user = await _user(client)
    before = (await _login(anon)).json()["access_token"]
    assert await other.authenticate(before) is not None
    await _change(client, user["id"], password="a new long password")
    after = (await _login(anon, password="a new long password")).json()["access_token"]
    # The new token is newer than what that process cached: it asks the database instead of refusing ...
    assert await other.authenticate(after) is not None
    # ... and from then on refuses the older token without waiting for its cache to expire.
    assert await other.authenticate(before) is None


async def test_disabled_user_cannot_log_in_and_its_token_stops_working(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    user = await _user(client)
    token = (await _login(anon)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await anon.get(f"{API}/villages", headers=headers)).status_code == 200
    assert (await client.patch(f"{API}/users/{user['id']}", json={"disabled": True})).status_code == 200
    _assert_401(await anon.get(f"{API}/villages", headers=headers))
    _assert_401(await _login(anon))


async def test_forged_expired_and_malformed_tokens_are_401(
    app: Any, anon: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    user = await _user(client)
    secret = await app_secret(app)
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": f"user:{user['id']}", "iss": "community-plans-api", "iat": now, "typ": "access"}
    tokens = [
        jwt.encode(
            {**claims, "exp": now + dt.timedelta(minutes=5)}, b"another secret entirely, 32 bytes+", "HS256"
        ),
        jwt.encode({**claims, "exp": now - dt.timedelta(seconds=1)}, secret, "HS256"),
        jwt.encode({**claims, "exp": now + dt.timedelta(minutes=5)}, None, "none"),
        jwt.encode({**claims, "sub": "user:999999", "exp": now + dt.timedelta(minutes=5)}, secret, "HS256"),
        "not-a-token",
        "cpk_" + "A" * 43,
        "",
    ]
    details = set()
    for token in tokens:
        response = await anon.get(f"{API}/villages", headers={"Authorization": f"Bearer {token}"})
        _assert_401(response)
        details.add(response.json()["detail"])
    # No hint of which part was wrong.
    assert len(details) == 1
    _assert_401(await anon.get(f"{API}/villages", headers={"Authorization": "Basic dXNlcjpwYXNz"}))


async def test_api_keys_are_listed_without_secrets_and_revoked_at_once(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    created = await client.post(
        f"{API}/api-keys", json={"name": "อบต. ระบบแผน", "role": "lgo_planner", "scope_code": "6840101"}
    )
    assert created.status_code == 422  # that local government does not exist yet
    await client.post(
        f"{API}/local-governments",
        json={
            "code": "6840101",
            "name_th": "อบต.ตลาด",
            "kind": "subdistrict_administration",
            "province_code": "84",
            "subdistrict_codes": ["840101"],
        },
    )
    created = await client.post(
        f"{API}/api-keys", json={"name": "อบต. ระบบแผน", "role": "lgo_planner", "scope_code": "6840101"}
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("cpk_") and created.json()["prefix"] == key[:12]
    headers = {"Authorization": f"Bearer {key}"}
    assert (await anon.get(f"{API}/local-governments/6840101", headers=headers)).status_code == 200

    listed = (await client.get(f"{API}/api-keys", params={"limit": 500})).json()["items"]
    mine = [k for k in listed if k["id"] == created.json()["id"]]
    assert mine and "key" not in mine[0] and "key_hash" not in mine[0]
    assert mine[0]["last_used_at"] is not None
    assert all(key not in str(k) for k in listed)

    assert (await client.delete(f"{API}/api-keys/{created.json()['id']}")).status_code == 204
    _assert_401(await anon.get(f"{API}/local-governments/6840101", headers=headers))
    assert (await client.delete(f"{API}/api-keys/999999")).status_code == 404


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("district_officer", "9999"),  # no such district
        ("district_officer", "84"),  # a province, not a district
        ("village_committee", "84010199"),  # no such village
        ("lgo_planner", "6849999"),
        ("provincial_officer", "99"),
        ("provincial_officer", None),  # the role needs a scope
        ("admin", "84"),  # admin takes none
    ],
)
async def test_scope_codes_must_exist_and_fit_the_role(
    client: httpx.AsyncClient, db: Any, role: str, scope: str | None
) -> None:
    before = await count_rows(db, "api_key")
    for path, extra in (
        ("/api-keys", {"name": "k"}),
        ("/users", {"username": "user1", "password": PASSWORD}),
    ):
        response = await client.post(f"{API}{path}", json={"role": role, "scope_code": scope, **extra})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "scope_code"
    assert await count_rows(db, "api_key") == before
    assert await count_rows(db, "user_account") == 0


async def test_duplicate_username_is_409_and_weak_password_422(client: httpx.AsyncClient) -> None:
    await _user(client)
    again = await client.post(
        f"{API}/users", json={"username": "somchai", "password": PASSWORD, "role": "admin"}
    )
    assert again.status_code == 409
    weak = await client.post(f"{API}/users", json={"username": "other", "password": "short", "role": "admin"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"


async def test_a_scoped_key_made_from_the_command_line_works(db: Any, anon: httpx.AsyncClient) -> None:
    key = await make_key(db, Role.provincial_officer, "84")
    response = await anon.get(
        f"{API}/districts", params={"province_code": "84"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
