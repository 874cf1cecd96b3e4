"""Assessments: quality computed from the plan's own data (6 indicators, rubric quality-2553), standard
certification from the assessors' scores (5 indicators, rubric standard-2553), their listing and scope."""

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
make_village = functools.partial(helpers.make_village, households=10)
YEAR = 2569

QUALITY_KEYS = [
    "household_data",
    "plan_book",
    "participation",
    "lgo_from_start",
    "sufficiency_economy",
    "self_reliance",
]
STANDARD_KEYS = ["sufficiency_economy", "participation", "learning", "plan_use", "plan_structure"]
SPEC_SCORES = {
    "sufficiency_economy": 18,
    "participation": 17,
    "learning": 16,
    "plan_use": 15,
    "plan_structure": 18,
}


# --- helpers -----------------------------------------------------------------------------------------


async def make_plan(
    client: httpx.AsyncClient,
    *,
    village: str = VILLAGE,
    activities: list[tuple[str, str]] = (),  # type: ignore[assignment]
    **fields_: Any,
) -> dict[str, Any]:
    """A plan with the given fields and activities, each given as (kind, status)."""
    response = await client.post(f"{API}/plans", json={"village_code": village, "year": YEAR, **fields_})
    assert response.status_code == 201, response.text
    plan = dict(response.json())
    for i, (kind, status) in enumerate(activities):
        created = await client.post(
            f"{API}/plans/{plan['id']}/activities",
            json={
                "title": f"กิจกรรมที่ {i + 1}",
                "working_group": "economy",
                "kind": kind,
                "status": status,
                "budget": "1000.00",
            },
        )
        assert created.status_code == 201, created.text
    return plan


