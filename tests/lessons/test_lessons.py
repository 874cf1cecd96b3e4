"""Lessons learned (ถอดบทเรียน): placed at a real village, tambon, district or province; written inside the
caller's own area, read also from the areas that contain it; searchable in Thai and in any case of Latin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.db import Database
from tests.helpers import assert_problem, caller, count_rows, fields

API = "/api/v1"
LGO = "6840101"  # covers tambon 840101 only


def lesson_body(level: str = "district", code: str = "8401", **overrides: Any) -> dict[str, Any]:
    return {
        "title": "ถอดบทเรียนเวทีประชาคม",
        "body": "การมีส่วนร่วมของครัวเรือนทำให้ข้อมูลครบถ้วน",
        "scope_level": level,
        "scope_code": code,
        "tags": ["การมีส่วนร่วม"],
        **overrides,
    }


async def seed_areas(client: httpx.AsyncClient) -> None:
    lgo = {
        "code": LGO,
        "name_th": "อบต.ตลาด",
        "kind": "subdistrict_administration",
        "province_code": "84",
        "subdistrict_codes": ["840101"],
    }
    assert (await client.post(f"{API}/local-governments", json=lgo)).status_code == 201
    for code in ("84010101", "84010201"):
        body = {"code": code, "name_th": "บ้านทดสอบ"}
        assert (await client.post(f"{API}/villages", json=body)).status_code == 201


async def all_ids(c: httpx.AsyncClient, **params: Any) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await c.get(f"{API}/lessons", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


# --- recording ---------------------------------------------------------------------------------------


async def test_record_a_lesson_with_its_areas(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await seed_areas(client)
    async with caller(app, db, Role.district_officer, "8401") as officer:
        response = await officer.post(
            f"{API}/lessons", json=lesson_body("village", "84010101", tags=["GAP", "ผักปลอดสาร"])
        )
    assert response.status_code == 201, response.text
    lesson = response.json()
    assert response.headers["Location"] == f"{API}/lessons/{lesson['id']}"
    assert response.headers["ETag"]
    assert lesson["scope_level"] == "village" and lesson["scope_code"] == "84010101"
    assert (lesson["province_code"], lesson["district_code"], lesson["subdistrict_code"]) == (
        "84",
        "8401",
        "840101",
    )
    assert lesson["village_code"] == "84010101"
    assert lesson["tags"] == ["GAP", "ผักปลอดสาร"]
    assert lesson["created_by"].startswith("key:")
    assert (await client.get(f"{API}/lessons/{lesson['id']}")).json() == lesson

    province = (await client.post(f"{API}/lessons", json=lesson_body("province", "84"))).json()
    assert province["district_code"] is None and province["subdistrict_code"] is None
    assert province["village_code"] is None and province["province_code"] == "84"


@pytest.mark.parametrize(
    ("overrides", "bad_fields"),
    [
        ({"scope_level": "district", "scope_code": "84"}, ["scope_code"]),
        ({"scope_level": "province", "scope_code": "8401"}, ["scope_code"]),
        ({"scope_level": "district", "scope_code": "8499"}, ["scope_code"]),
        ({"scope_level": "subdistrict", "scope_code": "849999"}, ["scope_code"]),
        ({"scope_level": "village", "scope_code": "84010199"}, ["scope_code"]),
        ({"scope_level": "province", "scope_code": "99"}, ["scope_code"]),
        ({"scope_level": "tambon", "scope_code": "840101"}, ["scope_level"]),
        ({"scope_code": "84a1"}, ["scope_code"]),
        ({"scope_code": "840"}, ["scope_code"]),
        ({"title": " "}, ["title"]),
        ({"body": ""}, ["body"]),
        ({"body": "x" * 5001}, ["body"]),
        ({"tags": ["GAP", "gap"]}, ["tags.1"]),
        ({"tags": ["ก" * 51]}, ["tags.0"]),
        ({"tags": [" ตัดแต่ง"]}, ["tags.0"]),
        ({"tags": [f"t{i}" for i in range(21)]}, ["tags"]),
        ({"tags": "GAP"}, ["tags"]),
        ({"author": "x"}, ["author"]),
    ],
)
async def test_invalid_lessons_are_422(
    client: httpx.AsyncClient, db: Database, overrides: dict[str, Any], bad_fields: list[str]
) -> None:
    await seed_areas(client)
    response = await client.post(
        f"{API}/lessons", json={**lesson_body(), **overrides}, headers={"Accept-Language": "th"}
    )
    body = assert_problem(response, 422)
    assert fields(body) == bad_fields
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in e["message"]) for e in body["errors"]), body
    assert await count_rows(db, "lesson") == 0


async def test_who_may_write_where(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await seed_areas(client)
    cases = [
        (Role.provincial_officer, "84", "province", "84", 201),
        (Role.provincial_officer, "84", "village", "84010201", 201),
        (Role.provincial_officer, "84", "province", "50", 403),
        (Role.district_officer, "8401", "district", "8401", 201),
        (Role.district_officer, "8401", "subdistrict", "840102", 201),
        (Role.district_officer, "8401", "province", "84", 403),
        (Role.district_officer, "8401", "district", "8402", 403),
        (Role.village_committee, "84010101", "village", "84010101", 201),
        (Role.village_committee, "84010101", "subdistrict", "840101", 403),
        (Role.village_committee, "84010101", "village", "84010201", 403),
        (Role.lgo_planner, LGO, "subdistrict", "840101", 403),
    ]
    made = 0
    for role, scope, level, code, expected in cases:
        async with caller(app, db, role, scope) as c:
            response = await c.post(f"{API}/lessons", json=lesson_body(level, code))
        assert response.status_code == expected, (role, level, code, response.text)
        made += expected == 201
    assert await count_rows(db, "lesson") == made


# --- reading -----------------------------------------------------------------------------------------


async def test_reads_reach_the_own_area_and_the_areas_containing_it(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    await seed_areas(client)
    placed = {
        "P": ("province", "84"),
        "D": ("district", "8401"),
        "D2": ("district", "8402"),
        "S": ("subdistrict", "840101"),
        "V": ("village", "84010101"),
        "V2": ("village", "84010201"),
        "X": ("province", "50"),
    }
    ids = {}
    for name, (level, code) in placed.items():
        response = await client.post(f"{API}/lessons", json=lesson_body(level, code, title=f"บทเรียน {name}"))
        ids[name] = response.json()["id"]
    sees = {
        (Role.admin, None): {"P", "D", "D2", "S", "V", "V2", "X"},
        (Role.provincial_officer, "84"): {"P", "D", "D2", "S", "V", "V2"},
        (Role.district_officer, "8401"): {"P", "D", "S", "V", "V2"},
        (Role.village_committee, "84010101"): {"P", "D", "S", "V"},
        (Role.lgo_planner, LGO): {"P", "D", "S", "V"},
    }
    for (role, scope), visible in sees.items():
        async with caller(app, db, role, scope) as c:
            listed = set(await all_ids(c))
            assert listed == {ids[n] for n in visible}, role
            for name, lesson_id in ids.items():
                status = (await c.get(f"{API}/lessons/{lesson_id}")).status_code
                assert status == (200 if name in visible else 404), (role, name)
            # Search never reaches past the scope either.
            found = set(await all_ids(c, q="บทเรียน"))
            assert found == {ids[n] for n in visible}, role


async def test_list_filters_and_order(client: httpx.AsyncClient) -> None:
    await seed_areas(client)
    first = (await client.post(f"{API}/lessons", json=lesson_body("district", "8401"))).json()["id"]
    second = (await client.post(f"{API}/lessons", json=lesson_body("province", "84"))).json()["id"]
    third = (await client.post(f"{API}/lessons", json=lesson_body("district", "8402"))).json()["id"]
    assert await all_ids(client) == [third, second, first]
    assert await all_ids(client, scope_level="district") == [third, first]
    assert await all_ids(client, district_code="8401") == [first]
    assert await all_ids(client, province_code="84") == [third, second, first]
    assert_problem(await client.get(f"{API}/lessons", params={"scope_level": "tambon"}), 422)
    assert_problem(await client.get(f"{API}/lessons", params={"q": ""}), 422)
    assert_problem(await client.get(f"{API}/lessons", params={"q": "x" * 201}), 422)


# --- search ------------------------------------------------------------------------------------------


async def test_text_search(client: httpx.AsyncClient) -> None:
    await seed_areas(client)
    texts = {
        "gap": ("ผักปลอดสารมาตรฐาน GAP", "กลุ่มแม่บ้านปลูกผักขายในตลาดชุมชน", ["เกษตร"]),
        "fund": ("กองทุนหมู่บ้าน", "ผักที่ชาวบ้านปลูกนำมาขายเข้ากองทุน 100% ของกำไร", ["Savings"]),
        "forum": ("เวทีประชาคม", "ตัวแทนหมู่บ้าน 35 คน ร่วมทบทวนแผน", ["การมีส่วนร่วม"]),
    }
    ids = {}
    for name, (title, body, tags) in texts.items():
        response = await client.post(f"{API}/lessons", json=lesson_body(title=title, body=body, tags=tags))
        ids[name] = response.json()["id"]

    async def search(q: str) -> set[str]:
        found = set(await all_ids(client, q=q))
        return {name for name, i in ids.items() if i in found}

    assert await search("ปลูกผัก") == {"gap", "fund"}  # substring, and the words of the term
    assert await search("ผักปลอดสาร") == {"gap"}
    assert await search("gap") == {"gap"}  # Latin in any case
    assert await search("savings") == {"fund"}  # tags are searched
    assert await search("การมีส่วนร่วม") == {"forum"}
    assert await search("ผัก ตลาด") == {"gap"}  # every term must occur
    assert await search("100%") == {"fund"}  # % and _ are literal, not wildcards
    assert await search("1_0") == set()
    assert await search("%") == {"fund"}
    assert await search("กรุงเทพ") == set()


async def test_search_follows_changes(client: httpx.AsyncClient) -> None:
    await seed_areas(client)
    created = await client.post(f"{API}/lessons", json=lesson_body(tags=["เดิม"]))
    lesson_id = created.json()["id"]
    assert await all_ids(client, q="ธนาคารขยะ") == []
    response = await client.patch(f"{API}/lessons/{lesson_id}", json={"tags": ["ธนาคารขยะ"]})
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["ธนาคารขยะ"]
    assert await all_ids(client, q="ธนาคารขยะ") == [lesson_id]
    assert await all_ids(client, q="เดิม") == []


# --- updating ----------------------------------------------------------------------------------------


async def test_update_with_if_match_and_scope(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await seed_areas(client)
    province = (await client.post(f"{API}/lessons", json=lesson_body("province", "84"))).json()
    other = (await client.post(f"{API}/lessons", json=lesson_body("district", "8402"))).json()
    async with caller(app, db, Role.district_officer, "8401") as officer:
        own = await officer.post(f"{API}/lessons", json=lesson_body("district", "8401"))
        lesson_id, etag = own.json()["id"], own.headers["ETag"]

        # Visible but not its own: 403. Not visible: 404.
        assert_problem(await officer.patch(f"{API}/lessons/{province['id']}", json={"title": "x"}), 403)
        assert_problem(await officer.patch(f"{API}/lessons/{other['id']}", json={"title": "x"}), 404)

        stale = await officer.patch(
            f"{API}/lessons/{lesson_id}", json={"title": "ใหม่"}, headers={"If-Match": '"9-9"'}
        )
        assert_problem(stale, 412)
        moved_out = await officer.patch(f"{API}/lessons/{lesson_id}", json={"scope_level": "province"})
        assert_problem(moved_out, 422)  # a district code is not a province code
        moved_out = await officer.patch(
            f"{API}/lessons/{lesson_id}", json={"scope_level": "province", "scope_code": "84"}
        )
        assert_problem(moved_out, 403)
        nulls = await officer.patch(f"{API}/lessons/{lesson_id}", json={"title": None, "tags": None})
        assert sorted(fields(assert_problem(nulls, 422))) == ["tags", "title"]

        response = await officer.patch(
            f"{API}/lessons/{lesson_id}",
            json={"title": "ถอดบทเรียนตำบลตลาด", "scope_level": "subdistrict", "scope_code": "840101"},
            headers={"If-Match": etag},
        )
        assert response.status_code == 200, response.text
        lesson = response.json()
        assert response.headers["ETag"] != etag
        assert lesson["title"] == "ถอดบทเรียนตำบลตลาด"
        assert (lesson["scope_level"], lesson["scope_code"], lesson["subdistrict_code"]) == (
            "subdistrict",
            "840101",
            "840101",
        )
        assert lesson["body"] == lesson_body()["body"]
    assert (await client.get(f"{API}/lessons/{province['id']}")).json() == province


async def test_idempotent_creation(client: httpx.AsyncClient, db: Database) -> None:
    await seed_areas(client)
    headers = {"Idempotency-Key": "lesson-1"}
    first = await client.post(f"{API}/lessons", json=lesson_body(), headers=headers)
    second = await client.post(f"{API}/lessons", json=lesson_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await count_rows(db, "lesson") == 1


async def test_lessons_need_credentials(anon: httpx.AsyncClient) -> None:
    assert_problem(await anon.get(f"{API}/lessons"), 401)
    assert_problem(await anon.post(f"{API}/lessons", json=lesson_body()), 401)
