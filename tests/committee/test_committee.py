"""Village committee members (คณะกรรมการหมู่บ้าน) of the six working groups: CRUD, Thai labels from the
seed, validation and scope."""

from __future__ import annotations

import functools
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
make_village = functools.partial(helpers.make_village, households=120)
OTHER_VILLAGE = "84010102"

# The six working groups and their Thai labels, from the seed document.
WORKING_GROUPS_TH = {
    "administration": "ด้านอำนวยการ",
    "governance": "ด้านการปกครองและรักษาความสงบเรียบร้อย",
    "development_planning": "ด้านแผนพัฒนาหมู่บ้าน",
    "economy": "ด้านส่งเสริมเศรษฐกิจ",
    "social_environment_health": "ด้านสังคม สิ่งแวดล้อม และสาธารณสุข",
    "education_religion_culture": "ด้านการศึกษา ศาสนา และวัฒนธรรม",
}


# --- helpers -----------------------------------------------------------------------------------------


def members_path(code: str = VILLAGE) -> str:
    return f"{API}/villages/{code}/committee-members"


def member_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "นายสมชาย ใจดี",
        "position": "ประธานคณะทำงาน",
        "working_group": "economy",
        "phone": "081-234-5678",
        **overrides,
    }


async def post_member(client: httpx.AsyncClient, code: str = VILLAGE, **overrides: Any) -> httpx.Response:
    return await client.post(members_path(code), json=member_body(**overrides))


async def make_member(client: httpx.AsyncClient, code: str = VILLAGE, **overrides: Any) -> dict[str, Any]:
    response = await post_member(client, code, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def list_members(client: httpx.AsyncClient, code: str = VILLAGE, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(members_path(code), params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


# --- create and read ---------------------------------------------------------------------------------


async def test_create_and_list(client: httpx.AsyncClient) -> None:
    await make_village(client)
    response = await post_member(client)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["village_code"] == VILLAGE
    assert body["name"] == "นายสมชาย ใจดี"
    assert body["position"] == "ประธานคณะทำงาน"
    assert body["working_group"] == "economy"
    assert body["working_group_th"] == "ด้านส่งเสริมเศรษฐกิจ"
    assert body["phone"] == "081-234-5678"
    assert response.headers["Location"] == f"/api/v1/villages/{VILLAGE}/committee-members/{body['id']}"
    assert response.headers.get("ETag")
    assert await list_members(client) == [body]


@pytest.mark.parametrize("group, label", list(WORKING_GROUPS_TH.items()))
async def test_working_group_th_is_the_seed_label(client: httpx.AsyncClient, group: str, label: str) -> None:
    await make_village(client)
    body = await make_member(client, working_group=group)
    assert body["working_group"] == group
    assert body["working_group_th"] == label
    assert (await list_members(client))[0]["working_group_th"] == label


async def test_phone_is_optional(client: httpx.AsyncClient) -> None:
    await make_village(client)
    body = await make_member(client, phone=None)
    assert body["phone"] is None
    minimal = await client.post(
        members_path(), json={"name": "นางสาวมาลี", "position": "เลขานุการ", "working_group": "administration"}
    )
    assert minimal.status_code == 201, minimal.text
    assert minimal.json()["phone"] is None


async def test_list_is_per_village_and_paginates(client: httpx.AsyncClient) -> None:
    await make_village(client, VILLAGE)
    await make_village(client, OTHER_VILLAGE)
    mine = [(await make_member(client, name=f"กรรมการ {i}"))["id"] for i in range(5)]
    theirs = await make_member(client, OTHER_VILLAGE, name="กรรมการหมู่อื่น")
    assert [m["id"] for m in await list_members(client)] == mine
    assert [m["id"] for m in await list_members(client, OTHER_VILLAGE)] == [theirs["id"]]

    seen: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(members_path(), params=params)).json()
        assert len(page["items"]) <= 2
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == mine


async def test_list_of_a_village_without_members_is_empty(client: httpx.AsyncClient) -> None:
    await make_village(client)
    response = await client.get(members_path())
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


# --- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["finance", "", "Economy", "ด้านส่งเสริมเศรษฐกิจ", None, 4])
async def test_unknown_working_group_is_422(client: httpx.AsyncClient, db: Database, group: Any) -> None:
    await make_village(client)
    problem = assert_problem(await post_member(client, working_group=group), 422)
    assert fields(problem) == ["working_group"]
    assert await count_rows(db, "committee_member") == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", "   "),
        ("name", "ก" * 201),
        ("name", "นาย\x00สมชาย"),
        ("name", None),
        ("position", ""),
        ("position", None),
        ("phone", "call me"),
        ("phone", "1"),
        ("phone", "0" * 31),
        ("village_code", OTHER_VILLAGE),
        ("id", 5),
    ],
)
async def test_bad_fields_are_422(client: httpx.AsyncClient, db: Database, field: str, value: Any) -> None:
    await make_village(client)
    problem = assert_problem(await post_member(client, **{field: value}), 422)
    assert field in fields(problem)
    assert await count_rows(db, "committee_member") == 0