async def assess(client: httpx.AsyncClient, plan_id: int, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{API}/plans/{plan_id}/assessments", json=body)


async def quality(client: httpx.AsyncClient, plan_id: int) -> dict[str, Any]:
    response = await assess(client, plan_id, {"kind": "quality"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def standard(client: httpx.AsyncClient, plan_id: int, scores: dict[str, Any]) -> dict[str, Any]:
    response = await assess(client, plan_id, {"kind": "standard", "scores": scores})
    assert response.status_code == 201, response.text
    return dict(response.json())


def indicator(result: dict[str, Any], key: str) -> dict[str, Any]:
    (found,) = [i for i in result["indicators"] if i["key"] == key]
    return dict(found)


def part(ind: dict[str, Any], key: str) -> dict[str, Any]:
    (found,) = [p for p in ind["parts"] if p["key"] == key]
    return dict(found)


def activities(total: int, self_reliance: int, completed: int) -> list[tuple[str, str]]:
    """`total` activities, `self_reliance` of them self-reliance, `completed` of those completed."""
    rows = [("self_reliance", "completed")] * completed
    rows += [("self_reliance", "planned")] * (self_reliance - completed)
    rows += [("joint", "completed")] * (total - self_reliance)
    return rows


ALL_PASS: dict[str, Any] = {
    "households_total": 10,
    "households_contributing_data": 7,
    "participating_households": 7,
    "lgo_participated_from_start": True,
    "sufficiency_economy_process": True,
    "book_file_ref": "ตู้เอกสาร ศาลาหมู่บ้าน",
}


# --- quality: the answer -----------------------------------------------------------------------------


async def test_quality_answer_shape(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, activities=activities(10, 3, 1), **ALL_PASS)
    response = await assess(client, plan["id"], {"kind": "quality"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["plan_id"] == plan["id"]
    assert body["kind"] == "quality"
    assert body["rubric_id"] == "quality-2553"
    assert body["rubric_version"] == 1
    assert [i["key"] for i in body["indicators"]] == QUALITY_KEYS
    for ind in body["indicators"]:
        assert {"key", "value", "passed"} <= set(ind)
        assert ind["label_th"]
        assert ind["passed"] is True
    assert body["passed_count"] == 6
    assert body["grade"] == "A"
    assert body["total"] is None
    assert body["level"] is None
    assert body["assessed_by"]
    assert body["created_at"]
    assert response.headers["Location"] == f"/api/v1/assessments/{body['id']}"
    fetched = await client.get(f"{API}/assessments/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


# --- quality: indicators 1 and 3 (households) --------------------------------------------------------


@pytest.mark.parametrize(
    "field, key",
    [("households_contributing_data", "household_data"), ("participating_households", "participation")],
)
@pytest.mark.parametrize(
    "count, value, passed", [(7, 70, True), (6, 60, False), (10, 100, True), (0, 0, False)]
)
async def test_household_shares_at_the_70_percent_edge(
    client: httpx.AsyncClient, field: str, key: str, count: int, value: float, passed: bool
) -> None:
    await make_village(client)
    plan = await make_plan(client, households_total=10, **{field: count})
    ind = indicator(await quality(client, plan["id"]), key)
    assert ind["value"] == value
    assert ind["threshold"] == 70
    assert ind["passed"] is passed


async def test_share_edge_without_float_rounding(client: httpx.AsyncClient) -> None:
    # 70 of 100 passes; 699 of 1000 does not, though it rounds to 70 % at one decimal place.
    await make_village(client, households=1000)
    plan = await make_plan(client, households_total=1000, households_contributing_data=699)
    ind = indicator(await quality(client, plan["id"]), "household_data")
    assert ind["passed"] is False
    assert ind["value"] == pytest.approx(69.9)


async def test_zero_households_fail_with_null_values_not_500(client: httpx.AsyncClient) -> None:
    await make_village(client, households=0)
    plan = await make_plan(client, activities=activities(10, 3, 1))
    assert plan["households_total"] == 0
    result = await quality(client, plan["id"])
    for key in ("household_data", "participation"):
        ind = indicator(result, key)
        assert ind["value"] is None
        assert ind["passed"] is False
    assert indicator(result, "self_reliance")["passed"] is True


# --- quality: indicator 6 (self-reliance) ------------------------------------------------------------


async def test_no_activities_fails_self_reliance_with_null(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, **ALL_PASS)
    result = await quality(client, plan["id"])
    ind = indicator(result, "self_reliance")
    assert ind["value"] is None
    assert ind["passed"] is False
    assert result["passed_count"] == 5
    assert result["grade"] == "B"


async def test_three_of_ten_self_reliance_one_completed_passes(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, activities=activities(10, 3, 1))
    ind = indicator(await quality(client, plan["id"]), "self_reliance")
    assert ind["passed"] is True
    assert part(ind, "share")["value"] == 30
    assert part(ind, "share")["threshold"] == 30
    assert part(ind, "share")["passed"] is True
    assert part(ind, "completed_share")["value"] == pytest.approx(33.33, abs=0.01)
    assert part(ind, "completed_share")["threshold"] == 30
    assert part(ind, "completed_share")["passed"] is True


async def test_none_of_the_self_reliance_completed_fails(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, activities=activities(10, 3, 0))
    ind = indicator(await quality(client, plan["id"]), "self_reliance")
    assert ind["passed"] is False
    assert part(ind, "share")["passed"] is True
    assert part(ind, "completed_share")["value"] == 0
    assert part(ind, "completed_share")["passed"] is False


async def test_too_few_self_reliance_activities_fails(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, activities=activities(10, 2, 2))
    ind = indicator(await quality(client, plan["id"]), "self_reliance")
    assert ind["passed"] is False
    assert part(ind, "share")["value"] == 20
    assert part(ind, "share")["passed"] is False
    assert part(ind, "completed_share")["passed"] is True


async def test_cancelled_activities_do_not_count(client: httpx.AsyncClient) -> None:
    # 6 joint + 3 self-reliance (1 completed) + 1 cancelled self-reliance + 2 cancelled joint:
    # counted, the cancelled ones would make 4/12 self-reliance with 1/4 = 25 % completed (fail);
    # without them it is 3/9 = 33.33 % with 1/3 = 33.33 % completed (pass).
    await make_village(client)
    cancelled = [("self_reliance", "cancelled"), ("joint", "cancelled"), ("joint", "cancelled")]
    rows = [*activities(9, 3, 1), *cancelled]
    plan = await make_plan(client, activities=rows)
    ind = indicator(await quality(client, plan["id"]), "self_reliance")
    assert part(ind, "share")["value"] == pytest.approx(33.33, abs=0.01)
    assert part(ind, "completed_share")["value"] == pytest.approx(33.33, abs=0.01)
    assert ind["passed"] is True


async def test_only_cancelled_activities_is_like_none(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, activities=[("self_reliance", "cancelled")] * 3)
    ind = indicator(await quality(client, plan["id"]), "self_reliance")
    assert ind["value"] is None
    assert ind["passed"] is False


async def test_self_reliance_without_any_completed_part_is_null_not_500(client: httpx.AsyncClient) -> None:
    # No self-reliance activity at all: the completed share has nothing to divide by.
    await make_village(client)
    plan = await make_plan(client, activities=[("joint", "completed")] * 4)
    ind = indicator(await quality(client, plan["id"]), "self_reliance")
    assert part(ind, "share")["value"] == 0
    assert part(ind, "completed_share")["value"] is None
    assert ind["passed"] is False


# --- quality: flags ----------------------------------------------------------------------------------


async def test_plan_book_passes_when_a_book_is_on_file(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client)
    assert indicator(await quality(client, plan["id"]), "plan_book")["passed"] is False
    patched = await client.patch(f"{API}/plans/{plan['id']}", json={"book_file_ref": "/scans/84010101.pdf"})
    assert patched.status_code == 200, patched.text
    assert indicator(await quality(client, plan["id"]), "plan_book")["passed"] is True


@pytest.mark.parametrize(
    "field, key",
    [
        ("lgo_participated_from_start", "lgo_from_start"),
        ("sufficiency_economy_process", "sufficiency_economy"),
    ],
)
@pytest.mark.parametrize("flag", [True, False])
async def test_flags(client: httpx.AsyncClient, field: str, key: str, flag: bool) -> None:
    await make_village(client)
    plan = await make_plan(client, **{field: flag})
    ind = indicator(await quality(client, plan["id"]), key)
    assert ind["passed"] is flag
    assert ind["value"] is flag


# --- quality: grades ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "drop, passed_count, grade",
    [
        ([], 6, "A"),
        (["book_file_ref"], 5, "B"),
        (["book_file_ref", "lgo_participated_from_start"], 4, "B"),
        (["book_file_ref", "lgo_participated_from_start", "sufficiency_economy_process"], 3, "C"),
        (list(ALL_PASS), 0, "C"),
    ],
)
async def test_grades(client: httpx.AsyncClient, drop: list[str], passed_count: int, grade: str) -> None:
    await make_village(client)
    plan_fields = {k: v for k, v in ALL_PASS.items() if k not in drop}
    rows = [] if "households_total" in drop else activities(10, 3, 1)
    if "households_total" in drop:
        plan_fields["households_total"] = 0
    plan = await make_plan(client, activities=rows, **plan_fields)
    result = await quality(client, plan["id"])
    assert result["passed_count"] == passed_count
    assert sum(i["passed"] for i in result["indicators"]) == passed_count
    assert result["grade"] == grade


async def test_quality_follows_the_plans_current_data(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client, households_total=10, households_contributing_data=6)
    before = await quality(client, plan["id"])
    assert indicator(before, "household_data")["passed"] is False
    patched = await client.patch(f"{API}/plans/{plan['id']}", json={"households_contributing_data": 7})
    assert patched.status_code == 200, patched.text
    after = await quality(client, plan["id"])
    assert indicator(after, "household_data")["passed"] is True
    # The earlier assessment is a record: it does not change.
    assert (await client.get(f"{API}/assessments/{before['id']}")).json() == before


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "quality", "scores": SPEC_SCORES},
        {"kind": "quality", "scores": {}},
    ],
)
async def test_quality_with_scores_is_422(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any]
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    problem = assert_problem(await assess(client, plan["id"], body), 422)
    assert fields(problem) == ["scores"]
    assert await count_rows(db, "assessment") == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "kind"),
        ({"kind": "excellence"}, "kind"),
        ({"kind": None}, "kind"),
        ({"kind": "quality", "grade": "A"}, "grade"),
        ({"kind": "quality", "indicators": []}, "indicators"),
    ],
)
async def test_bad_assessment_body_is_422(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any], field: str
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    problem = assert_problem(await assess(client, plan["id"], body), 422)
    assert field in fields(problem)
    assert await count_rows(db, "assessment") == 0


