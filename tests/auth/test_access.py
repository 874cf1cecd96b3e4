"""Access: every route declares a rule, and every role sees and changes only what its scope covers,
whether it calls with an API key or a user token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.auth.access import rule_of
from app.core.actor import Role
from app.core.routing import iter_api_routes
from tests.helpers import make_key

API = "/api/v1"

# In scope: Surat Thani (84) / Mueang (8401) / Talat (840101); out of scope: Chiang Mai (50).
IN = {"province": "84", "district": "8401", "lgo": "6840101", "village": "84010101"}
OUT = {"province": "50", "district": "5001", "lgo": "6500101", "village": "50010101"}
SCOPES: dict[Role, str | None] = {
    Role.admin: None,
    Role.village_committee: IN["village"],
    Role.district_officer: IN["district"],
    Role.lgo_planner: IN["lgo"],
    Role.provincial_officer: IN["province"],
}


def test_every_api_route_declares_an_access_rule(app: Any) -> None:
    def rules(dependant: Any) -> list[Any]:
        found = [rule_of(dependant.call)] if dependant.call else []
        for sub in dependant.dependencies:
            found += rules(sub)
        return [r for r in found if r is not None]

    api_routes = [route for route in iter_api_routes(app.routes) if route.path.startswith(API)]
    assert len(api_routes) > 20
    missing = [f"{sorted(route.methods)} {route.path}" for route in api_routes if not rules(route.dependant)]
    assert missing == []


async def _seed(client: httpx.AsyncClient) -> None:
    for area, sub in ((IN, "840101"), (OUT, "500101")):
        lgo = {
            "code": area["lgo"],
            "name_th": "อบต.ทดสอบ",
            "kind": "subdistrict_administration",
            "province_code": area["province"],
            "subdistrict_codes": [sub],
        }
        assert (await client.post(f"{API}/local-governments", json=lgo)).status_code == 201
        village = {
            "code": area["village"],
            "name_th": "บ้านทดสอบ",
            "households": 10,
            "local_government_code": area["lgo"],
        }
        assert (await client.post(f"{API}/villages", json=village)).status_code == 201


async def _caller(app: Any, client: httpx.AsyncClient, db: Any, role: Role, kind: str) -> httpx.AsyncClient:
    scope = SCOPES[role]
    if kind == "key":
        credential = await make_key(db, role, scope, f"matrix {role}")
    else:
        user = {
            "username": f"u-{role.value}",
            "password": "correct horse battery",
            "role": role.value,
            "scope_code": scope,
        }
        assert (await client.post(f"{API}/users", json=user)).status_code == 201
        login = await client.post(
            f"{API}/auth/token", data={"username": user["username"], "password": user["password"]}
        )
        assert login.status_code == 200, login.text
        credential = login.json()["access_token"]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {credential}"},
    )


def _expect(role: Role, allowed: set[Role], in_scope: bool, *, ok: int) -> int:
    """What a caller should get: `ok` when its role may act and the resource is in its scope;
    403 when its role may never act; 404 when the role may act but the resource is outside its scope."""
    if role not in allowed:
        return 403
    if in_scope or role is Role.admin:
        return ok
    return 404


VILLAGE_WRITERS = {Role.admin, Role.provincial_officer, Role.district_officer}
VILLAGE_EDITORS = VILLAGE_WRITERS | {Role.village_committee}
LGO_WRITERS = {Role.admin, Role.provincial_officer}
LGO_EDITORS = LGO_WRITERS | {Role.lgo_planner}


@pytest.mark.parametrize("kind", ["key", "token"])
@pytest.mark.parametrize("role", list(Role))
async def test_role_scope_matrix(app: Any, client: httpx.AsyncClient, db: Any, role: Role, kind: str) -> None:
    await _seed(client)
    async with await _caller(app, client, db, role, kind) as caller:
        # Lists never show anything outside the scope.
        villages = [
            v["code"] for v in (await caller.get(f"{API}/villages", params={"limit": 500})).json()["items"]
        ]
        lgos = [
            g["code"]
            for g in (await caller.get(f"{API}/local-governments", params={"limit": 500})).json()["items"]
        ]
        assert sorted(villages) == (
            sorted([IN["village"], OUT["village"]]) if role is Role.admin else [IN["village"]]
        )
        assert sorted(lgos) == (sorted([IN["lgo"], OUT["lgo"]]) if role is Role.admin else [IN["lgo"]])

        # Reads: in scope 200, outside 404 (admin sees all).
        for area, in_scope in ((IN, True), (OUT, False)):
            expected = 200 if in_scope or role is Role.admin else 404
            assert (await caller.get(f"{API}/villages/{area['village']}")).status_code == expected
            assert (await caller.get(f"{API}/local-governments/{area['lgo']}")).status_code == expected

        # Writes on existing resources.
        for area, in_scope in ((OUT, False), (IN, True)):
            patched = await caller.patch(f"{API}/villages/{area['village']}", json={"households": 11})
            assert patched.status_code == _expect(role, VILLAGE_EDITORS, in_scope, ok=200), patched.text
            patched = await caller.patch(f"{API}/local-governments/{area['lgo']}", json={"name_en": "Test"})
            assert patched.status_code == _expect(role, LGO_EDITORS, in_scope, ok=200), patched.text

        # Creating: outside the scope is 403 (there is nothing to hide yet).
        for area, in_scope in ((IN, True), (OUT, False)):
            body = {"code": area["village"][:6] + "02", "name_th": "บ้านใหม่"}
            created = await caller.post(f"{API}/villages", json=body)
            expected = 201 if role in VILLAGE_WRITERS and (in_scope or role is Role.admin) else 403
            assert created.status_code == expected, created.text

        # Administration is the admin's alone.
        for path in ("/users", "/api-keys"):
            assert (await caller.get(f"{API}{path}")).status_code == (200 if role is Role.admin else 403)
        new_key = await caller.post(f"{API}/api-keys", json={"name": "x", "role": "admin"})
        assert new_key.status_code == (201 if role is Role.admin else 403)

    # Nothing a refused write tried is visible afterwards.
    seen = (await client.get(f"{API}/villages/{OUT['village']}")).json()
    assert seen["households"] == (11 if role is Role.admin else 10)


async def test_geography_is_open_to_every_role(app: Any, client: httpx.AsyncClient, db: Any) -> None:
    for role in Role:
        await _seed(client) if role is Role.admin else None
        async with await _caller(app, client, db, role, "key") as caller:
            response = await caller.get(f"{API}/provinces/50")
            assert response.status_code == 200
