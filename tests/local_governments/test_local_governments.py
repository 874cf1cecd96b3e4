"""Local governments (อปท.): create, read, list filters, coverage rules, ETags and deletion."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.core.db import Database
from tests import helpers
from tests.helpers import assert_problem, count_rows, fields

API = "/api/v1"

LGO = "6840101"
KINDS = [
    "provincial_administration",
    "city_municipality",
    "town_municipality",
    "subdistrict_municipality",
    "subdistrict_administration",
    "special",
]


def lgo_body(**overrides: Any) -> dict[str, Any]:
    return {
        "code": LGO,
        "name_th": "เทศบาลนครสุราษฎร์ธานี",
        "name_en": "Surat Thani City Municipality",
        "kind": "city_municipality",
        "province_code": "84",
        "subdistrict_codes": ["840101", "840102"],
        **overrides,
    }


async def post_lgo(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    return await client.post(f"{API}/local-governments", json=lgo_body(**overrides))


async def make_lgo(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await post_lgo(client, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def get_lgo(client: httpx.AsyncClient, code: str = LGO) -> httpx.Response:
    return await client.get(f"{API}/local-governments/{code}")


async def make_village(client: httpx.AsyncClient, code: str, lgo: str | None = LGO) -> None:
    await helpers.make_village(client, code, name_th="บ้านทดสอบ", local_government_code=lgo)


async def list_codes(client: httpx.AsyncClient, limit: int = 50, **filters: str) -> list[str]:
    codes: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        params: dict[str, Any] = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{API}/local-governments", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        codes += [lgo["code"] for lgo in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return codes
    raise AssertionError("pagination never ended")


# --- create and read ---------------------------------------------------------------------------------


async def test_create_and_read(client: httpx.AsyncClient) -> None:
    response = await post_lgo(client, subdistrict_codes=["840102", "840101"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == LGO
    assert body["name_th"] == "เทศบาลนครสุราษฎร์ธานี"
    assert body["name_en"] == "Surat Thani City Municipality"
    assert body["kind"] == "city_municipality"
    assert body["province_code"] == "84"
    assert sorted(body["subdistrict_codes"]) == ["840101", "840102"]
    assert response.headers["Location"] == f"/api/v1/local-governments/{LGO}"
    assert response.headers.get("ETag")

    fetched = await get_lgo(client)
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


@pytest.mark.parametrize("kind", KINDS)
async def test_every_kind_is_stored_as_given(client: httpx.AsyncClient, kind: str) -> None:
    # The kind is stored explicitly, never inferred from the code.
    body = await make_lgo(client, kind=kind)
    assert body["kind"] == kind
    assert (await get_lgo(client)).json()["kind"] == kind


async def test_without_subdistricts_and_name_en(client: httpx.AsyncClient) -> None:
    body = lgo_body(code="2840000", kind="provincial_administration")
    del body["subdistrict_codes"], body["name_en"]
    response = await client.post(f"{API}/local-governments", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["subdistrict_codes"] == []
    assert response.json()["name_en"] is None


@pytest.mark.parametrize("kind", ["municipality", "CITY_MUNICIPALITY", "", None, 1, "อบต."])
async def test_invalid_kind_is_422(client: httpx.AsyncClient, db: Database, kind: Any) -> None:
    problem = assert_problem(await post_lgo(client, kind=kind), 422)
    assert fields(problem) == ["kind"]
    assert await count_rows(db, "local_government") == 0


@pytest.mark.parametrize("code", ["684010", "68401011", "684010a", 6840101, ""])
async def test_malformed_code_is_422(client: httpx.AsyncClient, code: Any) -> None:
    problem = assert_problem(await post_lgo(client, code=code), 422)
    assert "code" in fields(problem)


async def test_unknown_province_is_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_lgo(client, province_code="99", subdistrict_codes=[]), 422)
    assert fields(problem) == ["province_code"]
    assert await count_rows(db, "local_government") == 0


async def test_unknown_subdistrict_is_422_with_its_index(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_lgo(client, subdistrict_codes=["840101", "840199"]), 422)
    assert fields(problem) == ["subdistrict_codes.1"]
    assert "840199" in problem["errors"][0]["message"]
    assert await count_rows(db, "local_government") == 0
    assert await count_rows(db, "local_government_subdistrict") == 0


async def test_subdistrict_of_another_province_is_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_lgo(client, subdistrict_codes=["100101", "840101"]), 422)
    assert fields(problem) == ["subdistrict_codes.0"]
    assert await count_rows(db, "local_government") == 0


async def test_duplicate_subdistricts_are_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(
        await post_lgo(client, subdistrict_codes=["840101", "840101", "840102", "840102"]), 422
    )
    assert fields(problem) == ["subdistrict_codes.1", "subdistrict_codes.3"]
    assert await count_rows(db, "local_government") == 0
    assert await count_rows(db, "local_government_subdistrict") == 0


@pytest.mark.parametrize("value", ["84010", "8401011", "x40101", 840101, None])
async def test_malformed_subdistrict_code_is_422(client: httpx.AsyncClient, value: Any) -> None:
    problem = assert_problem(await post_lgo(client, subdistrict_codes=["840101", value]), 422)
    assert "subdistrict_codes.1" in fields(problem)


async def test_subdistrict_codes_must_be_a_list(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await post_lgo(client, subdistrict_codes="840101"), 422)
    assert "subdistrict_codes" in fields(problem)


async def test_unknown_fields_are_refused(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_lgo(client, village_codes=["84010101"], mayor="x"), 422)
    assert set(fields(problem)) == {"village_codes", "mayor"}
    assert await count_rows(db, "local_government") == 0


async def test_duplicate_code_is_409(client: httpx.AsyncClient, db: Database) -> None:
    first = await make_lgo(client)
    problem = assert_problem(await post_lgo(client, name_th="อื่น", subdistrict_codes=["840103"]), 409)
    assert LGO in problem["detail"]
    assert (await get_lgo(client)).json() == first
    assert await count_rows(db, "local_government") == 1


async def test_two_may_cover_the_same_subdistrict(client: httpx.AsyncClient) -> None:
    # An อบจ. and a municipality overlap: coverage is not exclusive.
    await make_lgo(client)
    other = await make_lgo(
        client, code="2840000", kind="provincial_administration", subdistrict_codes=["840101"]
    )
    assert other["subdistrict_codes"] == ["840101"]


async def test_thai_names_round_trip(client: httpx.AsyncClient) -> None:
    name = "องค์การบริหารส่วนตำบลน้ำผุด 🌊"
    await make_lgo(client, name_th=name)
    assert (await get_lgo(client)).json()["name_th"] == name


async def test_control_characters_in_name_are_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_lgo(client, name_th="เทศบาล\x00"), 422)
    assert "name_th" in fields(problem)
    assert await count_rows(db, "local_government") == 0


async def test_unknown_code_is_404(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await get_lgo(client, "6849999"), 404)
    assert "6849999" in problem["detail"]


async def test_malformed_code_in_the_path_is_422(client: httpx.AsyncClient) -> None:
    assert_problem(await get_lgo(client, "684010"), 422)


async def test_idempotent_create(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"Idempotency-Key": "lgo-1"}
    first = await client.post(f"{API}/local-governments", json=lgo_body(), headers=headers)
    assert first.status_code == 201, first.text
    replay = await client.post(f"{API}/local-governments", json=lgo_body(), headers=headers)
    assert replay.status_code == 201, replay.text
    assert replay.json() == first.json()
    assert replay.headers["Location"] == first.headers["Location"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await count_rows(db, "local_government") == 1
    mismatch = await client.post(f"{API}/local-governments", json=lgo_body(code="6840102"), headers=headers)
    assert_problem(mismatch, 422)
    assert await count_rows(db, "local_government") == 1


# --- list --------------------------------------------------------------------------------------------


async def seed(client: httpx.AsyncClient) -> None:
    await make_lgo(client)  # city_municipality, 840101 + 840102
    await make_lgo(client, code="2840000", kind="provincial_administration", subdistrict_codes=[])
    await make_lgo(client, code="6840501", kind="subdistrict_administration", subdistrict_codes=["840501"])
    await make_lgo(
        client, code="6840502", kind="subdistrict_administration", subdistrict_codes=["840502", "840503"]
    )
    await make_lgo(
        client, code="5840103", kind="subdistrict_municipality", subdistrict_codes=["840103", "840101"]
    )
    await make_lgo(client, code="1100000", kind="special", province_code="10", subdistrict_codes=["100101"])


async def test_list_filters(client: httpx.AsyncClient) -> None:
    await seed(client)
    assert await list_codes(client) == ["1100000", "2840000", "5840103", "6840101", "6840501", "6840502"]
    assert await list_codes(client, province_code="84") == [
        "2840000",
        "5840103",
        "6840101",
        "6840501",
        "6840502",
    ]
    assert await list_codes(client, province_code="10") == ["1100000"]
    assert await list_codes(client, province_code="11") == []
    assert await list_codes(client, kind="subdistrict_administration") == ["6840501", "6840502"]
    assert await list_codes(client, kind="special") == ["1100000"]
    assert await list_codes(client, kind="town_municipality") == []
    assert await list_codes(client, subdistrict_code="840101") == ["5840103", "6840101"]
    assert await list_codes(client, subdistrict_code="840503") == ["6840502"]
    assert await list_codes(client, subdistrict_code="840104") == []
    assert await list_codes(
        client, province_code="84", kind="subdistrict_administration", subdistrict_code="840501"
    ) == ["6840501"]


async def test_list_items_carry_their_subdistricts(client: httpx.AsyncClient) -> None:
    await seed(client)
    response = await client.get(f"{API}/local-governments", params={"province_code": "84", "limit": 2})
    items = response.json()["items"]
    assert [(i["code"], i["subdistrict_codes"]) for i in items] == [
        ("2840000", []),
        ("5840103", ["840101", "840103"]),
    ]
    single = (await get_lgo(client, "5840103")).json()
    assert items[1] == single


@pytest.mark.parametrize("limit", [1, 2, 4, 5, 6])
async def test_list_paginates_without_duplicates(client: httpx.AsyncClient, limit: int) -> None:
    await seed(client)
    codes = await list_codes(client, limit=limit)
    assert len(codes) == len(set(codes)) == 6
    assert codes == sorted(codes)
    assert await list_codes(client, limit=limit, province_code="84") == [c for c in codes if c != "1100000"]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "municipality"},
        {"province_code": "840"},
        {"subdistrict_code": "8401"},
        {"limit": "0"},
        {"limit": "501"},
    ],
)
async def test_malformed_list_filters_are_422(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    problem = assert_problem(await client.get(f"{API}/local-governments", params=params), 422)
    (name,) = params
    assert any(f.endswith(name) for f in fields(problem)), problem


# --- update ------------------------------------------------------------------------------------------


async def test_patch_with_current_if_match(client: httpx.AsyncClient) -> None:
    created = await make_lgo(client)
    etag = (await get_lgo(client)).headers["ETag"]
    response = await client.patch(
        f"{API}/local-governments/{LGO}",
        json={"name_th": "เทศบาลนครใหม่", "kind": "town_municipality", "subdistrict_codes": ["840103"]},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name_th"] == "เทศบาลนครใหม่"
    assert body["kind"] == "town_municipality"
    assert body["subdistrict_codes"] == ["840103"]
    assert body["name_en"] == created["name_en"]
    assert body["province_code"] == "84"
    assert body["created_at"] == created["created_at"]
    assert response.headers["ETag"] != etag
    fetched = await get_lgo(client)
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]
    assert await list_codes(client, subdistrict_code="840101") == []
    assert await list_codes(client, subdistrict_code="840103") == [LGO]


async def test_patch_with_a_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    stale = (await get_lgo(client)).headers["ETag"]
    assert (await client.patch(f"{API}/local-governments/{LGO}", json={"name_th": "ก"})).status_code == 200
    before = await get_lgo(client)
    assert_problem(
        await client.patch(
            f"{API}/local-governments/{LGO}",
            json={"name_th": "ข", "subdistrict_codes": []},
            headers={"If-Match": stale},
        ),
        412,
    )
    after = await get_lgo(client)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name_th": None}, "name_th"),
        ({"kind": None}, "kind"),
        ({"subdistrict_codes": None}, "subdistrict_codes"),
        ({"kind": "village"}, "kind"),
        ({"subdistrict_codes": ["840101", "840101"]}, "subdistrict_codes.1"),
        ({"subdistrict_codes": ["840101", "840199"]}, "subdistrict_codes.1"),
        ({"subdistrict_codes": ["100101"]}, "subdistrict_codes.0"),
        ({"subdistrict_codes": ["84010"]}, "subdistrict_codes.0"),
        ({"province_code": "10"}, "province_code"),
        ({"code": "6840102"}, "code"),
        ({"name_th": ""}, "name_th"),
    ],
)
async def test_invalid_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, patch: dict[str, Any], field: str
) -> None:
    await make_lgo(client)
    before = await get_lgo(client)
    problem = assert_problem(await client.patch(f"{API}/local-governments/{LGO}", json=patch), 422)
    assert field in fields(problem), problem
    after = await get_lgo(client)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


async def test_patch_removing_a_tambon_with_its_villages_is_409(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    await make_village(client, "84010201")  # in 840102, belongs to the LGO
    before = await get_lgo(client)
    problem = assert_problem(
        await client.patch(f"{API}/local-governments/{LGO}", json={"subdistrict_codes": ["840101"]}), 409
    )
    assert LGO in problem["detail"]
    after = await get_lgo(client)
    assert after.json() == before.json()
    assert after.json()["subdistrict_codes"] == ["840101", "840102"]
    assert after.headers["ETag"] == before.headers["ETag"]
    village = (await client.get(f"{API}/villages/84010201")).json()
    assert village["local_government_code"] == LGO


async def test_patch_removing_a_tambon_without_its_villages_is_fine(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    await make_village(client, "84010101")  # in 840101
    await make_village(client, "84010201", lgo=None)  # in 840102 but not this LGO's village
    response = await client.patch(f"{API}/local-governments/{LGO}", json={"subdistrict_codes": ["840101"]})
    assert response.status_code == 200, response.text
    assert response.json()["subdistrict_codes"] == ["840101"]


async def test_patch_without_if_match_works(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    response = await client.patch(f"{API}/local-governments/{LGO}", json={"name_en": None})
    assert response.status_code == 200, response.text
    assert response.json()["name_en"] is None
    assert (await get_lgo(client)).json()["name_en"] is None


async def test_patch_of_an_unknown_one_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.patch(f"{API}/local-governments/6849999", json={"name_th": "x"}), 404)


async def test_concurrent_patches_with_one_etag_never_both_win(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    etag = (await get_lgo(client)).headers["ETag"]
    responses = await asyncio.gather(
        client.patch(f"{API}/local-governments/{LGO}", json={"name_th": "หนึ่ง"}, headers={"If-Match": etag}),
        client.patch(f"{API}/local-governments/{LGO}", json={"name_th": "สอง"}, headers={"If-Match": etag}),
    )
    assert sorted(r.status_code for r in responses) == [200, 412], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert (await get_lgo(client)).json()["name_th"] == winner["name_th"]


# --- delete ------------------------------------------------------------------------------------------


async def test_delete_with_villages_is_409(client: httpx.AsyncClient, db: Database) -> None:
    await make_lgo(client)
    await make_village(client, "84010101")
    before = await get_lgo(client)
    problem = assert_problem(await client.delete(f"{API}/local-governments/{LGO}"), 409)
    assert LGO in problem["detail"]
    after = await get_lgo(client)
    assert after.status_code == 200
    assert after.json() == before.json()
    assert (await client.get(f"{API}/villages/84010101")).json()["local_government_code"] == LGO
    assert await count_rows(db, "local_government") == 1


async def test_delete_without_villages_is_204(client: httpx.AsyncClient, db: Database) -> None:
    await make_lgo(client)
    await make_village(client, "84010101", lgo=None)  # in its area but not linked
    response = await client.delete(f"{API}/local-governments/{LGO}")
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_problem(await get_lgo(client), 404)
    assert await list_codes(client, subdistrict_code="840101") == []
    assert await count_rows(db, "local_government_subdistrict") == 0
    assert (await client.get(f"{API}/villages/84010101")).status_code == 200
    assert_problem(await client.delete(f"{API}/local-governments/{LGO}"), 404)


async def test_delete_after_its_villages_moved_away(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    await make_village(client, "84010101")
    assert (
        await client.patch(f"{API}/villages/84010101", json={"local_government_code": None})
    ).status_code == 200
    assert (await client.delete(f"{API}/local-governments/{LGO}")).status_code == 204


async def test_delete_with_a_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    stale = (await get_lgo(client)).headers["ETag"]
    await client.patch(f"{API}/local-governments/{LGO}", json={"name_th": "ใหม่"})
    assert_problem(await client.delete(f"{API}/local-governments/{LGO}", headers={"If-Match": stale}), 412)
    current = await get_lgo(client)
    assert current.status_code == 200
    assert current.json()["name_th"] == "ใหม่"
    response = await client.delete(
        f"{API}/local-governments/{LGO}", headers={"If-Match": current.headers["ETag"]}
    )
    assert response.status_code == 204


async def test_code_can_be_reused_after_delete(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    assert (await client.delete(f"{API}/local-governments/{LGO}")).status_code == 204
    again = await make_lgo(client, subdistrict_codes=["840103"])
    assert again["subdistrict_codes"] == ["840103"]
    assert await list_codes(client, subdistrict_code="840101") == []


async def test_etag_of_a_recreated_local_government_differs(client: httpx.AsyncClient) -> None:
    await make_lgo(client, name_th="เก่า")
    old_etag = (await get_lgo(client)).headers["ETag"]
    assert (await client.delete(f"{API}/local-governments/{LGO}")).status_code == 204
    await make_lgo(client, name_th="ใหม่")
    current = await get_lgo(client)
    assert current.headers["ETag"] != old_etag
    stale = await client.patch(
        f"{API}/local-governments/{LGO}", json={"name_th": "ทับ"}, headers={"If-Match": old_etag}
    )
    assert_problem(stale, 412)
    assert (await get_lgo(client)).json()["name_th"] == "ใหม่"
