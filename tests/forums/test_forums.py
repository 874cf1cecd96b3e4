"""District forums (เวทีประชาคมอำเภอ): recorded by the district, read within scope, validated (counts, dates,
districts, proposed plans), updated with If-Match, created once per Idempotency-Key."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.db import Database
from app.forums.service import fiscal_year_of, today
from tests.helpers import ClientAs, assert_problem, caller, count_rows, fields

API = "/api/v1"
# Surat Thani (84): Mueang (8401) and Kanchanadit (8402); Chiang Mai (50): Mueang (5001).
DISTRICT, OTHER_DISTRICT, FAR_DISTRICT = "8401", "8402", "5001"
VILLAGE, OTHER_VILLAGE, FAR_VILLAGE = "84010101", "84020101", "50010101"
LGO = "6840101"


def forum_body(**overrides: Any) -> dict[str, Any]:
    return {
        "district_code": DISTRICT,
        "date": "2026-03-15",
        "title": "เวทีประชาคมอำเภอ ครั้งที่ 1/2569",
        "agenda": "ทบทวนการส่งเสริมกระบวนการแผนชุมชน\nเสนอแผนชุมชนให้จังหวัดรับรองมาตรฐาน",
        "support_team_count": 20,
        "village_representative_count": 35,
        "outcomes": "เสนอแผน 1 หมู่บ้าน",
        **overrides,
    }


async def make_plan(client: httpx.AsyncClient, village: str) -> int:
    lgo = {
        "code": LGO,
        "name_th": "อบต.ตลาด",
        "kind": "subdistrict_administration",
        "province_code": "84",
        "subdistrict_codes": ["840101"],
    }
    await client.post(f"{API}/local-governments", json=lgo)
    body: dict[str, Any] = {"code": village, "name_th": "บ้านทดสอบ", "households": 10}
    if village.startswith("840101"):
        body["local_government_code"] = LGO
    assert (await client.post(f"{API}/villages", json=body)).status_code == 201
    plan = await client.post(f"{API}/plans", json={"village_code": village, "year": 2569})
    assert plan.status_code == 201, plan.text
    return int(plan.json()["id"])


@pytest.fixture
async def officer(client_as: ClientAs) -> httpx.AsyncClient:
    return await client_as(Role.district_officer, DISTRICT)


# --- recording a forum -------------------------------------------------------------------------------


async def test_a_district_officer_records_a_forum_with_proposed_plans(
    client: httpx.AsyncClient, officer: httpx.AsyncClient
) -> None:
    plan_a = await make_plan(client, VILLAGE)
    plan_b = await make_plan(client, "84010102")
    response = await officer.post(f"{API}/forums", json=forum_body(plan_ids=[plan_b, plan_a]))
    assert response.status_code == 201, response.text
    forum = response.json()
    assert response.headers["Location"] == f"{API}/forums/{forum['id']}"
    assert response.headers["ETag"]
    assert forum["district_code"] == DISTRICT and forum["province_code"] == "84"
    assert forum["date"] == "2026-03-15" and forum["fiscal_year"] == 2569
    assert forum["support_team_count"] == 20 and forum["village_representative_count"] == 35
    assert forum["meets_participation_target"] is True
    assert forum["plan_ids"] == sorted([plan_a, plan_b])
    assert forum["plans"] == [{"id": i, "href": f"{API}/plans/{i}"} for i in sorted([plan_a, plan_b])]
    assert forum["agenda"].count("\n") == 1

    fetched = await officer.get(f"{API}/forums/{forum['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == forum
    assert fetched.headers["ETag"] == response.headers["ETag"]


@pytest.mark.parametrize(
    ("date", "fiscal_year"),
    [("2025-09-30", 2568), ("2025-10-01", 2569), ("2026-09-30", 2569), ("2026-10-01", 2570)],
)
async def test_forums_count_towards_the_thai_fiscal_year(
    client: httpx.AsyncClient, date: str, fiscal_year: int
) -> None:
    if dt.date.fromisoformat(date) > today() + dt.timedelta(days=365):
        pytest.skip("date is more than a year ahead of the clock")
    response = await client.post(f"{API}/forums", json=forum_body(date=date))
    assert response.status_code == 201, response.text
    assert response.json()["fiscal_year"] == fiscal_year == fiscal_year_of(dt.date.fromisoformat(date))


async def test_short_of_the_target_group(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/forums", json=forum_body(support_team_count=19, village_representative_count=40)
    )
    assert response.status_code == 201
    assert response.json()["meets_participation_target"] is False


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "bad_fields"),
    [
        ({"support_team_count": -1}, ["support_team_count"]),
        ({"village_representative_count": -5, "support_team_count": -1}, None),
        ({"support_team_count": "20"}, ["support_team_count"]),
        ({"support_team_count": 2.5}, ["support_team_count"]),
        ({"district_code": "84011"}, ["district_code"]),
        ({"date": "15/03/2569"}, ["date"]),
        ({"date": "2026-02-30"}, ["date"]),
        ({"title": ""}, ["title"]),
        ({"title": "เวที\x00"}, ["title"]),
        ({"plan_ids": [0]}, ["plan_ids.0"]),
        ({"plan_ids": "1,2"}, ["plan_ids"]),
        ({"colour": "red"}, ["colour"]),
    ],
)
async def test_invalid_fields_are_422(
    client: httpx.AsyncClient, db: Database, overrides: dict[str, Any], bad_fields: list[str] | None
) -> None:
    body = assert_problem(await client.post(f"{API}/forums", json=forum_body(**overrides)), 422)
    if bad_fields is None:
        assert set(fields(body)) == {"support_team_count", "village_representative_count"}
    else:
        assert fields(body) == bad_fields
    assert await count_rows(db, "forum") == 0


async def test_a_date_more_than_a_year_ahead_is_refused_in_thai(client: httpx.AsyncClient) -> None:
    too_far = today() + dt.timedelta(days=367)
    response = await client.post(
        f"{API}/forums", json=forum_body(date=too_far.isoformat()), headers={"Accept-Language": "th"}
    )
    body = assert_problem(response, 422)
    assert fields(body) == ["date"]
    assert "หนึ่งปี" in body["errors"][0]["message"]
    # Planning the next forum months ahead is fine.
    soon = today() + dt.timedelta(days=300)
    assert (await client.post(f"{API}/forums", json=forum_body(date=soon.isoformat()))).status_code == 201


async def test_a_date_before_the_buddhist_era_range_is_refused(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post(f"{API}/forums", json=forum_body(date="1900-01-01")), 422)
    assert fields(body) == ["date"]


async def test_an_unknown_district_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/forums", json=forum_body(district_code="8499"), headers={"Accept-Language": "th"}
    )
    body = assert_problem(response, 422)
    assert fields(body) == ["district_code"]
    assert "8499" in body["errors"][0]["message"] and "อำเภอ" in body["errors"][0]["message"]


async def test_proposed_plans_must_exist_be_visible_and_be_the_districts(
    client: httpx.AsyncClient, officer: httpx.AsyncClient, db: Database
) -> None:
    own = await make_plan(client, VILLAGE)
    other_district = await make_plan(client, OTHER_VILLAGE)
    far = await make_plan(client, FAR_VILLAGE)
    body = forum_body(plan_ids=[own, other_district, 987654, own])
    problem = assert_problem(await client.post(f"{API}/forums", json=body), 422)
    assert fields(problem) == ["plan_ids.1", "plan_ids.2", "plan_ids.3"]
    messages = [e["message"] for e in problem["errors"]]
    assert OTHER_DISTRICT in messages[0] and DISTRICT in messages[0]
    assert "987654" in messages[1] and "does not exist" in messages[1]
    assert str(own) in messages[2] and "more than once" in messages[2]
    # To the district officer, a plan of another district reads exactly like one that does not exist.
    problem = assert_problem(
        await officer.post(f"{API}/forums", json=forum_body(plan_ids=[far, other_district, 987654])), 422
    )
    assert [e["message"] for e in problem["errors"]] == [
        f"Plan {i} does not exist." for i in (far, other_district, 987654)
    ]
    assert await count_rows(db, "forum") == 0
    assert await count_rows(db, "forum_plan") == 0


# --- access ------------------------------------------------------------------------------------------


async def test_who_may_record_forums(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    cases = [
        (Role.district_officer, DISTRICT, DISTRICT, 201),
        (Role.district_officer, DISTRICT, OTHER_DISTRICT, 403),
        (Role.provincial_officer, "84", DISTRICT, 403),
        (Role.village_committee, VILLAGE, DISTRICT, 403),
        (Role.lgo_planner, LGO, DISTRICT, 403),
        (Role.admin, None, FAR_DISTRICT, 201),
    ]
    for role, scope, district, expected in cases:
        async with caller(app, db, role, scope) as c:
            response = await c.post(f"{API}/forums", json=forum_body(district_code=district))
            assert response.status_code == expected, (role, district, response.text)
    assert await count_rows(db, "forum") == 2


async def test_reads_are_scoped(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await make_plan(client, VILLAGE)  # makes the local government covering 840101
    ids = {}
    for district in (DISTRICT, OTHER_DISTRICT, FAR_DISTRICT):
        response = await client.post(f"{API}/forums", json=forum_body(district_code=district))
        ids[district] = response.json()["id"]
    sees = {
        (Role.provincial_officer, "84"): {DISTRICT, OTHER_DISTRICT},
        (Role.district_officer, DISTRICT): {DISTRICT},
        (Role.village_committee, VILLAGE): {DISTRICT},
        (Role.lgo_planner, LGO): {DISTRICT},
        (Role.admin, None): {DISTRICT, OTHER_DISTRICT, FAR_DISTRICT},
    }
    for (role, scope), visible in sees.items():
        async with caller(app, db, role, scope) as c:
            listed = (await c.get(f"{API}/forums")).json()["items"]
            assert {f["district_code"] for f in listed} == visible, role
            for district, forum_id in ids.items():
                expected = 200 if district in visible else 404
                assert (await c.get(f"{API}/forums/{forum_id}")).status_code == expected, (role, district)


# --- updating ----------------------------------------------------------------------------------------


async def test_update_with_if_match(client: httpx.AsyncClient, officer: httpx.AsyncClient) -> None:
    plan_a = await make_plan(client, VILLAGE)
    plan_b = await make_plan(client, "84010102")
    created = await officer.post(f"{API}/forums", json=forum_body(plan_ids=[plan_a]))
    forum_id, etag = created.json()["id"], created.headers["ETag"]

    stale = await officer.patch(
        f"{API}/forums/{forum_id}", json={"outcomes": "x"}, headers={"If-Match": '"1-0"'}
    )
    assert_problem(stale, 412)

    response = await officer.patch(
        f"{API}/forums/{forum_id}",
        json={"date": "2025-10-20", "plan_ids": [plan_b], "agenda": None, "village_representative_count": 30},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    forum = response.json()
    assert response.headers["ETag"] != etag
    assert forum["date"] == "2025-10-20" and forum["fiscal_year"] == 2569
    assert forum["plan_ids"] == [plan_b]
    assert forum["agenda"] is None and forum["outcomes"] == "เสนอแผน 1 หมู่บ้าน"
    assert forum["village_representative_count"] == 30 and forum["meets_participation_target"] is False
    assert (await officer.get(f"{API}/forums/{forum_id}")).json() == forum

    # The ETag read before the change is stale now.
    again = await officer.patch(f"{API}/forums/{forum_id}", json={"title": "x"}, headers={"If-Match": etag})
    assert_problem(again, 412)


@pytest.mark.parametrize(
    ("patch", "bad_fields"),
    [
        ({"title": None}, ["title"]),
        ({"support_team_count": -3}, ["support_team_count"]),
        ({"plan_ids": None}, ["plan_ids"]),
        ({"district_code": "8499"}, ["district_code"]),
        ({"date": "2099-01-01"}, ["date"]),
        ({"plan_ids": [123456]}, ["plan_ids.0"]),
    ],
)
async def test_invalid_updates_change_nothing(
    client: httpx.AsyncClient, patch: dict[str, Any], bad_fields: list[str]
) -> None:
    created = (await client.post(f"{API}/forums", json=forum_body())).json()
    response = await client.patch(f"{API}/forums/{created['id']}", json=patch)
    assert fields(assert_problem(response, 422)) == bad_fields
    assert (await client.get(f"{API}/forums/{created['id']}")).json() == created


async def test_moving_a_forum_to_another_district_checks_its_plans(client: httpx.AsyncClient) -> None:
    plan = await make_plan(client, VILLAGE)
    created = (await client.post(f"{API}/forums", json=forum_body(plan_ids=[plan]))).json()
    moved = await client.patch(f"{API}/forums/{created['id']}", json={"district_code": OTHER_DISTRICT})
    assert fields(assert_problem(moved, 422)) == ["plan_ids.0"]
    moved = await client.patch(
        f"{API}/forums/{created['id']}", json={"district_code": FAR_DISTRICT, "plan_ids": []}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["district_code"] == FAR_DISTRICT and moved.json()["province_code"] == "50"


async def test_an_officer_cannot_touch_another_districts_forum(
    client: httpx.AsyncClient, officer: httpx.AsyncClient
) -> None:
    other = (await client.post(f"{API}/forums", json=forum_body(district_code=OTHER_DISTRICT))).json()
    assert_problem(await officer.patch(f"{API}/forums/{other['id']}", json={"title": "x"}), 404)
    own = (await officer.post(f"{API}/forums", json=forum_body())).json()
    moved = await officer.patch(f"{API}/forums/{own['id']}", json={"district_code": OTHER_DISTRICT})
    assert_problem(moved, 403)
    assert (await client.get(f"{API}/forums/{other['id']}")).json()["title"] == other["title"]


# --- idempotency, lists, plan deletion ---------------------------------------------------------------


async def test_idempotent_creation(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"Idempotency-Key": "forum-2569-1"}
    first = await client.post(f"{API}/forums", json=forum_body(), headers=headers)
    second = await client.post(f"{API}/forums", json=forum_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert await count_rows(db, "forum") == 1
    reused = await client.post(f"{API}/forums", json=forum_body(title="อื่น"), headers=headers)
    assert_problem(reused, 422)


async def test_list_newest_first_with_filters_and_cursor(client: httpx.AsyncClient) -> None:
    plan = await make_plan(client, VILLAGE)
    dates = ["2025-11-01", "2026-03-01", "2026-03-01", "2024-12-01", "2026-11-01"]
    made = []
    for i, date in enumerate(dates):
        if dt.date.fromisoformat(date) > today() + dt.timedelta(days=365):
            continue
        body = forum_body(date=date, plan_ids=[plan] if i == 1 else [])
        made.append((date, (await client.post(f"{API}/forums", json=body)).json()["id"]))
    await client.post(f"{API}/forums", json=forum_body(district_code=OTHER_DISTRICT))
    expected = [i for _, i in sorted(made, key=lambda m: (m[0], m[1]), reverse=True)]

    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"district_code": DISTRICT, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"{API}/forums", params=params)).json()
        seen += [f["id"] for f in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected

    fy = (await client.get(f"{API}/forums", params={"fiscal_year": 2569, "district_code": DISTRICT})).json()
    assert {f["date"] for f in fy["items"]} == {"2025-11-01", "2026-03-01"}
    by_plan = (await client.get(f"{API}/forums", params={"plan_id": plan})).json()["items"]
    assert [f["plan_ids"] for f in by_plan] == [[plan]]
    assert_problem(await client.get(f"{API}/forums", params={"fiscal_year": 1999}), 422)


async def test_a_deleted_draft_plan_leaves_the_forum(client: httpx.AsyncClient) -> None:
    plan = await make_plan(client, VILLAGE)
    forum = (await client.post(f"{API}/forums", json=forum_body(plan_ids=[plan]))).json()
    assert (await client.delete(f"{API}/plans/{plan}")).status_code == 204
    assert (await client.get(f"{API}/forums/{forum['id']}")).json()["plan_ids"] == []


async def test_forums_need_credentials(anon: httpx.AsyncClient) -> None:
    assert_problem(await anon.get(f"{API}/forums"), 401)
    assert_problem(await anon.post(f"{API}/forums", json=forum_body()), 401)
