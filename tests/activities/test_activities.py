"""Activities (กิจกรรม/โครงการ): money as exact strings, vocabularies, Thai text, filters and pagination,
edits, and what stays editable once the plan has left draft."""

from __future__ import annotations

import functools
import json
from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.db import Database
from tests import helpers
from tests.helpers import assert_problem, caller, count_rows, fields

API = "/api/v1"
VILLAGE = "84010101"
# Its villages, as this file has always made them.
make_village = functools.partial(helpers.make_village, households=120, population=410)
YEAR = 2569


# --- helpers -----------------------------------------------------------------------------------------


async def make_plan(client: httpx.AsyncClient, village: str = VILLAGE, year: int = YEAR) -> dict[str, Any]:
    response = await client.post(f"{API}/plans", json={"village_code": village, "year": year})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def village_and_plan(client: httpx.AsyncClient) -> dict[str, Any]:
    await make_village(client)
    return await make_plan(client)


def activity_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "ปรับปรุงถนนในหมู่บ้าน",
        "working_group": "development_planning",
        "kind": "self_reliance",
        "budget": "15000.00",
        **overrides,
    }


async def post_activity(client: httpx.AsyncClient, plan_id: int, /, **overrides: Any) -> httpx.Response:
    return await client.post(f"{API}/plans/{plan_id}/activities", json=activity_body(**overrides))