async def test_unknown_village_is_404(client: httpx.AsyncClient, db: Database) -> None:
    assert_problem(await client.get(members_path("84010199")), 404)
    assert_problem(await post_member(client, "84010199"), 404)
    assert await count_rows(db, "committee_member") == 0


@pytest.mark.parametrize("code", ["8401010", "840101011", "8401010x"])
async def test_malformed_village_code_in_the_path_is_422(client: httpx.AsyncClient, code: str) -> None:
    assert_problem(await client.get(members_path(code)), 422)


# --- update and delete -------------------------------------------------------------------------------


async def test_patch_changes_fields_and_the_thai_label(client: httpx.AsyncClient) -> None:
    await make_village(client)
    member = await make_member(client)
    response = await client.patch(
        f"{members_path()}/{member['id']}",
        json={"position": "รองประธาน", "working_group": "education_religion_culture", "phone": None},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == member["name"]
    assert body["position"] == "รองประธาน"
    assert body["working_group"] == "education_religion_culture"
    assert body["working_group_th"] == "ด้านการศึกษา ศาสนา และวัฒนธรรม"
    assert body["phone"] is None
    assert body["created_at"] == member["created_at"]
    assert response.headers["ETag"]
    assert await list_members(client) == [body]


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"working_group": "finance"}, "working_group"),
        ({"working_group": None}, "working_group"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"position": None}, "position"),
        ({"phone": "abc"}, "phone"),
        ({"village_code": OTHER_VILLAGE}, "village_code"),
    ],
)
async def test_bad_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, patch: dict[str, Any], field: str
) -> None:
    await make_village(client)
    member = await make_member(client)
    problem = assert_problem(await client.patch(f"{members_path()}/{member['id']}", json=patch), 422)
    assert field in fields(problem)
    assert await list_members(client) == [member]


async def test_patch_with_if_match(client: httpx.AsyncClient) -> None:
    await make_village(client)
    created = await post_member(client)
    member, etag = created.json(), created.headers["ETag"]
    ok = await client.patch(
        f"{members_path()}/{member['id']}", json={"name": "นายสมชาย ใจงาม"}, headers={"If-Match": etag}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] != etag
    stale = await client.patch(
        f"{members_path()}/{member['id']}", json={"name": "นายอื่น"}, headers={"If-Match": etag}
    )
    assert_problem(stale, 412)
    assert_problem(await client.delete(f"{members_path()}/{member['id']}", headers={"If-Match": etag}), 412)
    assert await list_members(client) == [ok.json()]


