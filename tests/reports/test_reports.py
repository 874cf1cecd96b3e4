"""The progress report: figures checked against plans, revisions, activities, assessments, workflow steps,
adoptions and forums made through the API; broken down one level below the area; scoped by the caller;
JSON and CSV (BOM, formula cells defused); bad input as problem+json."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core.actor import Role
from app.core.db import Database
from app.reports.export import HEADER, safe_cell
from tests.helpers import assert_problem, caller, fields, key_client

API = "/api/v1"
YEAR = 2569
LGO = "6840101"  # covers tambon 840101
V1, V2, V3, V4, V5 = "84010101", "84010102", "84010201", "84020101", "50010101"
GOOD_SCORES = {
    "sufficiency_economy": 18,
    "participation": 17,
    "learning": 16,
    "plan_use": 15,
    "plan_structure": 18,
}


async def ok(response: Any, status: int = 201) -> dict[str, Any]:
    r = await response
    assert r.status_code == status, r.text
    return dict(r.json())


async def activity(c: httpx.AsyncClient, plan_id: int, kind: str, status: str, title: str = "กิจกรรม") -> int:
    body = {"title": title, "working_group": "economy", "kind": kind, "status": status}
    return int((await ok(c.post(f"{API}/plans/{plan_id}/activities", json=body)))["id"])


async def build(app: Any, db: Database, c: httpx.AsyncClient) -> dict[str, Any]:
    """Surat Thani (84): Mueang (8401) with villages V1, V2 (tambon 840101) and V3 (840102); Kanchanadit
    (8402) with V4. Chiang Mai (50): V5. What each holds is written beside it; the expected figures follow."""
    await ok(
        c.post(
            f"{API}/local-governments",
            json={
                "code": LGO,
                "name_th": "อบต.ตลาด",
                "kind": "subdistrict_administration",
                "province_code": "84",
                "subdistrict_codes": ["840101"],
            },
        )
    )
    for code in (V1, V2, V3, V4, V5):
        body: dict[str, Any] = {"code": code, "name_th": "บ้านทดสอบ", "households": 10}
        if code.startswith("840101"):
            body["local_government_code"] = LGO
        await ok(c.post(f"{API}/villages", json=body))

    # V1: revision 1 with five activities, then a same-year revision (activities copied) with one more; the
    # revision is assessed grade A and taken through the whole workflow to certification; two adopted.
    quality = {
        "households_contributing_data": 10,
        "participating_households": 10,
        "lgo_participated_from_start": True,
        "sufficiency_economy_process": True,
        "book_file_ref": "ตู้ 1",
    }
    rev1 = (await ok(c.post(f"{API}/plans", json={"village_code": V1, "year": YEAR, **quality})))["id"]
    await activity(c, rev1, "self_reliance", "completed", "ปลูกผัก")
    await activity(c, rev1, "self_reliance", "planned")
    await activity(c, rev1, "joint", "completed", "ถนน")
    await activity(c, rev1, "external_support", "planned")
    await activity(c, rev1, "self_reliance", "cancelled")
    await ok(c.post(f"{API}/plans/{rev1}/assessments", json={"kind": "quality"}))
    rev2 = (await ok(c.post(f"{API}/plans/{rev1}/revisions", json={})))["id"]
    await ok(c.patch(f"{API}/plans/{rev2}", json={"book_file_ref": "ตู้ 1"}), 200)
    await activity(c, rev2, "self_reliance", "completed", "ตลาดนัด")
    assessed = await ok(c.post(f"{API}/plans/{rev2}/assessments", json={"kind": "quality"}))
    assert assessed["grade"] == "A", assessed
    copied = (await c.get(f"{API}/plans/{rev2}/activities", params={"limit": 500})).json()["items"]
    by_title = {a["title"]: a["id"] for a in copied}

    roles = {
        Role.village_committee: V1,
        Role.district_officer: "8401",
        Role.lgo_planner: LGO,
        Role.provincial_officer: "84",
    }
    callers = {role: await key_client(app, db, role, scope) for role, scope in roles.items()}
    try:

        async def act(role: Role, action: str) -> None:
            body = {"action": action, "comment": "ตามมติเวที"}
            await ok(callers[role].post(f"{API}/plans/{rev2}/transitions", json=body), 200)

        await act(Role.village_committee, "submit")
        await act(Role.district_officer, "approve")
        for title, budget in (("ถนน", "15000.50"), ("ปลูกผัก", "1000.00")):
            adoption = {"local_government_code": LGO, "fiscal_year": YEAR, "budget": budget}
            response = await callers[Role.lgo_planner].put(
                f"{API}/activities/{by_title[title]}/adoption", json=adoption
            )
            assert response.status_code == 201, response.text
        await act(Role.lgo_planner, "integrate")
        await act(Role.district_officer, "request_certification")
        await ok(c.post(f"{API}/plans/{rev2}/assessments", json={"kind": "standard", "scores": GOOD_SCORES}))
        await act(Role.provincial_officer, "certify")
    finally:
        for client in callers.values():
            await client.aclose()

    # V2: a plan for the year and nothing else.
    await ok(c.post(f"{API}/plans", json={"village_code": V2, "year": YEAR}))
    # V3: last year's plan, reviewed into this year's (activities copied, progress reset), assessed (grade C).
    last = (await ok(c.post(f"{API}/plans", json={"village_code": V3, "year": YEAR - 1})))["id"]
    await activity(c, last, "self_reliance", "completed")
    await activity(c, last, "joint", "planned")
    this = (await ok(c.post(f"{API}/plans/{last}/revisions", json={"year": YEAR})))["id"]
    graded = await ok(c.post(f"{API}/plans/{this}/assessments", json={"kind": "quality"}))
    assert graded["grade"] != "A"
    # V4: only last year's plan. V5 (another province): a plan with one completed self-reliance activity.
    await ok(c.post(f"{API}/plans", json={"village_code": V4, "year": YEAR - 1}))
    p5 = (await ok(c.post(f"{API}/plans", json={"village_code": V5, "year": YEAR})))["id"]
    await activity(c, p5, "self_reliance", "completed")

    # Forums of fiscal year 2569 (1 Oct 2025 – 30 Sep 2026): two in 8401 (one with the full target group),
    # one in 8402 (full), one in 5001; and one in 8401 in fiscal 2568, which does not count.
    for district, date, support, reps in (
        ("8401", "2025-11-10", 20, 35),
        ("8401", "2026-02-01", 12, 35),
        ("8402", "2026-01-15", 25, 40),
        ("5001", "2026-01-20", 20, 35),
        ("8401", "2025-09-30", 20, 35),
    ):
        body = {
            "district_code": district,
            "date": date,
            "title": "เวทีประชาคมอำเภอ",
            "support_team_count": support,
            "village_representative_count": reps,
        }
        await ok(c.post(f"{API}/forums", json=body))
    return {"rev2": rev2}


def share(s: dict[str, Any]) -> tuple[Any, ...]:
    return (s["count"], s["of"], s["percent"], s["target_percent"], s["met"])


def row_of(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in report["breakdown"] if r["area"]["code"] == code)


async def test_province_report_by_district(app: Any, db: Database, client: httpx.AsyncClient) -> None:
    await build(app, db, client)
    response = await client.get(f"{API}/reports/progress", params={"province_code": "84", "year": YEAR})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["year"] == YEAR
    assert report["area"] == {
        "level": "province",
        "code": "84",
        "name_th": "สุราษฎร์ธานี",
        "name_en": "Surat Thani",
    }
    assert report["breakdown_level"] == "district"
    codes = [r["area"]["code"] for r in report["breakdown"]]
    assert codes == sorted(codes) and "8401" in codes and "8402" in codes
    assert all(c.startswith("84") for c in codes)
    districts = len(codes)

    mueang, kanchanadit, total = row_of(report, "8401"), row_of(report, "8402"), report["totals"]
    assert mueang["area"]["name_th"] == "เมืองสุราษฎร์ธานี"
    assert mueang["villages"] == 3 and kanchanadit["villages"] == 1 and total["villages"] == 4
    assert share(mueang["plans_reviewed"]) == (3, 3, 100.0, 100, True)
    assert share(kanchanadit["plans_reviewed"]) == (0, 1, 0.0, 100, False)
    assert share(total["plans_reviewed"]) == (3, 4, 75.0, 100, False)
    assert share(total["plans_assessed"]) == (2, 4, 50.0, 100, False)
    assert share(total["quality_grade_a"]) == (1, 4, 25.0, None, None)
    assert share(total["certified"]) == (1, 4, 25.0, None, None)
    # Current plans only: V1's revision 2 (5 live activities, the cancelled one left out) and V3's (2).
    assert total["activities"] == {"total": 7, "self_reliance": 4, "joint": 2, "external_support": 1}
    assert share(total["self_reliance"]) == (4, 7, 57.14, 30, True)
    assert share(total["completed_by_community"]) == (2, 7, 28.57, 30, False)
    assert share(total["adopted"]) == (2, 7, 28.57, None, None)
    assert total["adopted_budget"] == "16000.50"
    assert mueang["adopted_budget"] == "16000.50" and kanchanadit["adopted_budget"] == "0.00"
    assert share(kanchanadit["self_reliance"]) == (0, 0, None, 30, None)

    assert mueang["forums"] == {
        "held": 2,
        "target": 2,
        "met": True,
        "districts": 1,
        "districts_meeting_target": 1,
        "meeting_participation_target": 1,
    }
    assert kanchanadit["forums"]["held"] == 1 and kanchanadit["forums"]["met"] is False
    assert total["forums"] == {
        "held": 3,
        "target": 2 * districts,
        "met": False,
        "districts": districts,
        "districts_meeting_target": 1,
        "meeting_participation_target": 2,
    }
    # The rows add up to the totals.
    for key in ("villages",):
        assert sum(r[key] for r in report["breakdown"]) == total[key]
    for key in ("plans_reviewed", "plans_assessed", "quality_grade_a", "certified", "adopted"):
        assert sum(r[key]["count"] for r in report["breakdown"]) == total[key]["count"]


async def test_district_report_by_subdistrict(app: Any, db: Database, client: httpx.AsyncClient) -> None:
    await build(app, db, client)
    report = (
        await client.get(f"{API}/reports/progress", params={"district_code": "8401", "year": YEAR})
    ).json()
    assert report["area"]["level"] == "district" and report["breakdown_level"] == "subdistrict"
    talat, makham = row_of(report, "840101"), row_of(report, "840102")
    assert talat["area"]["name_th"] == "ตลาด"
    assert talat["villages"] == 2 and makham["villages"] == 1
    assert share(talat["plans_reviewed"]) == (2, 2, 100.0, 100, True)
    assert share(talat["certified"]) == (1, 2, 50.0, None, None)
    assert talat["activities"]["total"] == 5 and makham["activities"]["total"] == 2
    assert share(makham["completed_by_community"]) == (0, 2, 0.0, 30, False)
    assert share(talat["completed_by_community"]) == (2, 5, 40.0, 30, True)
    assert all(r["forums"] is None for r in report["breakdown"])
    assert report["totals"]["forums"] == {
        "held": 2,
        "target": 2,
        "met": True,
        "districts": 1,
        "districts_meeting_target": 1,
        "meeting_participation_target": 1,
    }
    assert report["totals"]["villages"] == 3
    # An empty tambon is listed with zeros, not left out.
    empty = row_of(report, "840103")
    assert empty["villages"] == 0 and share(empty["plans_reviewed"]) == (0, 0, None, 100, None)


async def test_national_report_and_other_years(app: Any, db: Database, client: httpx.AsyncClient) -> None:
    await build(app, db, client)
    report = (await client.get(f"{API}/reports/progress", params={"year": YEAR})).json()
    assert report["area"] == {"level": "national", "code": None, "name_th": "ทั้งประเทศ", "name_en": "Thailand"}
    assert len(report["breakdown"]) == 77
    assert report["totals"]["villages"] == 5
    assert report["totals"]["plans_reviewed"]["count"] == 4
    assert report["totals"]["activities"]["total"] == 8
    assert row_of(report, "50")["forums"]["held"] == 1
    assert row_of(report, "84")["forums"]["districts_meeting_target"] == 1
    assert report["totals"]["forums"]["held"] == 4
    # Last year: V3's and V4's 2568 plans, and the forum of fiscal 2568.
    last = (await client.get(f"{API}/reports/progress", params={"year": YEAR - 1})).json()["totals"]
    assert last["plans_reviewed"]["count"] == 2
    assert last["activities"]["total"] == 2 and last["completed_by_community"]["count"] == 1
    assert last["forums"]["held"] == 1
    nothing = (await client.get(f"{API}/reports/progress", params={"year": 2600})).json()["totals"]
    assert nothing["plans_reviewed"]["count"] == 0 and nothing["adopted_budget"] == "0.00"


# --- scope -------------------------------------------------------------------------------------------


async def test_scope(app: Any, db: Database, client: httpx.AsyncClient) -> None:
    await build(app, db, client)
    cases: list[tuple[Role, str | None, dict[str, str], int, str | None]] = [
        (Role.district_officer, "8401", {}, 200, "8401"),
        (Role.district_officer, "8401", {"district_code": "8401"}, 200, "8401"),
        (Role.district_officer, "8401", {"district_code": "8402"}, 403, None),
        (Role.district_officer, "8401", {"province_code": "84"}, 403, None),
        (Role.provincial_officer, "84", {}, 200, "84"),
        (Role.provincial_officer, "84", {"district_code": "8402"}, 200, "8402"),
        (Role.provincial_officer, "84", {"province_code": "50"}, 403, None),
        (Role.provincial_officer, "84", {"district_code": "5001"}, 403, None),
        (Role.admin, None, {}, 200, None),
        (Role.village_committee, V1, {}, 403, None),
        (Role.village_committee, V1, {"district_code": "8401"}, 403, None),
        (Role.lgo_planner, LGO, {"province_code": "84"}, 403, None),
    ]
    for role, scope, params, status, area in cases:
        async with caller(app, db, role, scope) as c:
            response = await c.get(f"{API}/reports/progress", params={**params, "year": YEAR})
            assert response.status_code == status, (role, params, response.text)
            if status == 200:
                assert response.json()["area"]["code"] == area
            else:
                assert_problem(response, status)
            csv_response = await c.get(
                f"{API}/reports/progress", params={**params, "year": YEAR}, headers={"Accept": "text/csv"}
            )
            assert csv_response.status_code == status
    # What a district officer gets is its district's figures, not the province's.
    async with caller(app, db, Role.district_officer, "8402") as c:
        own = (await c.get(f"{API}/reports/progress", params={"year": YEAR})).json()
    assert own["totals"]["villages"] == 1 and own["totals"]["plans_reviewed"]["count"] == 0


async def test_an_area_outside_the_callers_scope_is_403_not_said_to_be_missing(
    app: Any, db: Database, client: httpx.AsyncClient
) -> None:
    # Provinces and districts are public reference data: an officer asking for another one is told it is
    # outside its scope, never that it does not exist; a code that names no area stays a 422 for everyone.
    async with caller(app, db, Role.district_officer, "8401") as officer:
        province = await officer.get(
            f"{API}/reports/progress", params={"province_code": "84"}, headers={"Accept-Language": "th"}
        )
        assert assert_problem(province, 403)["detail"] == "จังหวัด 84 อยู่นอกขอบเขตของคุณ"
        district = await officer.get(f"{API}/reports/progress", params={"district_code": "8402"})
        assert assert_problem(district, 403)["detail"] == "District 8402 is outside your scope."
        unknown = await officer.get(f"{API}/reports/progress", params={"province_code": "99"})
        assert fields(assert_problem(unknown, 422)) == ["province_code"]
    unknown = await client.get(f"{API}/reports/progress", params={"province_code": "99"})
    assert fields(assert_problem(unknown, 422)) == ["province_code"]


async def test_needs_credentials(anon: httpx.AsyncClient) -> None:
    assert_problem(await anon.get(f"{API}/reports/progress"), 401)


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "bad_field"),
    [
        ({"year": 2499}, "year"),
        ({"year": 2701}, "year"),
        ({"year": 2026.5}, "year"),
        ({"year": "สองพัน"}, "year"),
        ({"province_code": "8"}, "province_code"),
        ({"province_code": "8a"}, "province_code"),
        ({"district_code": "840"}, "district_code"),
        ({"province_code": "99"}, "province_code"),
        ({"district_code": "8499"}, "district_code"),
        ({"province_code": "84", "district_code": "5001"}, "district_code"),
    ],
)
async def test_bad_input_is_422(client: httpx.AsyncClient, params: dict[str, Any], bad_field: str) -> None:
    response = await client.get(f"{API}/reports/progress", params=params, headers={"Accept-Language": "th"})
    body = assert_problem(response, 422)
    assert [f.split(".")[-1] for f in fields(body)] == [bad_field]
    assert body["title"] == "ข้อมูลที่ส่งมาไม่ถูกต้อง"


async def test_thai_messages_for_unknown_areas(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{API}/reports/progress", params={"province_code": "99"}, headers={"Accept-Language": "th"}
    )
    assert assert_problem(response, 422)["errors"][0]["message"] == "ไม่มีจังหวัดรหัส 99"


# --- CSV ---------------------------------------------------------------------------------------------


def parse_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
    text_ = raw.decode("utf-8").removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text_, newline=""))
    assert reader.fieldnames == HEADER
    return list(reader)


async def test_csv_has_the_same_figures(app: Any, db: Database, client: httpx.AsyncClient) -> None:
    await build(app, db, client)
    params = {"province_code": "84", "year": YEAR}
    report = (await client.get(f"{API}/reports/progress", params=params)).json()
    rows = parse_csv(
        await client.get(f"{API}/reports/progress", params=params, headers={"Accept": "text/csv"})
    )
    assert len(rows) == 1 + len(report["breakdown"])
    total, first = rows[0], rows[1]
    assert (total["level"], total["code"], total["name_th"]) == ("province", "84", "สุราษฎร์ธานี")
    assert first["level"] == "district"
    expected = report["totals"]
    assert total["villages"] == "4"
    assert (total["plans_reviewed"], total["plans_reviewed_percent"]) == ("3", "75.00")
    assert (total["plans_reviewed_target_percent"], total["plans_reviewed_met"]) == ("100.00", "false")
    assert (total["quality_grade_a_target_percent"], total["quality_grade_a_met"]) == ("", "")
    assert total["completed_by_community"] == str(expected["completed_by_community"]["count"])
    assert total["adopted_budget"] == "16000.50"
    assert (total["forums_held"], total["forums_met"]) == ("3", "false")
    mueang = next(r for r in rows if r["code"] == "8401")
    assert (mueang["activities"], mueang["self_reliance_met"], mueang["forums_met"]) == ("7", "true", "true")
    # A district report's subdistrict rows have no forum cells.
    district_rows = parse_csv(
        await client.get(
            f"{API}/reports/progress", params={"district_code": "8401"}, headers={"Accept": "text/csv"}
        )
    )
    assert district_rows[1]["forums_held"] == "" and district_rows[0]["forums_held"] != ""


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_cells_are_defused(start: str) -> None:
    assert safe_cell(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"
    assert safe_cell("บ้าน=ดี") == "บ้าน=ดี"
    assert safe_cell(12) == "12" and safe_cell(None) == "" and safe_cell(False) == "false"


SELECT_NAME = text("SELECT name_th FROM district WHERE code = :c")
UPDATE_NAME = text("UPDATE district SET name_th = :n WHERE code = :c")


async def test_area_names_that_look_like_formulas_are_escaped(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Names come from reference data; a poisoned name must still reach a spreadsheet as text."""
    poisoned = {
        "8401": '=HYPERLINK("http://evil.example","x")',
        "8402": "+1+1",
        "8403": "-2",
        "8404": "@SUM(A1)",
    }
    async with db.engine.begin() as conn:
        originals = {code: (await conn.execute(SELECT_NAME, {"c": code})).scalar() for code in poisoned}
        for code, name in poisoned.items():
            await conn.execute(UPDATE_NAME, {"n": name, "c": code})
    try:
        rows = parse_csv(
            await client.get(
                f"{API}/reports/progress", params={"province_code": "84"}, headers={"Accept": "text/csv"}
            )
        )
        names = {r["code"]: r["name_th"] for r in rows}
        for code, name in poisoned.items():
            assert names[code] == "'" + name
        assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    finally:
        async with db.engine.begin() as conn:
            for code, name in originals.items():
                await conn.execute(UPDATE_NAME, {"n": name, "c": code})