async def make_activity(client: httpx.AsyncClient, plan_id: int, /, **overrides: Any) -> dict[str, Any]:
    response = await post_activity(client, plan_id, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def get_activity(client: httpx.AsyncClient, activity_id: int) -> httpx.Response:
    return await client.get(f"{API}/activities/{activity_id}")


async def submit(app: Any, db: Database, plan_id: int, village_code: str = VILLAGE) -> None:
    async with caller(app, db, Role.village_committee, village_code) as committee:
        response = await committee.post(f"{API}/plans/{plan_id}/transitions", json={"action": "submit"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "submitted"


async def all_ids(client: httpx.AsyncClient, path: str, limit: int, **filters: Any) -> list[int]:
    ids: list[int] = []
    cursor: str | None = None
    for _ in range(500):
        params: dict[str, Any] = {**filters, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"{API}{path}", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination never ended")


# --- create, and money -------------------------------------------------------------------------------


async def test_create_and_read_back(client: httpx.AsyncClient) -> None:
    plan = await village_and_plan(client)
    response = await post_activity(
        client,
        plan["id"],
        description="ลาดยางถนนสายหลัก",
        funding_source="งบประมาณ อบต.",
        priority=1,
        fiscal_year=YEAR,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["plan_id"] == plan["id"]
    assert body["village_code"] == VILLAGE
    assert body["district_code"] == "8401"
    assert body["province_code"] == "84"
    assert body["title"] == "ปรับปรุงถนนในหมู่บ้าน"
    assert body["description"] == "ลาดยางถนนสายหลัก"
    assert body["working_group"] == "development_planning"
    assert body["kind"] == "self_reliance"
    assert body["budget"] == "15000.00"
    assert body["funding_source"] == "งบประมาณ อบต."
    assert body["priority"] == 1
    assert body["fiscal_year"] == YEAR
    assert body["status"] == "planned"
    assert body["adoption"] is None
    assert response.headers["Location"] == f"/api/v1/activities/{body['id']}"
    assert response.headers.get("ETag")
    fetched = await get_activity(client, body["id"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


async def test_optional_fields_default(client: httpx.AsyncClient) -> None:
    plan = await village_and_plan(client)
    minimal = {"title": "ประชุมประจำเดือน", "working_group": "administration", "kind": "joint"}
    response = await client.post(f"{API}/plans/{plan['id']}/activities", json=minimal)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["budget"] == "0.00"
    assert created["description"] is None
    assert created["funding_source"] is None
    assert created["priority"] is None
    assert created["fiscal_year"] is None
    assert created["status"] == "planned"
    assert created["adoption"] is None


@pytest.mark.parametrize(
    "given, shown",
    [
        ("15000.00", "15000.00"),
        ("15000", "15000.00"),
        ("15000.5", "15000.50"),
        ("0", "0.00"),
        ("0.01", "0.01"),
        ("999999999999.99", "999999999999.99"),
        ("0012.30", "12.30"),
    ],
)
async def test_budget_is_an_exact_decimal_string(client: httpx.AsyncClient, given: str, shown: str) -> None:
    plan = await village_and_plan(client)
    created = await make_activity(client, plan["id"], budget=given)
    assert created["budget"] == shown
    fetched = (await get_activity(client, created["id"])).json()
    assert fetched["budget"] == shown
    listed = (await client.get(f"{API}/plans/{plan['id']}/activities")).json()["items"]
    assert listed[0]["budget"] == shown
    # Serialised as a JSON string, never as a number.
    raw = (await get_activity(client, created["id"])).content.decode()
    assert f'"budget":"{shown}"' in raw.replace(" ", "")


@pytest.mark.parametrize(
    "budget",
    [
        15000,
        15000.5,
        0,
        "1.234",
        "-5.00",
        "",
        " 15000.00",
        "15,000.00",
        "1e3",
        "NaN",
        "Infinity",
        "๑๕๐๐๐",
        "1000000000000.00",
        True,
        None,
        ["15000.00"],
    ],
)
async def test_bad_budget_is_422(client: httpx.AsyncClient, db: Database, budget: Any) -> None:
    plan = await village_and_plan(client)
    problem = assert_problem(await post_activity(client, plan["id"], budget=budget), 422)
    assert fields(problem) == ["budget"]
    assert await count_rows(db, "activity") == 0


@pytest.mark.parametrize("field", ["working_group", "kind", "status"])
@pytest.mark.parametrize("value", ["finance", "", "Economy", None, 1])
async def test_unknown_vocabulary_is_422(
    client: httpx.AsyncClient, db: Database, field: str, value: Any
) -> None:
    plan = await village_and_plan(client)
    problem = assert_problem(await post_activity(client, plan["id"], **{field: value}), 422)
    assert fields(problem) == [field]
    assert await count_rows(db, "activity") == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", ""),
        ("title", "   "),
        ("title", "ก" * 301),
        ("title", None),
        ("priority", 0),
        ("priority", "1"),
        ("priority", 1.5),
        ("fiscal_year", 2499),
        ("fiscal_year", "2569"),
        ("fiscal_year", 2026),
        ("description", "ก" * 5001),
        ("plan_id", 1),
        ("village_code", "84010102"),
        ("adoption", {}),
    ],
)
async def test_other_bad_fields_are_422(
    client: httpx.AsyncClient, db: Database, field: str, value: Any
) -> None:
    plan = await village_and_plan(client)
    problem = assert_problem(await post_activity(client, plan["id"], **{field: value}), 422)
    assert field in fields(problem)
    assert await count_rows(db, "activity") == 0


async def test_missing_required_fields_are_listed(client: httpx.AsyncClient, db: Database) -> None:
    plan = await village_and_plan(client)
    problem = assert_problem(await client.post(f"{API}/plans/{plan['id']}/activities", json={}), 422)
    assert {"title", "working_group", "kind"} <= set(fields(problem))
    assert await count_rows(db, "activity") == 0


async def test_activity_of_an_unknown_plan_is_404(client: httpx.AsyncClient, db: Database) -> None:
    assert_problem(await post_activity(client, 999999), 404)
    assert_problem(await client.get(f"{API}/plans/999999/activities"), 404)
    assert await count_rows(db, "activity") == 0


# --- Thai text ---------------------------------------------------------------------------------------

DESCRIPTION = (
    "วัตถุประสงค์:\n"
    "1. ส่งเสริมอาชีพเลี้ยงไก่ไข่ ๕๐ ครัวเรือน\n"
    "\t- ใช้ทุนจากกองทุนหมู่บ้าน\r\n"
    "2. ลดรายจ่ายในครัวเรือน 🐔\n"
    "\n"
    "หมายเหตุ: ผู้ใหญ่บ้านเป็นผู้ประสานงาน"
)


async def test_thai_text_round_trips_exactly(client: httpx.AsyncClient) -> None:
    plan = await village_and_plan(client)
    title = "ส่งเสริมการเลี้ยงไก่ไข่ (ทำเอง) ๒๕๖๙"
    created = await make_activity(
        client, plan["id"], title=title, description=DESCRIPTION, funding_source="กองทุนหมู่บ้านและชุมชนเมือง"
    )
    assert created["description"] == DESCRIPTION
    fetched = (await get_activity(client, created["id"])).json()
    assert fetched["title"].encode() == title.encode()
    assert fetched["description"].encode() == DESCRIPTION.encode()
    assert fetched["funding_source"] == "กองทุนหมู่บ้านและชุมชนเมือง"
    listed = (await client.get(f"{API}/activities", params={"plan_id": plan["id"]})).json()["items"]
    assert listed[0]["description"] == DESCRIPTION
    patched = await client.patch(
        f"{API}/activities/{created['id']}", json={"description": DESCRIPTION + "\nเพิ่มเติม"}
    )
    assert patched.status_code == 200, patched.text
    assert (await get_activity(client, created["id"])).json()["description"] == DESCRIPTION + "\nเพิ่มเติม"


@pytest.mark.parametrize("field", ["description", "title", "funding_source"])
@pytest.mark.parametrize("text", ["ถนน\x00ลาดยาง", "\x00", "ถนน\x1bลาดยาง", "ถนน\ud800"])
async def test_nul_and_control_characters_are_422(
    client: httpx.AsyncClient, db: Database, field: str, text: str
) -> None:
    plan = await village_and_plan(client)
    raw = json.dumps(activity_body(**{field: text}))  # ASCII JSON with \u escapes, as clients send it
    response = await client.post(
        f"{API}/plans/{plan['id']}/activities", content=raw, headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422)
    assert fields(problem) == [field]
    assert await count_rows(db, "activity") == 0


async def test_nul_in_a_patched_description_is_422_and_changes_nothing(client: httpx.AsyncClient) -> None:
    plan = await village_and_plan(client)
    created = await make_activity(client, plan["id"], description="เดิม")
    raw = b'{"description": "a\\u0000b"}'
    response = await client.patch(
        f"{API}/activities/{created['id']}", content=raw, headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422)
    assert fields(problem) == ["description"]
    assert (await get_activity(client, created["id"])).json() == created


# --- list --------------------------------------------------------------------------------------------


async def _seed(client: httpx.AsyncClient) -> dict[str, Any]:
    plans: dict[str, int] = {}
    for code in ("84010101", "84010201", "84050301", "50010101"):
        await make_village(client, code)
        plans[code] = (await make_plan(client, code))["id"]
    second_plan = (await make_plan(client, "84010101", YEAR + 1))["id"]
    rows = [
        # (plan, working_group, kind, status, fiscal_year)
        (plans["84010101"], "economy", "self_reliance", "planned", 2569),
        (plans["84010101"], "economy", "joint", "completed", 2569),
        (plans["84010101"], "administration", "external_support", "in_progress", 2570),
        (plans["84010101"], "governance", "self_reliance", "cancelled", None),
        (second_plan, "economy", "self_reliance", "planned", 2570),
        (plans["84010201"], "social_environment_health", "joint", "planned", 2569),
        (plans["84010201"], "economy", "self_reliance", "completed", 2570),
        (plans["84050301"], "education_religion_culture", "external_support", "planned", 2569),
        (plans["50010101"], "economy", "self_reliance", "in_progress", 2569),
    ]
    activities = []
    for plan_id, group, kind, status, fy in rows:
        activities.append(
            await make_activity(
                client, plan_id, working_group=group, kind=kind, status=status, fiscal_year=fy
            )
        )
    return {"plans": plans, "second_plan": second_plan, "activities": activities}


def _matching(activities: list[dict[str, Any]], **filters: Any) -> set[int]:
    return {a["id"] for a in activities if all(a[k] == v for k, v in filters.items())}


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"village_code": "84010101"},
        {"village_code": "84010201"},
        {"district_code": "8401"},
        {"district_code": "8405"},
        {"province_code": "84"},
        {"province_code": "50"},
        {"working_group": "economy"},
        {"kind": "self_reliance"},
        {"kind": "external_support"},
        {"status": "planned"},
        {"status": "cancelled"},
        {"fiscal_year": 2569},
        {"fiscal_year": 2570},
        {"working_group": "economy", "kind": "self_reliance", "status": "planned"},
        {"province_code": "84", "fiscal_year": 2569, "kind": "joint"},
    ],
)
async def test_list_filters(client: httpx.AsyncClient, filters: dict[str, Any]) -> None:
    seeded = await _seed(client)
    listed = await all_ids(client, "/activities", 500, **filters)
    assert set(listed) == _matching(seeded["activities"], **filters)
    assert len(listed) == len(set(listed))


async def test_list_by_plan(client: httpx.AsyncClient) -> None:
    seeded = await _seed(client)
    plan_id = seeded["plans"]["84010101"]
    expected = _matching(seeded["activities"], plan_id=plan_id)
    assert len(expected) == 4
    assert set(await all_ids(client, "/activities", 500, plan_id=plan_id)) == expected
    assert set(await all_ids(client, f"/plans/{plan_id}/activities", 500)) == expected
    assert await all_ids(client, "/activities", 500, plan_id=999999) == []


@pytest.mark.parametrize("limit", [1, 2, 4, 9, 10])
async def test_pagination_has_no_duplicates_or_gaps(client: httpx.AsyncClient, limit: int) -> None:
    seeded = await _seed(client)
    walked = await all_ids(client, "/activities", limit)
    assert len(walked) == len(set(walked))
    assert set(walked) == {a["id"] for a in seeded["activities"]}
    filtered = await all_ids(client, "/activities", limit, province_code="84")
    assert len(filtered) == len(set(filtered))
    assert set(filtered) == _matching(seeded["activities"], province_code="84")
    plan_id = seeded["plans"]["84010101"]
    under_plan = await all_ids(client, f"/plans/{plan_id}/activities", limit)
    assert len(under_plan) == len(set(under_plan)) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"working_group": "finance"},
        {"kind": "ทำเอง"},
        {"status": "done"},
        {"fiscal_year": 1999},
        {"fiscal_year": "x"},
        {"plan_id": 0},
        {"province_code": "8"},
        {"village_code": "8401010"},
    ],
)
async def test_bad_list_filters_are_422(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    problem = assert_problem(await client.get(f"{API}/activities", params=params), 422)
    (name,) = params
    assert any(f.endswith(name) for f in fields(problem)), problem


async def test_scoped_callers_see_only_their_activities(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await _seed(client)
    mine = _matching(seeded["activities"], village_code="84010101")
    other = next(a for a in seeded["activities"] if a["village_code"] == "84010201")
    async with caller(app, db, Role.village_committee, "84010101") as committee:
        assert set(await all_ids(committee, "/activities", 500)) == mine
        assert_problem(await get_activity(committee, other["id"]), 404)
        assert_problem(await committee.patch(f"{API}/activities/{other['id']}", json={"title": "แก้"}), 404)
        assert_problem(await committee.delete(f"{API}/activities/{other['id']}"), 404)
        assert_problem(await post_activity(committee, seeded["plans"]["84010201"]), 404)
    async with caller(app, db, Role.district_officer, "8401") as officer:
        assert set(await all_ids(officer, "/activities", 500)) == _matching(
            seeded["activities"], district_code="8401"
        )
    async with caller(app, db, Role.provincial_officer, "84") as province:
        assert set(await all_ids(province, "/activities", 2)) == _matching(
            seeded["activities"], province_code="84"
        )
    # A local government's planner sees the activities of its villages, and only through plans of them.
    lgo = {"code": "6840102", "name_th": "อบต.ทดสอบ", "kind": "subdistrict_administration"}
    response = await client.post(
        f"{API}/local-governments", json={**lgo, "province_code": "84", "subdistrict_codes": ["840102"]}
    )
    assert response.status_code == 201, response.text
    response = await client.patch(f"{API}/villages/84010201", json={"local_government_code": "6840102"})
    assert response.status_code == 200, response.text
    theirs = _matching(seeded["activities"], village_code="84010201")
    async with caller(app, db, Role.lgo_planner, "6840102") as planner:
        assert set(await all_ids(planner, "/activities", 1)) == theirs
        plan_id = seeded["plans"]["84010201"]
        assert set(await all_ids(planner, f"/plans/{plan_id}/activities", 1)) == theirs
        assert_problem(await planner.get(f"{API}/plans/{seeded['plans']['84010101']}/activities"), 404)
    assert (await get_activity(client, other["id"])).json() == other


# --- update and delete -------------------------------------------------------------------------------


async def test_patch_changes_the_given_fields(client: httpx.AsyncClient) -> None:
    plan = await village_and_plan(client)
    created = await make_activity(client, plan["id"], funding_source="กองทุนหมู่บ้าน", priority=3)
    etag = (await get_activity(client, created["id"])).headers["ETag"]
    response = await client.patch(
        f"{API}/activities/{created['id']}",
        json={
            "title": "ขุดลอกคลองส่งน้ำ",
            "working_group": "social_environment_health",
            "kind": "external_support",
            "budget": "250000.5",
            "priority": 1,
            "fiscal_year": 2570,
            "status": "in_progress",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "ขุดลอกคลองส่งน้ำ"
    assert body["working_group"] == "social_environment_health"
    assert body["kind"] == "external_support"
    assert body["budget"] == "250000.50"
    assert body["priority"] == 1
    assert body["fiscal_year"] == 2570
    assert body["status"] == "in_progress"
    assert body["funding_source"] == "กองทุนหมู่บ้าน"
    assert body["created_at"] == created["created_at"]
    assert response.headers["ETag"] != etag
    fetched = await get_activity(client, created["id"])
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


async def test_patch_can_clear_optional_fields(client: httpx.AsyncClient) -> None:
    plan = await village_and_plan(client)
    created = await make_activity(
        client, plan["id"], description="x", funding_source="กองทุน", priority=2, fiscal_year=YEAR
    )
    response = await client.patch(
        f"{API}/activities/{created['id']}",
        json={"description": None, "funding_source": None, "priority": None, "fiscal_year": None},
    )
    assert response.status_code == 200, response.text
    body = (await get_activity(client, created["id"])).json()
    assert (body["description"], body["funding_source"], body["priority"], body["fiscal_year"]) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"budget": 100}, "budget"),
        ({"budget": "1.234"}, "budget"),
        ({"budget": None}, "budget"),
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"working_group": "finance"}, "working_group"),
        ({"kind": None}, "kind"),
        ({"status": "done"}, "status"),
        ({"status": None}, "status"),
        ({"plan_id": 2}, "plan_id"),
    ],
)
async def test_bad_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, patch: dict[str, Any], field: str
) -> None:
    plan = await village_and_plan(client)
    created = await make_activity(client, plan["id"])
    before = await get_activity(client, created["id"])
    problem = assert_problem(await client.patch(f"{API}/activities/{created['id']}", json=patch), 422)
    assert field in fields(problem)
    after = await get_activity(client, created["id"])
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


