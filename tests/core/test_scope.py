"""One access scope: a generated matrix of role × resource inside / outside the caller's area × resource
family × read / list / write, checked against the answers recorded before the scope rule was gathered into
one place (`SCOPE_MATRIX` below). No caller other than an admin ever succeeds outside its area, and the
404 (hidden) / 403 (refused) split is the one the API gave before.

To re-record after an intended change: `SCOPE_MATRIX_RECORD=1 pytest tests/core/test_scope.py` prints the
table.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest

from app.core.actor import Actor, Role
from app.core.scope import Level, Scope
from tests.conftest import make_key

API = "/api/v1"

IN = {"province": "84", "district": "8401", "subdistrict": "840101", "lgo": "6840101", "village": "84010101"}
OUT = {"province": "50", "district": "5001", "subdistrict": "500101", "lgo": "6500101", "village": "50010101"}
SCOPES: dict[Role, str | None] = {
    Role.admin: None,
    Role.village_committee: IN["village"],
    Role.district_officer: IN["district"],
    Role.lgo_planner: IN["lgo"],
    Role.provincial_officer: IN["province"],
}
YEAR = 2569
ACTIVITY = {
    "title": "ถนน",
    "working_group": "development_planning",
    "kind": "self_reliance",
    "budget": "1000.00",
}


async def _seed(app: Any, client: httpx.AsyncClient, db: Any) -> dict[str, dict[str, Any]]:
    """Both areas get a local government, a village, a plan with an activity and a webhook subscription."""
    made: dict[str, dict[str, Any]] = {}
    for side, area in (("in", IN), ("out", OUT)):
        lgo = {
            "code": area["lgo"],
            "name_th": "อบต.ทดสอบ",
            "kind": "subdistrict_administration",
            "province_code": area["province"],
            "subdistrict_codes": [area["subdistrict"]],
        }
        assert (await client.post(f"{API}/local-governments", json=lgo)).status_code == 201
        village = {
            "code": area["village"],
            "name_th": "บ้านทดสอบ",
            "households": 10,
            "local_government_code": area["lgo"],
        }
        assert (await client.post(f"{API}/villages", json=village)).status_code == 201
        plan = await client.post(f"{API}/plans", json={"village_code": area["village"], "year": YEAR})
        assert plan.status_code == 201, plan.text
        activity = await client.post(
            f"{API}/plans/{plan.json()['id']}/activities",
            json=ACTIVITY,
        )
        assert activity.status_code == 201, activity.text
        sub = await client.post(
            f"{API}/webhook-subscriptions",
            json={"url": "http://127.0.0.1:9/hook", "local_government_code": area["lgo"]},
        )
        assert sub.status_code == 201, sub.text
        made[side] = {
            **area,
            "plan": plan.json()["id"],
            "activity": activity.json()["id"],
            "sub": sub.json()["id"],
        }
    # One event in each area (a plan submitted), so the feed has something to show or hide.
    for side in ("in", "out"):
        async with await _caller(app, db, Role.village_committee, made[side]["village"]) as committee:
            # A plan of its own, so the matrix's plan stays editable.
            plan = await client.post(
                f"{API}/plans", json={"village_code": made[side]["village"], "year": YEAR + 2}
            )
            await client.post(f"{API}/plans/{plan.json()['id']}/activities", json=ACTIVITY)
            url = f"{API}/plans/{plan.json()['id']}/transitions"
            submitted = await committee.post(url, json={"action": "submit"})
        assert submitted.status_code == 200, submitted.text
    return made


async def _caller(app: Any, db: Any, role: Role, scope: str | None = None) -> httpx.AsyncClient:
    credential = await make_key(db, role, scope or SCOPES[role], f"scope {role}")
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {credential}"},
    )


def _ids(response: httpx.Response, key: str = "id") -> list[Any]:
    if response.status_code != 200:
        return [f"status {response.status_code}"]
    return sorted(str(item[key]) for item in response.json()["items"])


async def _observe(caller: httpx.AsyncClient, made: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every cell of the matrix for one caller: status codes, and for lists which side's rows they show."""
    seen: dict[str, Any] = {}

    def side_of(values: list[Any], by: str) -> list[str]:
        sides = {str(made[s][by]): s for s in ("in", "out")}
        return sorted(sides.get(str(v), str(v)) for v in values)

    # Lists: which sides' rows appear.
    seen["villages.list"] = side_of(
        _ids(await caller.get(f"{API}/villages", params={"limit": 500}), "code"), "village"
    )
    seen["local_governments.list"] = side_of(
        _ids(await caller.get(f"{API}/local-governments", params={"limit": 500}), "code"), "lgo"
    )
    seen["plans.list"] = side_of(
        _ids(await caller.get(f"{API}/plans", params={"limit": 500}), "village_code"), "village"
    )
    seen["activities.list"] = side_of(
        _ids(await caller.get(f"{API}/activities", params={"limit": 500}), "village_code"), "village"
    )
    seen["webhooks.list"] = side_of(
        _ids(await caller.get(f"{API}/webhook-subscriptions", params={"limit": 500})), "sub"
    )
    feed = await caller.get(f"{API}/events", params={"limit": 500})
    seen["events.list"] = (
        sorted({"in" if made["in"]["village"] in json.dumps(e) else "out" for e in feed.json()["items"]})
        if feed.status_code == 200
        else feed.status_code
    )
    for side in ("in", "out"):
        m = made[side]
        # Reads.
        seen[f"villages.read.{side}"] = (await caller.get(f"{API}/villages/{m['village']}")).status_code
        seen[f"local_governments.read.{side}"] = (
            await caller.get(f"{API}/local-governments/{m['lgo']}")
        ).status_code
        seen[f"plans.read.{side}"] = (await caller.get(f"{API}/plans/{m['plan']}")).status_code
        seen[f"activities.read.{side}"] = (await caller.get(f"{API}/activities/{m['activity']}")).status_code
        seen[f"activities.list_of_plan.{side}"] = (
            await caller.get(f"{API}/plans/{m['plan']}/activities")
        ).status_code
        seen[f"adopted.list.{side}"] = (
            await caller.get(f"{API}/local-governments/{m['lgo']}/adopted-activities")
        ).status_code
        seen[f"webhooks.read.{side}"] = (
            await caller.get(f"{API}/webhook-subscriptions/{m['sub']}")
        ).status_code
        seen[f"reports.province.{side}"] = (
            await caller.get(f"{API}/reports/progress", params={"province_code": m["province"], "year": YEAR})
        ).status_code
        seen[f"reports.district.{side}"] = (
            await caller.get(f"{API}/reports/progress", params={"district_code": m["district"], "year": YEAR})
        ).status_code
    seen["reports.national"] = (
        await caller.get(f"{API}/reports/progress", params={"year": YEAR})
    ).status_code
    for side in ("out", "in"):
        m = made[side]
        # Writes on existing rows, then creating new ones.
        seen[f"villages.write.{side}"] = (
            await caller.patch(f"{API}/villages/{m['village']}", json={"households": 11})
        ).status_code
        seen[f"local_governments.write.{side}"] = (
            await caller.patch(f"{API}/local-governments/{m['lgo']}", json={"name_en": "Test"})
        ).status_code
        seen[f"plans.write.{side}"] = (
            await caller.patch(f"{API}/plans/{m['plan']}", json={"title": "แผนทดสอบ"})
        ).status_code
        seen[f"activities.write.{side}"] = (
            await caller.patch(f"{API}/activities/{m['activity']}", json={"title": "ถนนใหม่"})
        ).status_code
        seen[f"adopted.write.{side}"] = (
            await caller.put(
                f"{API}/activities/{m['activity']}/adoption",
                json={"local_government_code": m["lgo"], "fiscal_year": YEAR, "budget": "1000.00"},
            )
        ).status_code
        seen[f"webhooks.write.{side}"] = (
            await caller.patch(f"{API}/webhook-subscriptions/{m['sub']}", json={"description": "x"})
        ).status_code
        seen[f"webhooks.create.{side}"] = (
            await caller.post(
                f"{API}/webhook-subscriptions",
                json={"url": "http://127.0.0.1:9/other", "local_government_code": m["lgo"]},
            )
        ).status_code
        seen[f"villages.create.{side}"] = (
            await caller.post(f"{API}/villages", json={"code": m["subdistrict"] + "02", "name_th": "บ้านใหม่"})
        ).status_code
        seen[f"plans.create.{side}"] = (
            await caller.post(f"{API}/plans", json={"village_code": m["village"], "year": YEAR + 1})
        ).status_code
        seen[f"activities.create.{side}"] = (
            await caller.post(
                f"{API}/plans/{m['plan']}/activities",
                json={
                    "title": "ฝาย",
                    "working_group": "development_planning",
                    "kind": "self_reliance",
                    "budget": "5.00",
                },
            )
        ).status_code
        seen[f"local_governments.create.{side}"] = (
            await caller.post(
                f"{API}/local-governments",
                json={
                    "code": m["lgo"][:-1] + "9",
                    "name_th": "เทศบาลทดสอบ",
                    "kind": "subdistrict_municipality",
                    "province_code": m["province"],
                    "subdistrict_codes": [m["subdistrict"]],
                },
            )
        ).status_code
    return seen