async def test_delete_then_404(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    gone = await make_member(client, name="นายหนึ่ง")
    kept = await make_member(client, name="นายสอง")
    response = await client.delete(f"{members_path()}/{gone['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.delete(f"{members_path()}/{gone['id']}"), 404)
    assert_problem(await client.patch(f"{members_path()}/{gone['id']}", json={"name": "x"}), 404)
    assert await list_members(client) == [kept]
    assert await count_rows(db, "committee_member") == 1


async def test_a_member_is_reached_only_through_its_own_village(client: httpx.AsyncClient) -> None:
    await make_village(client, VILLAGE)
    await make_village(client, OTHER_VILLAGE)
    member = await make_member(client)
    wrong = f"{members_path(OTHER_VILLAGE)}/{member['id']}"
    assert_problem(await client.patch(wrong, json={"name": "ผู้บุกรุก"}), 404)
    assert_problem(await client.delete(wrong), 404)
    assert await list_members(client) == [member]
    assert await list_members(client, OTHER_VILLAGE) == []


async def test_members_go_with_their_village(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    await make_member(client)
    assert (await client.delete(f"{API}/villages/{VILLAGE}")).status_code == 204
    assert await count_rows(db, "committee_member") == 0
    await make_village(client)
    assert await list_members(client) == []


# --- scope -------------------------------------------------------------------------------------------


async def test_a_village_committee_manages_its_own_village(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client)
    async with caller(app, db, Role.village_committee, VILLAGE) as committee:
        created = await post_member(committee)
        assert created.status_code == 201, created.text
        member = created.json()
        assert await list_members(committee) == [member]
        patched = await committee.patch(f"{members_path()}/{member['id']}", json={"position": "เหรัญญิก"})
        assert patched.status_code == 200, patched.text
        assert (await committee.delete(f"{members_path()}/{member['id']}")).status_code == 204
    assert await count_rows(db, "committee_member") == 0


async def test_a_village_committee_of_another_village_gets_404(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    await make_village(client, VILLAGE)
    await make_village(client, OTHER_VILLAGE)
    member = await make_member(client)
    async with caller(app, db, Role.village_committee, OTHER_VILLAGE) as outsider:
        assert_problem(await outsider.get(members_path()), 404)
        assert_problem(await post_member(outsider), 404)
        path = f"{members_path()}/{member['id']}"
        assert_problem(await outsider.patch(path, json={"name": "ผู้บุกรุก"}), 404)
        assert_problem(await outsider.delete(path), 404)
    assert await list_members(client) == [member]
    assert await count_rows(db, "committee_member") == 1


async def test_district_officer_scope(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client, VILLAGE)
    await make_village(client, "84050301")
    async with caller(app, db, Role.district_officer, "8401") as officer:
        assert (await post_member(officer)).status_code == 201
        assert_problem(await officer.get(members_path("84050301")), 404)
        assert_problem(await post_member(officer, "84050301"), 404)
    assert await count_rows(db, "committee_member") == 1


async def test_a_local_government_planner_reads_but_never_writes(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    lgo = {
        "code": "6840101",
        "name_th": "องค์การบริหารส่วนตำบลตลาด",
        "kind": "subdistrict_administration",
        "province_code": "84",
        "subdistrict_codes": ["840101"],
    }
    assert (await client.post(f"{API}/local-governments", json=lgo)).status_code == 201
    village = {"code": VILLAGE, "name_th": "บ้านดอนเกลี้ยง", "local_government_code": "6840101"}
    assert (await client.post(f"{API}/villages", json=village)).status_code == 201
    member = await make_member(client)
    async with caller(app, db, Role.lgo_planner, "6840101") as planner:
        # Phones are shown in full only to the committee, its district officer and admins (SPEC §11).
        assert await list_members(planner) == [{**member, "phone": "xxx-xxx-x678"}]
        assert_problem(await post_member(planner), 403)
        assert_problem(await planner.patch(f"{members_path()}/{member['id']}", json={"name": "x"}), 403)
    assert await list_members(client) == [member]