async def test_patch_with_a_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    plan = await village_and_plan(client)
    created = await make_activity(client, plan["id"])
    etag = (await get_activity(client, created["id"])).headers["ETag"]
    first = await client.patch(
        f"{API}/activities/{created['id']}", json={"budget": "100.00"}, headers={"If-Match": etag}
    )
    assert first.status_code == 200, first.text
    stale = await client.patch(
        f"{API}/activities/{created['id']}", json={"budget": "200.00"}, headers={"If-Match": etag}
    )
    assert_problem(stale, 412)
    assert (await get_activity(client, created["id"])).json()["budget"] == "100.00"
    assert_problem(await client.delete(f"{API}/activities/{created['id']}", headers={"If-Match": etag}), 412)
    assert (await get_activity(client, created["id"])).status_code == 200


async def test_delete_then_404(client: httpx.AsyncClient, db: Database) -> None:
    plan = await village_and_plan(client)
    created = await make_activity(client, plan["id"])
    kept = await make_activity(client, plan["id"], title="อีกกิจกรรม")
    response = await client.delete(f"{API}/activities/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await get_activity(client, created["id"]), 404)
    assert_problem(await client.delete(f"{API}/activities/{created['id']}"), 404)
    assert_problem(await client.patch(f"{API}/activities/{created['id']}", json={"title": "x"}), 404)
    assert await count_rows(db, "activity") == 1
    assert (await get_activity(client, kept["id"])).json() == kept


# --- after the plan has left draft -------------------------------------------------------------------


async def test_after_submit_only_progress_can_change(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    plan = await village_and_plan(client)
    activity = await make_activity(client, plan["id"])
    await submit(app, db, plan["id"])

    progressed = await client.patch(f"{API}/activities/{activity['id']}", json={"status": "in_progress"})
    assert progressed.status_code == 200, progressed.text
    assert progressed.json()["status"] == "in_progress"
    before = await get_activity(client, activity["id"])
    assert before.json()["status"] == "in_progress"

    for patch in (
        {"title": "ชื่อใหม่"},
        {"budget": "1.00"},
        {"kind": "joint"},
        {"status": "completed", "title": "ชื่อใหม่"},
    ):
        problem = assert_problem(await client.patch(f"{API}/activities/{activity['id']}", json=patch), 409)
        assert problem["detail"]
    assert_problem(await client.delete(f"{API}/activities/{activity['id']}"), 409)
    assert_problem(await post_activity(client, plan["id"]), 409)

    after = await get_activity(client, activity["id"])
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
    assert await count_rows(db, "activity") == 1

    # Progress is still the committee's to report.
    async with caller(app, db, Role.village_committee, VILLAGE) as committee:
        done = await committee.patch(f"{API}/activities/{activity['id']}", json={"status": "completed"})
    assert done.status_code == 200, done.text
    assert (await get_activity(client, activity["id"])).json()["status"] == "completed"


async def test_roles_that_never_edit_activities_get_403(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    plan = await village_and_plan(client)
    activity = await make_activity(client, plan["id"])
    async with caller(app, db, Role.provincial_officer, "84") as officer:
        assert (await get_activity(officer, activity["id"])).status_code == 200
        assert_problem(await officer.patch(f"{API}/activities/{activity['id']}", json={"title": "x"}), 403)
        assert_problem(await post_activity(officer, plan["id"]), 403)
    assert (await get_activity(client, activity["id"])).json() == activity
    assert await count_rows(db, "activity") == 1