@pytest.mark.parametrize("role", list(Role))
async def test_scope_matrix(app: Any, client: httpx.AsyncClient, db: Any, role: Role) -> None:
    made = await _seed(app, client, db)
    async with await _caller(app, db, role) as caller:
        seen = await _observe(caller, made)
    if os.environ.get("SCOPE_MATRIX_RECORD"):
        print(f"SCOPE_MATRIX {role.value} {json.dumps(seen, sort_keys=True)}")
        return
    # No caller but an admin reaches anything outside its area: lists show none of it, reads and writes fail.
    if role is not Role.admin:
        for cell, result in seen.items():
            if cell.endswith(".list") and isinstance(result, list):
                assert "out" not in result, cell
            if cell.endswith(".out") and isinstance(result, int):
                assert not 200 <= result < 300, (cell, result)
    assert seen == SCOPE_MATRIX[role.value]


def test_scope_of_each_role() -> None:
    def of(role: Role, code: str | None) -> Scope:
        return Scope.of(Actor("p", "n", role, code))

    assert of(Role.admin, "84") == Scope(Level.everything, None)
    assert of(Role.admin, None).everything and not of(Role.admin, None).nothing
    assert of(Role.village_committee, IN["village"]) == Scope(Level.village, IN["village"])
    assert of(Role.lgo_planner, None).nothing
    district = of(Role.district_officer, IN["district"])
    assert district.village_values({"district_code": IN["district"]})
    assert not district.village_values({"district_code": OUT["district"]})
    assert district.located_values(IN["village"], IN["district"], IN["province"], None)
    assert not of(Role.district_officer, None).located_values(
        IN["village"], IN["district"], IN["province"], None
    )
    planner = of(Role.lgo_planner, IN["lgo"])
    assert planner.located_bind() == ("local_government", IN["lgo"])
    assert planner.is_other_local_government(OUT["lgo"]) and not planner.is_other_local_government(IN["lgo"])
    assert (
        planner.sees_local_government(IN["lgo"]) is True and district.sees_local_government(IN["lgo"]) is None
    )
    assert not district.is_other_local_government(OUT["lgo"])
    assert of(Role.admin, None).is_own(OUT["province"]) and not district.is_own(OUT["district"])