async def test_assessing_an_unknown_plan_is_404(client: httpx.AsyncClient, db: Database) -> None:
    assert_problem(await assess(client, 999999, {"kind": "quality"}), 404)
    assert_problem(await assess(client, 999999, {"kind": "standard", "scores": SPEC_SCORES}), 404)
    assert await count_rows(db, "assessment") == 0


# --- standard ----------------------------------------------------------------------------------------


async def test_standard_example_from_the_spec(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client)
    response = await assess(client, plan["id"], {"kind": "standard", "scores": SPEC_SCORES})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "standard"
    assert body["rubric_id"] == "standard-2553"
    assert body["rubric_version"] == 1
    assert body["total"] == 84
    assert body["level"] == "excellent"
    assert body["grade"] is None
    assert [i["key"] for i in body["indicators"]] == STANDARD_KEYS
    for ind in body["indicators"]:
        assert ind["value"] == SPEC_SCORES[ind["key"]]
        assert ind["max"] == 20
        assert ind["passed"] is True
    assert body["passed_count"] == 5
    assert response.headers["Location"] == f"/api/v1/assessments/{body['id']}"
    assert (await client.get(f"{API}/assessments/{body['id']}")).json() == body


@pytest.mark.parametrize(
    "scores, total, level",
    [
        ({k: 20 for k in STANDARD_KEYS}, 100, "excellent"),
        ({k: 16 for k in STANDARD_KEYS}, 80, "excellent"),
        ({**{k: 16 for k in STANDARD_KEYS}, "plan_use": 15}, 79, "good"),
        ({k: 12 for k in STANDARD_KEYS}, 60, "good"),
        ({**{k: 12 for k in STANDARD_KEYS}, "learning": 11}, 59, "not_certified"),
        ({k: 0 for k in STANDARD_KEYS}, 0, "not_certified"),
    ],
)
async def test_standard_levels(
    client: httpx.AsyncClient, scores: dict[str, int], total: int, level: str
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    result = await standard(client, plan["id"], scores)
    assert result["total"] == total
    assert result["level"] == level


@pytest.mark.parametrize("score", [21, -1, 18.5, "18", True, None, [18], 10**30])
async def test_score_out_of_range_or_not_an_int_is_422_naming_the_key(
    client: httpx.AsyncClient, db: Database, score: Any
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    scores = {**SPEC_SCORES, "learning": score}
    problem = assert_problem(await assess(client, plan["id"], {"kind": "standard", "scores": scores}), 422)
    assert fields(problem) == ["scores.learning"]
    assert await count_rows(db, "assessment") == 0


async def test_score_as_raw_json_float_is_422(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    raw = json.dumps({"kind": "standard", "scores": {**SPEC_SCORES, "plan_use": 15.0}})
    response = await client.post(
        f"{API}/plans/{plan['id']}/assessments", content=raw, headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422)
    assert fields(problem) == ["scores.plan_use"]
    assert await count_rows(db, "assessment") == 0


async def test_missing_indicator_is_422(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    scores = {k: v for k, v in SPEC_SCORES.items() if k != "plan_use"}
    problem = assert_problem(await assess(client, plan["id"], {"kind": "standard", "scores": scores}), 422)
    assert fields(problem) == ["scores.plan_use"]
    assert await count_rows(db, "assessment") == 0


async def test_unknown_indicator_is_422(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    scores = {**SPEC_SCORES, "beauty": 10}
    problem = assert_problem(await assess(client, plan["id"], {"kind": "standard", "scores": scores}), 422)
    assert fields(problem) == ["scores.beauty"]
    assert await count_rows(db, "assessment") == 0


async def test_several_bad_scores_are_reported_together(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    scores = {"sufficiency_economy": 25, "participation": -3, "learning": 16, "plan_use": 15}
    problem = assert_problem(await assess(client, plan["id"], {"kind": "standard", "scores": scores}), 422)
    assert set(fields(problem)) == {
        "scores.sufficiency_economy",
        "scores.participation",
        "scores.plan_structure",
    }
    assert await count_rows(db, "assessment") == 0


@pytest.mark.parametrize("body", [{"kind": "standard"}, {"kind": "standard", "scores": None}])
async def test_standard_without_scores_is_422(
    client: httpx.AsyncClient, db: Database, body: dict[str, Any]
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    problem = assert_problem(await assess(client, plan["id"], body), 422)
    assert fields(problem) == ["scores"]
    assert await count_rows(db, "assessment") == 0


async def test_standard_with_empty_scores_is_422_naming_each_indicator(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    problem = assert_problem(await assess(client, plan["id"], {"kind": "standard", "scores": {}}), 422)
    assert set(fields(problem)) == {f"scores.{k}" for k in STANDARD_KEYS}
    assert await count_rows(db, "assessment") == 0


# --- listing and reading -----------------------------------------------------------------------------


async def test_plan_assessments_newest_first(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client)
    other = await make_plan(client, year=YEAR + 1)
    made = [
        await quality(client, plan["id"]),
        await standard(client, plan["id"], SPEC_SCORES),
        await quality(client, plan["id"]),
        await standard(client, plan["id"], {k: 12 for k in STANDARD_KEYS}),
    ]
    await quality(client, other["id"])
    response = await client.get(f"{API}/plans/{plan['id']}/assessments")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == list(reversed(made))
    assert body["next_cursor"] is None

    # Paginated, still newest first, with nothing repeated or skipped.
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"{API}/plans/{plan['id']}/assessments", params=params)).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [a["id"] for a in reversed(made)]


async def test_a_plan_without_assessments_lists_none(client: httpx.AsyncClient) -> None:
    await make_village(client)
    plan = await make_plan(client)
    response = await client.get(f"{API}/plans/{plan['id']}/assessments")
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
    assert_problem(await client.get(f"{API}/plans/999999/assessments"), 404)


async def test_unknown_assessment_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/assessments/999999"), 404)


async def test_assessments_go_with_their_plan(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    made = await quality(client, plan["id"])
    assert (await client.delete(f"{API}/plans/{plan['id']}")).status_code == 204
    assert_problem(await client.get(f"{API}/assessments/{made['id']}"), 404)
    assert await count_rows(db, "assessment") == 0


# --- scope -------------------------------------------------------------------------------------------


async def test_out_of_scope_callers_get_404(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client, "84010101")
    await make_village(client, "84050301")
    plan = await make_plan(client)
    made = await quality(client, plan["id"])
    for role, scope in (
        (Role.village_committee, "84050301"),
        (Role.district_officer, "8405"),
        (Role.provincial_officer, "50"),
    ):
        async with caller(app, db, role, scope) as outsider:
            assert_problem(await outsider.get(f"{API}/assessments/{made['id']}"), 404)
            assert_problem(await outsider.get(f"{API}/plans/{plan['id']}/assessments"), 404)
            assert_problem(await assess(outsider, plan["id"], {"kind": "quality"}), 404)
            assert_problem(
                await assess(outsider, plan["id"], {"kind": "standard", "scores": SPEC_SCORES}), 404
            )
    assert await count_rows(db, "assessment") == 1


async def test_in_scope_callers_assess_and_read(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    plan = await make_plan(client)
    for role, scope in (
        (Role.village_committee, VILLAGE),
        (Role.district_officer, "8401"),
        (Role.provincial_officer, "84"),
    ):
        async with caller(app, db, role, scope) as insider:
            made = await quality(insider, plan["id"])
            assert (await insider.get(f"{API}/assessments/{made['id']}")).json() == made
            listed = (await insider.get(f"{API}/plans/{plan['id']}/assessments")).json()["items"]
            assert listed[0] == made
    assert await count_rows(db, "assessment") == 3


# --- rubrics -----------------------------------------------------------------------------------------


async def test_rubrics_are_listed_with_their_thresholds(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/rubrics")
    assert response.status_code == 200, response.text
    rubrics = {r["id"]: r for r in response.json()["items"]}
    assert {"quality-2553", "standard-2553"} <= set(rubrics)

    q = rubrics["quality-2553"]
    assert q["kind"] == "quality"
    assert q["version"] == 1
    assert [i["key"] for i in q["indicators"]] == QUALITY_KEYS
    by_key = {i["key"]: i for i in q["indicators"]}
    assert by_key["household_data"]["threshold_percent"] == 70
    assert by_key["participation"]["threshold_percent"] == 70
    assert [p["threshold_percent"] for p in by_key["self_reliance"]["parts"]] == [30, 30]
    assert {g["grade"]: g["min_passed"] for g in q["grades"]} == {"A": 6, "B": 4, "C": 0}

    s = rubrics["standard-2553"]
    assert s["kind"] == "standard"
    assert s["version"] == 1
    assert [i["key"] for i in s["indicators"]] == STANDARD_KEYS
    assert all(i["max"] == 20 for i in s["indicators"])
    assert {lv["level"]: lv["min_total"] for lv in s["levels"]} == {
        "excellent": 80,
        "good": 60,
        "not_certified": 0,
    }


async def test_rubrics_are_readable_by_every_role(app: Any, db: Database) -> None:
    for role, scope in (
        (Role.village_committee, VILLAGE),
        (Role.district_officer, "8401"),
        (Role.lgo_planner, "6840101"),
        (Role.provincial_officer, "84"),
    ):
        async with caller(app, db, role, scope) as c:
            response = await c.get(f"{API}/rubrics")
            assert response.status_code == 200, response.text
            assert {r["id"] for r in response.json()["items"]} >= {"quality-2553", "standard-2553"}


async def test_a_local_government_planner_cannot_assess(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client)
    plan = await make_plan(client)
    async with caller(app, db, Role.lgo_planner, "6840101") as planner:
        assert_problem(await assess(planner, plan["id"], {"kind": "quality"}), 403)
    assert await count_rows(db, "assessment") == 0
