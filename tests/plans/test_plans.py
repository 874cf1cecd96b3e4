"""Plans (แผนชุมชน): creation, validation, reads, filters, pagination, edits with If-Match, deletion,
the yearly review (revisions) and the freezing of content once a plan has left draft."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.db import Database
from tests import helpers
from tests.helpers import assert_problem, caller, count_rows, fields

API = "/api/v1"

# Surat Thani (84): Mueang (8401) → Talat 840101, Makham Tia 840102; Ko Pha-ngan (8405) → Ko Tao 840503.
# Chiang Mai (50): Mueang (5001) → 500101.
VILLAGE = "84010101"
YEAR = 2569


# --- helpers -----------------------------------------------------------------------------------------


async def make_village(
    client: httpx.AsyncClient, code: str = VILLAGE, name_th: str = "บ้านดอนเกลี้ยง", households: int = 120
) -> dict[str, Any]:
    return await helpers.make_village(
        client, code, name_th=name_th, households=households, population=households * 3
    )


async def post_plan(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    return await client.post(f"{API}/plans", json={"village_code": VILLAGE, "year": YEAR, **overrides})


async def make_plan(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await post_plan(client, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def get_plan(client: httpx.AsyncClient, plan_id: int) -> httpx.Response:
    return await client.get(f"{API}/plans/{plan_id}")


def activity_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "ปรับปรุงถนนในหมู่บ้าน",
        "working_group": "development_planning",
        "kind": "self_reliance",
        "budget": "15000.00",
        **overrides,
    }


async def make_activity(client: httpx.AsyncClient, plan_id: int, **overrides: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/plans/{plan_id}/activities", json=activity_body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def plan_activities(client: httpx.AsyncClient, plan_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/plans/{plan_id}/activities", params={"limit": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def submit(app: Any, db: Database, plan_id: int, village_code: str = VILLAGE) -> dict[str, Any]:
    async with caller(app, db, Role.village_committee, village_code) as committee:
        response = await committee.post(f"{API}/plans/{plan_id}/transitions", json={"action": "submit"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "submitted"
    return dict(response.json())


async def all_ids(client: httpx.AsyncClient, path: str, limit: int, **filters: Any) -> list[int]:
    ids: list[int] = []
    cursor: str | None = None
    for _ in range(200):
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


# --- create ------------------------------------------------------------------------------------------


async def test_create_copies_households_and_gives_a_thai_title(client: httpx.AsyncClient) -> None:
    await make_village(client, households=120)
    response = await post_plan(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["village_code"] == VILLAGE
    assert body["subdistrict_code"] == "840101"
    assert body["district_code"] == "8401"
    assert body["province_code"] == "84"
    assert body["year"] == YEAR
    assert body["revision"] == 1
    assert body["status"] == "draft"
    assert body["households_total"] == 120
    assert body["households_contributing_data"] == 0
    assert body["participating_households"] == 0
    assert body["lgo_participated_from_start"] is False
    assert body["sufficiency_economy_process"] is False
    assert body["previous_plan_id"] is None
    assert "แผนชุมชน" in body["title"]
    assert "บ้านดอนเกลี้ยง" in body["title"]
    assert str(YEAR) in body["title"]
    assert isinstance(body["allowed_actions"], list)
    assert body["book"]["href"] == f"/api/v1/plans/{body['id']}/book"
    assert response.headers["Location"] == f"/api/v1/plans/{body['id']}"
    assert response.headers.get("ETag")

    fetched = await get_plan(client, body["id"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


async def test_create_with_explicit_values(client: httpx.AsyncClient) -> None:
    await make_village(client, households=120)
    body = await make_plan(
        client,
        title="แผนชุมชนบ้านดอนเกลี้ยง ฉบับทบทวน",
        households_total=80,
        households_contributing_data=60,
        participating_households=80,
        lgo_participated_from_start=True,
        sufficiency_economy_process=True,
        book_file_ref="s3://plans/84010101-2569.pdf",
    )
    assert body["title"] == "แผนชุมชนบ้านดอนเกลี้ยง ฉบับทบทวน"
    assert body["households_total"] == 80
    assert body["households_contributing_data"] == 60
    assert body["participating_households"] == 80
    assert body["lgo_participated_from_start"] is True
    assert body["sufficiency_economy_process"] is True
    assert body["book"]["file_ref"] == "s3://plans/84010101-2569.pdf"
    assert (await get_plan(client, body["id"])).json() == body


async def test_households_total_zero_is_kept_not_replaced_by_the_village(client: httpx.AsyncClient) -> None:
    await make_village(client, households=120)
    body = await make_plan(client, households_total=0)
    assert body["households_total"] == 0


async def test_a_village_committee_sees_submit_in_allowed_actions(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    async with caller(app, db, Role.village_committee, VILLAGE) as committee:
        body = (await get_plan(committee, plan["id"])).json()
    assert body["allowed_actions"] == ["submit"]


async def test_second_plan_of_the_same_village_and_year_is_409(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client)
    first = await make_plan(client, title="แผนแรก")
    problem = assert_problem(await post_plan(client, title="แผนที่สอง"), 409)
    assert problem["detail"]
    assert await count_rows(db, "plan") == 1
    assert (await get_plan(client, first["id"])).json() == first
    # Another year of the same village is another plan.
    assert (await post_plan(client, year=YEAR + 1)).status_code == 201


async def test_concurrent_creates_of_one_plan_give_one_201_and_one_409(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client)
    responses = await asyncio.gather(post_plan(client, title="แผนหนึ่ง"), post_plan(client, title="แผนสอง"))
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 201).json()
    assert (await get_plan(client, winner["id"])).json() == winner
    assert await count_rows(db, "plan") == 1


async def test_unknown_village_is_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_plan(client, village_code="84010199"), 422)
    assert fields(problem) == ["village_code"]
    assert await count_rows(db, "plan") == 0


@pytest.mark.parametrize("code", ["8401010", "840101011", "8401010x", 84010101, None])
async def test_malformed_village_code_is_422(client: httpx.AsyncClient, db: Database, code: Any) -> None:
    await make_village(client)
    problem = assert_problem(await post_plan(client, village_code=code), 422)
    assert "village_code" in fields(problem)
    assert await count_rows(db, "plan") == 0


@pytest.mark.parametrize("year", [2499, 2701, 2026, -2569, "2569", 2569.0, 2569.5, True, None, "๒๕๖๙"])
async def test_year_outside_2500_2700_or_not_an_int_is_422(
    client: httpx.AsyncClient, db: Database, year: Any
) -> None:
    await make_village(client)
    problem = assert_problem(await post_plan(client, year=year), 422)
    assert "year" in fields(problem)
    assert await count_rows(db, "plan") == 0


@pytest.mark.parametrize("year", [2500, 2700])
async def test_year_bounds_are_accepted(client: httpx.AsyncClient, year: int) -> None:
    await make_village(client)
    assert (await make_plan(client, year=year))["year"] == year


@pytest.mark.parametrize("field", ["households_contributing_data", "participating_households"])
async def test_count_over_households_total_is_422_naming_the_field(
    client: httpx.AsyncClient, db: Database, field: str
) -> None:
    await make_village(client, households=120)
    problem = assert_problem(await post_plan(client, households_total=10, **{field: 11}), 422)
    assert fields(problem) == [field]
    # Against the total copied from the village, too.
    problem = assert_problem(await post_plan(client, **{field: 121}), 422)
    assert fields(problem) == [field]
    assert await count_rows(db, "plan") == 0
    # Equal to the total is fine.
    assert (await make_plan(client, households_total=10, **{field: 10}))[field] == 10


@pytest.mark.parametrize(
    "field", ["households_total", "households_contributing_data", "participating_households"]
)
@pytest.mark.parametrize("value", [-1, "5", 5.5, True, 10**12])
async def test_counts_are_strict_non_negative_integers(
    client: httpx.AsyncClient, db: Database, field: str, value: Any
) -> None:
    await make_village(client)
    problem = assert_problem(await post_plan(client, **{field: value}), 422)
    assert field in fields(problem)
    assert await count_rows(db, "plan") == 0


@pytest.mark.parametrize(
    "extra", [{"status": "certified"}, {"revision": 3}, {"district_code": "1001"}, {"colour": "red"}]
)
async def test_server_owned_or_unknown_fields_are_refused(
    client: httpx.AsyncClient, db: Database, extra: dict[str, Any]
) -> None:
    await make_village(client)
    problem = assert_problem(await post_plan(client, **extra), 422)
    assert next(iter(extra)) in fields(problem)
    assert await count_rows(db, "plan") == 0


@pytest.mark.parametrize("title", ["", "   ", "แผน\x00ชุมชน", "ก" * 301])
async def test_bad_title_is_422(client: httpx.AsyncClient, db: Database, title: str) -> None:
    await make_village(client)
    problem = assert_problem(await post_plan(client, title=title), 422)
    assert "title" in fields(problem)
    assert await count_rows(db, "plan") == 0


async def test_idempotent_create_replays_the_first_answer(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    headers = {"Idempotency-Key": "plan-84010101-2569"}
    first = await client.post(f"{API}/plans", json={"village_code": VILLAGE, "year": YEAR}, headers=headers)
    assert first.status_code == 201, first.text
    replay = await client.post(f"{API}/plans", json={"village_code": VILLAGE, "year": YEAR}, headers=headers)
    assert replay.status_code == 201, replay.text
    assert replay.json() == first.json()
    assert await count_rows(db, "plan") == 1


# --- read and list -----------------------------------------------------------------------------------


async def test_unknown_plan_is_a_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await get_plan(client, 999999), 404)


@pytest.mark.parametrize("plan_id", ["0", "-1", "abc", str(2**63)])
async def test_malformed_plan_id_is_422_not_500(client: httpx.AsyncClient, plan_id: str) -> None:
    response = await client.get(f"{API}/plans/{plan_id}")
    assert response.status_code in (404, 422), response.text


async def _seed_for_filters(app: Any, client: httpx.AsyncClient, db: Database) -> dict[str, int]:
    villages = {
        "a": "84010101",  # Talat
        "b": "84010102",  # Talat
        "c": "84010201",  # Makham Tia, same district
        "d": "84050301",  # Ko Tao, another district of Surat Thani
        "e": "50010101",  # Chiang Mai
    }
    for code in villages.values():
        await make_village(client, code=code)
    ids: dict[str, int] = {}
    for key, code in villages.items():
        ids[f"{key}68"] = (await make_plan(client, village_code=code, year=2568))["id"]
        ids[f"{key}69"] = (await make_plan(client, village_code=code, year=2569))["id"]
    await make_activity(client, ids["b69"])
    await submit(app, db, ids["b69"], "84010102")
    return ids


async def _listed(client: httpx.AsyncClient, **filters: Any) -> set[int]:
    return set(await all_ids(client, "/plans", 500, **filters))


# Each case: filters, and the keys of `_seed_for_filters` expected back (letter = village, digits = year).
FILTER_CASES = [
    ({}, "a68 a69 b68 b69 c68 c69 d68 d69 e68 e69"),
    ({"village_code": "84010101"}, "a68 a69"),
    ({"subdistrict_code": "840101"}, "a68 a69 b68 b69"),
    ({"district_code": "8401"}, "a68 a69 b68 b69 c68 c69"),
    ({"district_code": "8405"}, "d68 d69"),
    ({"province_code": "84"}, "a68 a69 b68 b69 c68 c69 d68 d69"),
    ({"province_code": "50"}, "e68 e69"),
    ({"status": "submitted"}, "b69"),
    ({"status": "draft"}, "a68 a69 b68 c68 c69 d68 d69 e68 e69"),
    ({"village_code": "84019999"}, ""),
    ({"year": 2568}, "a68 b68 c68 d68 e68"),
    ({"year": 2569, "district_code": "8401"}, "a69 b69 c69"),
    ({"province_code": "84", "year": 2569, "status": "draft"}, "a69 c69 d69"),
]


@pytest.mark.parametrize("filters, expected", FILTER_CASES)
async def test_list_filters(
    app: Any, client: httpx.AsyncClient, db: Database, filters: dict[str, Any], expected: str
) -> None:
    ids = await _seed_for_filters(app, client, db)
    assert await _listed(client, **filters) == {ids[k] for k in expected.split()}


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": 1999},
        {"status": "done"},
        {"province_code": "8"},
        {"district_code": "84011"},
        {"village_code": "8401"},
        {"subdistrict_code": "84010"},
        {"limit": 0},
        {"limit": 501},
    ],
)
async def test_bad_list_filters_are_422(client: httpx.AsyncClient, params: dict[str, Any]) -> None:
    problem = assert_problem(await client.get(f"{API}/plans", params=params), 422)
    (name,) = params
    assert any(f.endswith(name) for f in fields(problem)), problem


async def test_list_items_are_the_plans_as_read(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client)
    listed = (await client.get(f"{API}/plans")).json()
    assert listed["items"] == [plan]
    assert listed["next_cursor"] is None


async def test_pagination_walks_every_plan_once(client: httpx.AsyncClient) -> None:
    await make_village(client)
    expected = [(await make_plan(client, year=2560 + i))["id"] for i in range(7)]
    first = (await client.get(f"{API}/plans", params={"limit": 3})).json()
    assert len(first["items"]) == 3
    assert first["next_cursor"]
    walked = await all_ids(client, "/plans", 3)
    assert sorted(walked) == sorted(expected)
    assert len(walked) == len(set(walked))
    assert await all_ids(client, "/plans", 7) == walked


async def test_pagination_with_a_year_filter(client: httpx.AsyncClient) -> None:
    await make_village(client, code="84010101")
    await make_village(client, code="84010102")
    expected = []
    for year in (2560, 2561, 2562):
        for code in ("84010101", "84010102"):
            plan = await make_plan(client, village_code=code, year=year)
            if year == 2561:
                expected.append(plan["id"])
    assert await all_ids(client, "/plans", 1, year=2561) == expected


async def test_a_tampered_cursor_is_400(client: httpx.AsyncClient) -> None:
    await make_village(client)
    for i in range(3):
        await make_plan(client, year=2560 + i)
    cursor = (await client.get(f"{API}/plans", params={"limit": 1})).json()["next_cursor"]
    assert_problem(await client.get(f"{API}/plans", params={"cursor": cursor[:-2] + "xx"}), 400)


async def test_scoped_callers_see_only_their_plans(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    ids = await _seed_for_filters(app, client, db)
    async with caller(app, db, Role.village_committee, "84010101") as committee:
        assert set(await all_ids(committee, "/plans", 500)) == {ids["a68"], ids["a69"]}
        assert_problem(await get_plan(committee, ids["c69"]), 404)
        assert (await get_plan(committee, ids["a69"])).status_code == 200
    async with caller(app, db, Role.district_officer, "8405") as officer:
        assert set(await all_ids(officer, "/plans", 500)) == {ids["d68"], ids["d69"]}
        assert_problem(await get_plan(officer, ids["a69"]), 404)
    async with caller(app, db, Role.provincial_officer, "50") as officer:
        assert set(await all_ids(officer, "/plans", 500)) == {ids["e68"], ids["e69"]}


async def test_a_village_committee_cannot_create_another_villages_plan(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client, code="84010101")
    await make_village(client, code="84010102")
    async with caller(app, db, Role.village_committee, "84010101") as committee:
        refused = await post_plan(committee, village_code="84010102")
        assert refused.status_code in (403, 404), refused.text
        assert await count_rows(db, "plan") == 0
        assert (await post_plan(committee, village_code="84010101")).status_code == 201


# --- update ------------------------------------------------------------------------------------------


async def test_patch_changes_the_given_fields_only(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, households_total=50)
    etag = (await get_plan(client, plan["id"])).headers["ETag"]
    response = await client.patch(
        f"{API}/plans/{plan['id']}",
        json={
            "title": "แผนชุมชนบ้านดอนเกลี้ยง ปี ๒๕๖๙",
            "households_contributing_data": 40,
            "participating_households": 45,
            "lgo_participated_from_start": True,
            "sufficiency_economy_process": True,
            "book_file_ref": "ตู้เอกสาร ศาลาหมู่บ้าน",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "แผนชุมชนบ้านดอนเกลี้ยง ปี ๒๕๖๙"
    assert body["households_total"] == 50
    assert body["households_contributing_data"] == 40
    assert body["participating_households"] == 45
    assert body["lgo_participated_from_start"] is True
    assert body["sufficiency_economy_process"] is True
    assert body["book"]["file_ref"] == "ตู้เอกสาร ศาลาหมู่บ้าน"
    assert body["year"] == plan["year"] and body["village_code"] == plan["village_code"]
    assert body["created_at"] == plan["created_at"]
    assert response.headers["ETag"] != etag
    fetched = await get_plan(client, plan["id"])
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


async def test_patch_with_if_match(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client)
    etag = (await get_plan(client, plan["id"])).headers["ETag"]
    ok = await client.patch(f"{API}/plans/{plan['id']}", json={"title": "ฉบับแรก"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] != etag
    before = (await get_plan(client, plan["id"])).json()
    stale = await client.patch(
        f"{API}/plans/{plan['id']}", json={"title": "ฉบับเก่า"}, headers={"If-Match": etag}
    )
    assert_problem(stale, 412)
    assert (await get_plan(client, plan["id"])).json() == before
    again = await client.patch(
        f"{API}/plans/{plan['id']}", json={"title": "ฉบับสอง"}, headers={"If-Match": ok.headers["ETag"]}
    )
    assert again.status_code == 200, again.text
    assert again.json()["title"] == "ฉบับสอง"


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"households_total": 5}, "households_contributing_data"),
        ({"households_contributing_data": 51}, "households_contributing_data"),
        ({"participating_households": 51}, "participating_households"),
        ({"title": None}, "title"),
        ({"households_total": None}, "households_total"),
        ({"lgo_participated_from_start": None}, "lgo_participated_from_start"),
        ({"households_total": -1}, "households_total"),
        ({"year": 2570}, "year"),
        ({"status": "certified"}, "status"),
    ],
)
async def test_bad_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, patch: dict[str, Any], field: str
) -> None:
    await make_village(client)
    plan = await make_plan(client, households_total=50, households_contributing_data=10)
    before = await get_plan(client, plan["id"])
    problem = assert_problem(await client.patch(f"{API}/plans/{plan['id']}", json=patch), 422)
    assert field in fields(problem)
    after = await get_plan(client, plan["id"])
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


async def test_patch_of_an_unknown_plan_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.patch(f"{API}/plans/999999", json={"title": "x"}), 404)


# --- delete ------------------------------------------------------------------------------------------


async def test_delete_draft_then_404_and_its_activities_go_too(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    activity = await make_activity(client, plan["id"])
    response = await client.delete(f"{API}/plans/{plan['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await get_plan(client, plan["id"]), 404)
    assert_problem(await client.get(f"{API}/activities/{activity['id']}"), 404)
    assert_problem(await client.delete(f"{API}/plans/{plan['id']}"), 404)
    assert await count_rows(db, "plan") == 0
    assert await count_rows(db, "activity") == 0
    # The village and year are free again.
    assert (await post_plan(client)).status_code == 201


async def test_delete_with_a_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client)
    stale = (await get_plan(client, plan["id"])).headers["ETag"]
    assert (await client.patch(f"{API}/plans/{plan['id']}", json={"title": "ใหม่"})).status_code == 200
    assert_problem(await client.delete(f"{API}/plans/{plan['id']}", headers={"If-Match": stale}), 412)
    current = await get_plan(client, plan["id"])
    assert current.status_code == 200
    assert current.json()["title"] == "ใหม่"
    deleted = await client.delete(f"{API}/plans/{plan['id']}", headers={"If-Match": current.headers["ETag"]})
    assert deleted.status_code == 204


# --- frozen once submitted ---------------------------------------------------------------------------


async def test_a_submitted_plan_is_frozen(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    await make_activity(client, plan["id"])
    await submit(app, db, plan["id"])
    before = await get_plan(client, plan["id"])
    assert before.json()["status"] == "submitted"

    assert_problem(await client.patch(f"{API}/plans/{plan['id']}", json={"title": "แก้ไข"}), 409)
    assert_problem(await client.delete(f"{API}/plans/{plan['id']}"), 409)
    assert_problem(await client.post(f"{API}/plans/{plan['id']}/activities", json=activity_body()), 409)

    after = await get_plan(client, plan["id"])
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
    assert await count_rows(db, "plan") == 1
    assert await count_rows(db, "activity") == 1


async def test_a_returned_plan_is_editable_again(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    await make_activity(client, plan["id"])
    await submit(app, db, plan["id"])
    async with caller(app, db, Role.district_officer, "8401") as officer:
        returned = await officer.post(
            f"{API}/plans/{plan['id']}/transitions", json={"action": "return", "comment": "ขาดข้อมูลครัวเรือน"}
        )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    patched = await client.patch(f"{API}/plans/{plan['id']}", json={"households_contributing_data": 5})
    assert patched.status_code == 200, patched.text
    assert (
        await client.post(f"{API}/plans/{plan['id']}/activities", json=activity_body())
    ).status_code == 201
    # Only a draft can be deleted.
    assert_problem(await client.delete(f"{API}/plans/{plan['id']}"), 409)
    assert (await get_plan(client, plan["id"])).status_code == 200


# --- revisions (the yearly review) -------------------------------------------------------------------

CONTENT = (
    "title",
    "description",
    "working_group",
    "kind",
    "budget",
    "funding_source",
    "priority",
    "fiscal_year",
)


async def _plan_with_activities(client: httpx.AsyncClient) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    await make_village(client)
    plan = await make_plan(
        client,
        households_total=100,
        households_contributing_data=80,
        participating_households=75,
        lgo_participated_from_start=True,
        sufficiency_economy_process=True,
    )
    activities = [
        await make_activity(
            client,
            plan["id"],
            title="ฝึกอบรมการทำปุ๋ยหมัก",
            description="บรรทัดแรก\nบรรทัดที่สอง",
            working_group="economy",
            kind="self_reliance",
            budget="2500.50",
            funding_source="กองทุนหมู่บ้าน",
            priority=1,
            fiscal_year=YEAR,
            status="completed",
        ),
        await make_activity(
            client,
            plan["id"],
            title="ซ่อมแซมฝายกั้นน้ำ",
            working_group="social_environment_health",
            kind="external_support",
            budget="120000.00",
            priority=2,
            fiscal_year=YEAR + 1,
            status="in_progress",
        ),
        await make_activity(
            client,
            plan["id"],
            title="ทาสีศาลาประชาคม",
            working_group="administration",
            kind="joint",
            budget="0.00",
            status="planned",
        ),
        await make_activity(
            client,
            plan["id"],
            title="จัดงานประเพณีที่ยกเลิก",
            working_group="education_religion_culture",
            kind="joint",
            budget="8000.00",
            fiscal_year=YEAR,
            status="cancelled",
        ),
    ]
    return plan, activities


def _content(activity: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(activity[k] for k in CONTENT)


async def test_revision_of_the_same_year(client: httpx.AsyncClient) -> None:
    plan, activities = await _plan_with_activities(client)
    source_before = (await get_plan(client, plan["id"])).json()
    response = await client.post(f"{API}/plans/{plan['id']}/revisions", json={})
    assert response.status_code == 201, response.text
    new = response.json()
    assert response.headers["Location"] == f"/api/v1/plans/{new['id']}"
    assert new["id"] != plan["id"]
    assert new["village_code"] == VILLAGE
    assert new["year"] == YEAR
    assert new["revision"] == 2
    assert new["previous_plan_id"] == plan["id"]
    assert new["status"] == "draft"
    for key in (
        "title",
        "households_total",
        "households_contributing_data",
        "participating_households",
        "lgo_participated_from_start",
        "sufficiency_economy_process",
    ):
        assert new[key] == plan[key], key
    assert (await get_plan(client, new["id"])).json() == new

    copied = await plan_activities(client, new["id"])
    assert all(a["plan_id"] == new["id"] for a in copied)
    assert {a["id"] for a in copied}.isdisjoint({a["id"] for a in activities})
    assert sorted((_content(a), a["status"]) for a in copied) == sorted(
        (_content(a), a["status"]) for a in activities
    )
    # The source and its activities are untouched.
    assert (await get_plan(client, plan["id"])).json() == source_before
    assert await plan_activities(client, plan["id"]) == activities


async def test_revision_for_the_next_year(client: httpx.AsyncClient) -> None:
    plan, activities = await _plan_with_activities(client)
    response = await client.post(f"{API}/plans/{plan['id']}/revisions", json={"year": YEAR + 1})
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["year"] == YEAR + 1
    assert new["revision"] == 1
    assert new["previous_plan_id"] == plan["id"]
    assert new["status"] == "draft"
    assert new["households_total"] == plan["households_total"]

    copied = await plan_activities(client, new["id"])
    kept = [a for a in activities if a["status"] != "cancelled"]
    assert len(copied) == len(kept) == 3
    assert all(a["status"] == "planned" for a in copied)
    assert sorted(a["title"] for a in copied) == sorted(a["title"] for a in kept)
    by_title = {a["title"]: a for a in copied}
    for old in kept:
        new_activity = by_title[old["title"]]
        for key in ("description", "working_group", "kind", "budget", "funding_source", "priority"):
            assert new_activity[key] == old[key], key
        assert new_activity["fiscal_year"] == (old["fiscal_year"] + 1 if old["fiscal_year"] else None)
    assert "จัดงานประเพณีที่ยกเลิก" not in by_title
    # The village's listing shows both plans.
    listed = (await client.get(f"{API}/plans", params={"village_code": VILLAGE})).json()["items"]
    assert [(p["id"], p["year"]) for p in listed] == [(plan["id"], YEAR), (new["id"], YEAR + 1)]


async def test_a_second_next_year_plan_is_409(client: httpx.AsyncClient, db: Database) -> None:
    plan, _ = await _plan_with_activities(client)
    first = await client.post(f"{API}/plans/{plan['id']}/revisions", json={"year": YEAR + 1})
    assert first.status_code == 201, first.text
    plans_before, activities_before = await count_rows(db, "plan"), await count_rows(db, "activity")
    assert_problem(await client.post(f"{API}/plans/{plan['id']}/revisions", json={"year": YEAR + 1}), 409)
    assert (await count_rows(db, "plan"), await count_rows(db, "activity")) == (
        plans_before,
        activities_before,
    )


async def test_revising_an_older_revision_is_409(client: httpx.AsyncClient, db: Database) -> None:
    plan, _ = await _plan_with_activities(client)
    second = await client.post(f"{API}/plans/{plan['id']}/revisions", json={})
    assert second.status_code == 201, second.text
    counts = (await count_rows(db, "plan"), await count_rows(db, "activity"))
    assert_problem(await client.post(f"{API}/plans/{plan['id']}/revisions", json={}), 409)
    assert (await count_rows(db, "plan"), await count_rows(db, "activity")) == counts
    # The newest one can be revised.
    third = await client.post(f"{API}/plans/{second.json()['id']}/revisions", json={})
    assert third.status_code == 201, third.text
    assert third.json()["revision"] == 3
    assert third.json()["previous_plan_id"] == second.json()["id"]


async def test_next_years_plan_is_made_from_the_latest_revision_only(
    client: httpx.AsyncClient, db: Database
) -> None:
    # SPEC §2: "the next year's plan from the last one": an older revision is not the last one.
    plan, _ = await _plan_with_activities(client)
    second = await client.post(f"{API}/plans/{plan['id']}/revisions", json={})
    assert second.status_code == 201, second.text
    counts = (await count_rows(db, "plan"), await count_rows(db, "activity"))
    assert_problem(await client.post(f"{API}/plans/{plan['id']}/revisions", json={"year": YEAR + 1}), 409)
    assert (await count_rows(db, "plan"), await count_rows(db, "activity")) == counts


@pytest.mark.parametrize("body", [{}, {"year": YEAR + 1}])
async def test_concurrent_revisions_give_one_201_and_one_409(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any]
) -> None:
    plan, activities = await _plan_with_activities(client)
    responses = await asyncio.gather(
        *(client.post(f"{API}/plans/{plan['id']}/revisions", json=body) for _ in range(2))
    )
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 201).json()
    assert await count_rows(db, "plan") == 2
    copied = len(activities) if not body else len([a for a in activities if a["status"] != "cancelled"])
    assert len(await plan_activities(client, winner["id"])) == copied
    assert await count_rows(db, "activity") == len(activities) + copied


@pytest.mark.parametrize("year", [YEAR + 2, YEAR - 1, 2499, "2570", 2570.0])
async def test_revision_to_another_year_is_422(client: httpx.AsyncClient, db: Database, year: Any) -> None:
    plan, _ = await _plan_with_activities(client)
    counts = (await count_rows(db, "plan"), await count_rows(db, "activity"))
    problem = assert_problem(
        await client.post(f"{API}/plans/{plan['id']}/revisions", json={"year": year}), 422
    )
    assert fields(problem) == ["year"]
    assert (await count_rows(db, "plan"), await count_rows(db, "activity")) == counts


async def test_revision_of_an_unknown_plan_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(f"{API}/plans/999999/revisions", json={}), 404)


async def test_a_submitted_plan_can_be_reviewed_into_a_new_draft(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    plan, _ = await _plan_with_activities(client)
    await submit(app, db, plan["id"])
    response = await client.post(f"{API}/plans/{plan['id']}/revisions", json={"year": YEAR + 1})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft"
    assert (await get_plan(client, plan["id"])).json()["status"] == "submitted"