# Recorded from the API before the scope rule was gathered into one place (see the module's docstring).
SCOPE_MATRIX: dict[str, dict[str, Any]] = {
    "admin": {
        "activities.create.in": 201,
        "activities.create.out": 201,
        "activities.list": ["in", "in", "out", "out"],
        "activities.list_of_plan.in": 200,
        "activities.list_of_plan.out": 200,
        "activities.read.in": 200,
        "activities.read.out": 200,
        "activities.write.in": 200,
        "activities.write.out": 200,
        "adopted.list.in": 200,
        "adopted.list.out": 200,
        "adopted.write.in": 409,
        "adopted.write.out": 409,
        "events.list": ["in", "out"],
        "local_governments.create.in": 201,
        "local_governments.create.out": 201,
        "local_governments.list": ["in", "out"],
        "local_governments.read.in": 200,
        "local_governments.read.out": 200,
        "local_governments.write.in": 200,
        "local_governments.write.out": 200,
        "plans.create.in": 201,
        "plans.create.out": 201,
        "plans.list": ["in", "in", "out", "out"],
        "plans.read.in": 200,
        "plans.read.out": 200,
        "plans.write.in": 200,
        "plans.write.out": 200,
        "reports.district.in": 200,
        "reports.district.out": 200,
        "reports.national": 200,
        "reports.province.in": 200,
        "reports.province.out": 200,
        "villages.create.in": 201,
        "villages.create.out": 201,
        "villages.list": ["in", "out"],
        "villages.read.in": 200,
        "villages.read.out": 200,
        "villages.write.in": 200,
        "villages.write.out": 200,
        "webhooks.create.in": 201,
        "webhooks.create.out": 201,
        "webhooks.list": ["in", "out"],
        "webhooks.read.in": 200,
        "webhooks.read.out": 200,
        "webhooks.write.in": 200,
        "webhooks.write.out": 200,
    },
    "village_committee": {
        "activities.create.in": 201,
        "activities.create.out": 404,
        "activities.list": ["in", "in"],
        "activities.list_of_plan.in": 200,
        "activities.list_of_plan.out": 404,
        "activities.read.in": 200,
        "activities.read.out": 404,
        "activities.write.in": 200,
        "activities.write.out": 404,
        "adopted.list.in": 200,
        "adopted.list.out": 404,
        "adopted.write.in": 403,
        "adopted.write.out": 403,
        "events.list": ["in"],
        "local_governments.create.in": 403,
        "local_governments.create.out": 403,
        "local_governments.list": ["in"],
        "local_governments.read.in": 200,
        "local_governments.read.out": 404,
        "local_governments.write.in": 403,
        "local_governments.write.out": 403,
        "plans.create.in": 201,
        "plans.create.out": 403,
        "plans.list": ["in", "in"],
        "plans.read.in": 200,
        "plans.read.out": 404,
        "plans.write.in": 200,
        "plans.write.out": 404,
        "reports.district.in": 403,
        "reports.district.out": 403,
        "reports.national": 403,
        "reports.province.in": 403,
        "reports.province.out": 403,
        "villages.create.in": 403,
        "villages.create.out": 403,
        "villages.list": ["in"],
        "villages.read.in": 200,
        "villages.read.out": 404,
        "villages.write.in": 200,
        "villages.write.out": 404,
        "webhooks.create.in": 403,
        "webhooks.create.out": 403,
        "webhooks.list": ["status 403"],
        "webhooks.read.in": 403,
        "webhooks.read.out": 403,
        "webhooks.write.in": 403,
        "webhooks.write.out": 403,
    },
    "district_officer": {
        "activities.create.in": 201,
        "activities.create.out": 404,
        "activities.list": ["in", "in"],
        "activities.list_of_plan.in": 200,
        "activities.list_of_plan.out": 404,
        "activities.read.in": 200,
        "activities.read.out": 404,
        "activities.write.in": 200,
        "activities.write.out": 404,
        "adopted.list.in": 200,
        "adopted.list.out": 404,
        "adopted.write.in": 403,
        "adopted.write.out": 403,
        "events.list": ["in"],
        "local_governments.create.in": 403,
        "local_governments.create.out": 403,
        "local_governments.list": ["in"],
        "local_governments.read.in": 200,
        "local_governments.read.out": 404,
        "local_governments.write.in": 403,
        "local_governments.write.out": 403,
        "plans.create.in": 201,
        "plans.create.out": 403,
        "plans.list": ["in", "in"],
        "plans.read.in": 200,
        "plans.read.out": 404,
        "plans.write.in": 200,
        "plans.write.out": 404,
        "reports.district.in": 200,
        "reports.district.out": 403,
        "reports.national": 200,
        "reports.province.in": 403,
        "reports.province.out": 403,
        "villages.create.in": 201,
        "villages.create.out": 403,
        "villages.list": ["in"],
        "villages.read.in": 200,
        "villages.read.out": 404,
        "villages.write.in": 200,
        "villages.write.out": 404,
        "webhooks.create.in": 403,
        "webhooks.create.out": 403,
        "webhooks.list": ["status 403"],
        "webhooks.read.in": 403,
        "webhooks.read.out": 403,
        "webhooks.write.in": 403,
        "webhooks.write.out": 403,
    },
    "lgo_planner": {
        "activities.create.in": 403,
        "activities.create.out": 403,
        "activities.list": ["in", "in"],
        "activities.list_of_plan.in": 200,
        "activities.list_of_plan.out": 404,
        "activities.read.in": 200,
        "activities.read.out": 404,
        "activities.write.in": 403,
        "activities.write.out": 403,
        "adopted.list.in": 200,
        "adopted.list.out": 404,
        "adopted.write.in": 409,
        "adopted.write.out": 404,
        "events.list": ["in"],
        "local_governments.create.in": 403,
        "local_governments.create.out": 403,
        "local_governments.list": ["in"],
        "local_governments.read.in": 200,
        "local_governments.read.out": 404,
        "local_governments.write.in": 200,
        "local_governments.write.out": 404,
        "plans.create.in": 403,
        "plans.create.out": 403,
        "plans.list": ["in", "in"],
        "plans.read.in": 200,
        "plans.read.out": 404,
        "plans.write.in": 403,
        "plans.write.out": 403,
        "reports.district.in": 403,
        "reports.district.out": 403,
        "reports.national": 403,
        "reports.province.in": 403,
        "reports.province.out": 403,
        "villages.create.in": 403,
        "villages.create.out": 403,
        "villages.list": ["in"],
        "villages.read.in": 200,
        "villages.read.out": 404,
        "villages.write.in": 403,
        "villages.write.out": 403,
        "webhooks.create.in": 201,
        "webhooks.create.out": 403,
        "webhooks.list": ["in"],
        "webhooks.read.in": 200,
        "webhooks.read.out": 404,
        "webhooks.write.in": 200,
        "webhooks.write.out": 404,
    },
    "provincial_officer": {
        "activities.create.in": 403,
        "activities.create.out": 403,
        "activities.list": ["in", "in"],
        "activities.list_of_plan.in": 200,
        "activities.list_of_plan.out": 404,
        "activities.read.in": 200,
        "activities.read.out": 404,
        "activities.write.in": 403,
        "activities.write.out": 403,
        "adopted.list.in": 200,
        "adopted.list.out": 404,
        "adopted.write.in": 403,
        "adopted.write.out": 403,
        "events.list": ["in"],
        "local_governments.create.in": 201,
        "local_governments.create.out": 403,
        "local_governments.list": ["in"],
        "local_governments.read.in": 200,
        "local_governments.read.out": 404,
        "local_governments.write.in": 200,
        "local_governments.write.out": 404,
        "plans.create.in": 403,
        "plans.create.out": 403,
        "plans.list": ["in", "in"],
        "plans.read.in": 200,
        "plans.read.out": 404,
        "plans.write.in": 403,
        "plans.write.out": 403,
        "reports.district.in": 200,
        "reports.district.out": 403,
        "reports.national": 200,
        "reports.province.in": 200,
        "reports.province.out": 403,
        "villages.create.in": 201,
        "villages.create.out": 403,
        "villages.list": ["in"],
        "villages.read.in": 200,
        "villages.read.out": 404,
        "villages.write.in": 200,
        "villages.write.out": 404,
        "webhooks.create.in": 403,
        "webhooks.create.out": 403,
        "webhooks.list": ["status 403"],
        "webhooks.read.in": 403,
        "webhooks.read.out": 403,
        "webhooks.write.in": 403,
        "webhooks.write.out": 403,
    },
}
