"""Villages (หมู่บ้าน): validation, derived areas, Thai text, conflicts, ETags, idempotency, lists."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import unicodedata
from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.db import Database
from tests.helpers import assert_problem, count_rows, fields, make_key

API = "/api/v1"

# Surat Thani (84): Mueang (8401) → Talat 840101, Makham Tia 840102; Ko Pha-ngan (8405) → Ko Tao 840503.
# Bangkok (10): Phra Nakhon (1001) → 100101.
VILLAGE = "84010101"
LGO_TALAT = "6840101"


def village_body(**overrides: Any) -> dict[str, Any]:
    return {"code": VILLAGE, "name_th": "บ้านดอนเกลี้ยง", "households": 120, "population": 410, **overrides}


async def post_village(client: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    return await client.post(f"{API}/villages", json=village_body(**overrides))


async def make_village(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await post_village(client, **overrides)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def make_lgo(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "code": LGO_TALAT,
        "name_th": "เทศบาลนครสุราษฎร์ธานี",
        "kind": "city_municipality",
        "province_code": "84",
        "subdistrict_codes": ["840101", "840102"],
        **overrides,
    }
    response = await client.post(f"{API}/local-governments", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def get_village(client: httpx.AsyncClient, code: str = VILLAGE) -> httpx.Response:
    return await client.get(f"{API}/villages/{code}")


async def all_codes(client: httpx.AsyncClient, limit: int, **filters: str) -> list[str]:
    codes: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        params: dict[str, Any] = {**filters, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"{API}/villages", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        codes += [v["code"] for v in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return codes
    raise AssertionError("pagination never ended")


# --- create ------------------------------------------------------------------------------------------


async def test_create_derives_areas_and_moo_from_the_code(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/villages",
        json={"code": "84050312", "name_th": "บ้านแม่หาด", "name_en": "Ban Mae Haad", "households": 5},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == "84050312"
    assert body["moo"] == 12
    assert body["subdistrict_code"] == "840503"
    assert body["district_code"] == "8405"
    assert body["province_code"] == "84"
    assert body["name_th"] == "บ้านแม่หาด"
    assert body["name_en"] == "Ban Mae Haad"
    assert body["households"] == 5
    assert body["population"] == 0
    assert body["local_government_code"] is None
    assert response.headers["Location"] == "/api/v1/villages/84050312"
    assert response.headers.get("ETag")

    fetched = await get_village(client, "84050312")
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


async def test_timestamps_carry_an_offset(client: httpx.AsyncClient) -> None:
    body = await make_village(client)
    for name in ("created_at", "updated_at"):
        parsed = dt.datetime.fromisoformat(body[name].replace("Z", "+00:00"))
        assert parsed.tzinfo is not None, body[name]
        assert abs(parsed - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)


async def test_moo_given_and_agreeing_is_accepted(client: httpx.AsyncClient) -> None:
    body = await make_village(client, code="84010107", moo=7)
    assert body["moo"] == 7


async def test_moo_disagreeing_with_the_code_is_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_village(client, code="84010107", moo=8), 422)
    assert fields(problem) == ["moo"]
    assert await count_rows(db, "village") == 0


@pytest.mark.parametrize("moo", [0, 100, -1, "7", 7.0, True])
async def test_moo_out_of_range_or_wrong_type_is_422(client: httpx.AsyncClient, moo: Any) -> None:
    problem = assert_problem(await post_village(client, code="84010107", moo=moo), 422)
    assert "moo" in fields(problem)


async def test_code_of_an_unknown_subdistrict_is_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_village(client, code="84019901"), 422)
    assert fields(problem) == ["code"]
    assert "849901" in problem["errors"][0]["message"] or "840199" in problem["errors"][0]["message"]
    assert await count_rows(db, "village") == 0


async def test_code_ending_in_00_is_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_village(client, code="84010100"), 422)
    assert "code" in fields(problem)
    assert await count_rows(db, "village") == 0


@pytest.mark.parametrize(
    "code", ["8401010", "840101011", "8401010a", "๘๔๐๑๐๑๐๑", "84 10101", "", "84010101\n", 84010101]
)
async def test_malformed_code_is_422(client: httpx.AsyncClient, db: Database, code: Any) -> None:
    problem = assert_problem(await post_village(client, code=code), 422)
    assert "code" in fields(problem)
    assert await count_rows(db, "village") == 0


async def test_missing_required_fields_are_listed(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.post(f"{API}/villages", json={}), 422)
    assert {"code", "name_th"} <= set(fields(problem))


@pytest.mark.parametrize("field", ["households", "population"])
@pytest.mark.parametrize("value", [-1, "12", 12.0, 12.5, True, None, "", [], 10**20])
async def test_counts_are_strict_non_negative_integers(
    client: httpx.AsyncClient, db: Database, field: str, value: Any
) -> None:
    problem = assert_problem(await post_village(client, **{field: value}), 422)
    assert field in fields(problem)
    assert await count_rows(db, "village") == 0


async def test_zero_counts_are_fine(client: httpx.AsyncClient) -> None:
    body = await make_village(client, households=0, population=0)
    assert (body["households"], body["population"]) == (0, 0)


@pytest.mark.parametrize("value", [True, 123, ["บ้าน"], {"th": "บ้าน"}])
async def test_name_must_be_a_string(client: httpx.AsyncClient, value: Any) -> None:
    problem = assert_problem(await post_village(client, name_th=value), 422)
    assert "name_th" in fields(problem)


@pytest.mark.parametrize("extra", ["province_code", "district_code", "subdistrict_code", "colour"])
async def test_unknown_or_derived_fields_are_refused(
    client: httpx.AsyncClient, db: Database, extra: str
) -> None:
    # The areas are derived from the code, never taken from input.
    problem = assert_problem(await post_village(client, **{extra: "10"}), 422)
    assert extra in fields(problem)
    assert await count_rows(db, "village") == 0


async def test_duplicate_code_is_409_and_keeps_the_first(client: httpx.AsyncClient, db: Database) -> None:
    first = await make_village(client)
    problem = assert_problem(await post_village(client, name_th="บ้านอื่น", households=1), 409)
    assert VILLAGE in problem["detail"]
    assert await count_rows(db, "village") == 1
    assert (await get_village(client)).json() == first


async def test_concurrent_creates_of_one_code_give_one_201_and_one_409(
    client: httpx.AsyncClient, db: Database
) -> None:
    responses = await asyncio.gather(
        post_village(client, name_th="บ้านหนึ่ง"), post_village(client, name_th="บ้านสอง")
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 201).json()
    assert (await get_village(client)).json() == winner
    assert await count_rows(db, "village") == 1


# --- Thai and other text -----------------------------------------------------------------------------

ROUND_TRIP_NAMES = [
    "บ้านน้ำใส",
    "บ้านผู้ใหญ่",
    "บ้านหนองปรือ ๑",
    "บ้านทุ่งกุลาร้องไห้",
    "บ้านเก่า 🏡 ใหม่",
    "👨\u200d👩\u200d👧 บ้าน",
    unicodedata.normalize("NFC", "Café Ñandú"),
    unicodedata.normalize("NFD", "Café Ñandú"),
    "ก" * 200,
    "น้ำ" * 66 + "ก🏡",
    " บ้านมีช่องว่าง ",
]


@pytest.mark.parametrize("name", ROUND_TRIP_NAMES)
async def test_names_round_trip_exactly(client: httpx.AsyncClient, name: str) -> None:
    created = await make_village(client, name_th=name, name_en=name)
    assert created["name_th"] == name
    fetched = (await get_village(client)).json()
    assert fetched["name_th"].encode("utf-8") == name.encode("utf-8")
    assert fetched["name_en"].encode("utf-8") == name.encode("utf-8")
    listed = (await client.get(f"{API}/villages", params={"subdistrict_code": "840101"})).json()
    assert listed["items"][0]["name_th"] == name


async def test_nfc_and_nfd_names_stay_distinct(client: httpx.AsyncClient) -> None:
    nfc = unicodedata.normalize("NFC", "Café")
    nfd = unicodedata.normalize("NFD", "Café")
    assert nfc != nfd
    await make_village(client, code="84010101", name_th="บ้าน", name_en=nfc)
    await make_village(client, code="84010102", name_th="บ้าน", name_en=nfd)
    assert (await get_village(client, "84010101")).json()["name_en"] == nfc
    assert (await get_village(client, "84010102")).json()["name_en"] == nfd


async def test_thai_is_sent_as_utf8_json(client: httpx.AsyncClient) -> None:
    await make_village(client, name_th="บ้านน้ำใส")
    response = await get_village(client)
    assert response.headers["content-type"].startswith("application/json")
    assert "บ้านน้ำใส".encode() in response.content or b"\\u0e1a" in response.content.lower()
    assert response.json()["name_th"] == "บ้านน้ำใส"


async def test_name_over_200_characters_is_422(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await post_village(client, name_th="ก" * 201), 422)
    assert "name_th" in fields(problem)


@pytest.mark.parametrize(
    "name",
    [
        "บ้าน\x00น้ำใส",
        "\x00",
        "บ้าน\nใหม่",
        "บ้าน\tใหม่",
        "บ้าน\rใหม่",
        "\x1b[31mบ้าน",
        "บ้าน\x7f",
        "บ้าน\x85",
        "บ้าน\ud800",
        "",
        "   ",
    ],
)
async def test_control_characters_surrogates_and_blanks_are_422(
    client: httpx.AsyncClient, db: Database, name: str
) -> None:
    # Sent as ASCII JSON with \u escapes: that is how a lone surrogate reaches a server.
    raw = json.dumps(village_body(name_th=name))
    response = await client.post(f"{API}/villages", content=raw, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 422)
    assert "name_th" in fields(problem)
    assert await count_rows(db, "village") == 0


async def test_nul_in_the_raw_json_body_is_422(client: httpx.AsyncClient, db: Database) -> None:
    raw = b'{"code": "84010101", "name_th": "\\u0000", "name_en": "a\\u0000b"}'
    response = await client.post(f"{API}/villages", content=raw, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 422)
    assert {"name_th", "name_en"} <= set(fields(problem))
    assert await count_rows(db, "village") == 0


# --- local government of a village ------------------------------------------------------------------


async def test_village_in_its_local_government(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    body = await make_village(client, local_government_code=LGO_TALAT)
    assert body["local_government_code"] == LGO_TALAT
    assert (await get_village(client)).json()["local_government_code"] == LGO_TALAT


async def test_unknown_local_government_is_422(client: httpx.AsyncClient, db: Database) -> None:
    problem = assert_problem(await post_village(client, local_government_code="6849999"), 422)
    assert fields(problem) == ["local_government_code"]
    assert await count_rows(db, "village") == 0


async def test_local_government_of_another_province_is_422(client: httpx.AsyncClient, db: Database) -> None:
    await make_lgo(client, code="1100101", province_code="10", subdistrict_codes=["100101"])
    problem = assert_problem(await post_village(client, local_government_code="1100101"), 422)
    assert fields(problem) == ["local_government_code"]
    assert await count_rows(db, "village") == 0


async def test_local_government_not_covering_the_subdistrict_is_422(
    client: httpx.AsyncClient, db: Database
) -> None:
    await make_lgo(client, code="6840501", subdistrict_codes=["840501", "840502"])
    problem = assert_problem(await post_village(client, local_government_code="6840501"), 422)
    assert fields(problem) == ["local_government_code"]
    assert await count_rows(db, "village") == 0
    ok = await post_village(client, code="84050201", local_government_code="6840501")
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("lgo", ["684010", "68401011", "abcdefg", 6840101])
async def test_malformed_local_government_code_is_422(client: httpx.AsyncClient, lgo: Any) -> None:
    problem = assert_problem(await post_village(client, local_government_code=lgo), 422)
    assert "local_government_code" in fields(problem)


async def test_several_problems_are_reported_together(client: httpx.AsyncClient) -> None:
    problem = assert_problem(
        await post_village(client, code="8401", households=-1, population="3", name_th=""), 422
    )
    assert {"code", "households", "population", "name_th"} <= set(fields(problem))
    assert "4" in problem["detail"]


# --- read and list -----------------------------------------------------------------------------------


async def test_unknown_village_is_a_404_problem(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await get_village(client, "84010199"), 404)
    assert "84010199" in problem["detail"]


@pytest.mark.parametrize("code", ["8401010", "840101010", "8401010x", "๘๔๐๑๐๑๐๑"])
async def test_malformed_code_in_the_path_is_422(client: httpx.AsyncClient, code: str) -> None:
    assert_problem(await get_village(client, code), 422)


async def seed_villages(client: httpx.AsyncClient) -> None:
    await make_lgo(client)  # covers 840101 and 840102
    await make_lgo(
        client,
        code="6840501",
        name_th="อบต.เกาะพะงัน",
        kind="subdistrict_administration",
        subdistrict_codes=["840501", "840503"],
    )
    for code, lgo in [
        ("84010101", LGO_TALAT),
        ("84010102", LGO_TALAT),
        ("84010103", None),
        ("84010201", LGO_TALAT),
        ("84050101", "6840501"),
        ("84050301", "6840501"),
        ("84050302", None),
        ("10010101", None),
    ]:
        await make_village(client, code=code, local_government_code=lgo)


async def test_list_filters(client: httpx.AsyncClient) -> None:
    await seed_villages(client)
    assert await all_codes(client, 50) == [
        "10010101",
        "84010101",
        "84010102",
        "84010103",
        "84010201",
        "84050101",
        "84050301",
        "84050302",
    ]
    assert await all_codes(client, 50, province_code="84") == [
        "84010101",
        "84010102",
        "84010103",
        "84010201",
        "84050101",
        "84050301",
        "84050302",
    ]
    assert await all_codes(client, 50, district_code="8401") == [
        "84010101",
        "84010102",
        "84010103",
        "84010201",
    ]
    assert await all_codes(client, 50, subdistrict_code="840101") == ["84010101", "84010102", "84010103"]
    assert await all_codes(client, 50, subdistrict_code="840503") == ["84050301", "84050302"]
    assert await all_codes(client, 50, local_government_code=LGO_TALAT) == [
        "84010101",
        "84010102",
        "84010201",
    ]
    assert await all_codes(client, 50, local_government_code="6840501", subdistrict_code="840503") == [
        "84050301"
    ]
    assert await all_codes(client, 50, province_code="10", district_code="8401") == []
    assert await all_codes(client, 50, province_code="11") == []


async def test_list_items_have_the_full_shape(client: httpx.AsyncClient) -> None:
    created = await make_village(client)
    listed = (await client.get(f"{API}/villages")).json()
    assert listed == {"items": [created], "next_cursor": None}


@pytest.mark.parametrize(
    "params",
    [
        {"province_code": "8"},
        {"district_code": "84011"},
        {"subdistrict_code": "8401"},
        {"local_government_code": "684010"},
        {"limit": "0"},
        {"limit": "501"},
    ],
)
async def test_malformed_list_filters_are_422(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    problem = assert_problem(await client.get(f"{API}/villages", params=params), 422)
    (name,) = params
    assert any(f.endswith(name) for f in fields(problem)), problem


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8])
async def test_list_paginates_without_duplicates_or_gaps(client: httpx.AsyncClient, limit: int) -> None:
    await seed_villages(client)
    codes = await all_codes(client, limit)
    assert len(codes) == len(set(codes)) == 8
    assert codes == sorted(codes)
    filtered = await all_codes(client, limit, province_code="84")
    assert filtered == [c for c in codes if c.startswith("84")]


async def test_cursor_survives_a_deletion_between_pages(client: httpx.AsyncClient) -> None:
    await seed_villages(client)
    first = (await client.get(f"{API}/villages", params={"limit": 3})).json()
    assert [v["code"] for v in first["items"]] == ["10010101", "84010101", "84010102"]
    assert (await client.delete(f"{API}/villages/84010102")).status_code == 204
    second = await client.get(f"{API}/villages", params={"limit": 3, "cursor": first["next_cursor"]})
    assert second.status_code == 200, second.text
    assert [v["code"] for v in second.json()["items"]] == ["84010103", "84010201", "84050101"]


async def test_village_cursor_is_refused_elsewhere(client: httpx.AsyncClient) -> None:
    await seed_villages(client)
    cursor = (await client.get(f"{API}/villages", params={"limit": 2})).json()["next_cursor"]
    assert cursor
    assert_problem(await client.get(f"{API}/local-governments", params={"cursor": cursor}), 400)
    assert_problem(await client.get(f"{API}/provinces", params={"cursor": cursor}), 400)


# --- update ------------------------------------------------------------------------------------------


async def test_get_returns_an_etag(client: httpx.AsyncClient) -> None:
    await make_village(client)
    first = await get_village(client)
    again = await get_village(client)
    assert first.headers["ETag"]
    assert first.headers["ETag"] == again.headers["ETag"]


async def test_patch_with_current_if_match(client: httpx.AsyncClient) -> None:
    created = await make_village(client)
    etag = (await get_village(client)).headers["ETag"]
    response = await client.patch(
        f"{API}/villages/{VILLAGE}",
        json={"name_th": "บ้านน้ำใส", "households": 130, "name_en": "Ban Nam Sai"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name_th"] == "บ้านน้ำใส"
    assert body["households"] == 130
    assert body["population"] == created["population"]  # untouched
    assert body["name_en"] == "Ban Nam Sai"
    assert body["created_at"] == created["created_at"]
    assert body["updated_at"] >= created["updated_at"]
    assert response.headers["ETag"] != etag
    fetched = await get_village(client)
    assert fetched.json() == body
    assert fetched.headers["ETag"] == response.headers["ETag"]


async def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(client: httpx.AsyncClient) -> None:
    await make_village(client)
    stale = (await get_village(client)).headers["ETag"]
    ok = await client.patch(f"{API}/villages/{VILLAGE}", json={"households": 1}, headers={"If-Match": stale})
    assert ok.status_code == 200
    before = await get_village(client)
    problem = assert_problem(
        await client.patch(
            f"{API}/villages/{VILLAGE}", json={"households": 999, "name_th": "x"}, headers={"If-Match": stale}
        ),
        412,
    )
    assert problem["type"].endswith("precondition-failed")
    after = await get_village(client)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.json()["households"] == 1


@pytest.mark.parametrize("header", ["*", "W/{etag}", '"nope", {etag}'])
async def test_if_match_forms_that_match(client: httpx.AsyncClient, header: str) -> None:
    await make_village(client)
    etag = (await get_village(client)).headers["ETag"]
    response = await client.patch(
        f"{API}/villages/{VILLAGE}", json={"population": 7}, headers={"If-Match": header.format(etag=etag)}
    )
    assert response.status_code == 200, response.text
    assert response.json()["population"] == 7


@pytest.mark.parametrize("header", ['"nope"', "garbage", '""', '"999"'])
async def test_if_match_that_does_not_match_is_412(client: httpx.AsyncClient, header: str) -> None:
    await make_village(client)
    before = (await get_village(client)).json()
    assert_problem(
        await client.patch(f"{API}/villages/{VILLAGE}", json={"population": 7}, headers={"If-Match": header}),
        412,
    )
    assert (await get_village(client)).json() == before


async def test_patch_without_if_match_works(client: httpx.AsyncClient) -> None:
    await make_village(client)
    response = await client.patch(f"{API}/villages/{VILLAGE}", json={"population": 500})
    assert response.status_code == 200, response.text
    assert response.json()["population"] == 500
    assert (await get_village(client)).json()["population"] == 500


async def test_concurrent_patches_with_one_etag_never_both_win(client: httpx.AsyncClient) -> None:
    await make_village(client)
    etag = (await get_village(client)).headers["ETag"]
    responses = await asyncio.gather(
        client.patch(f"{API}/villages/{VILLAGE}", json={"households": 1}, headers={"If-Match": etag}),
        client.patch(f"{API}/villages/{VILLAGE}", json={"households": 2}, headers={"If-Match": etag}),
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert (await get_village(client)).json()["households"] == winner["households"]


@pytest.mark.parametrize("field", ["name_th", "households", "population"])
async def test_patch_null_for_a_required_field_is_422(client: httpx.AsyncClient, field: str) -> None:
    await make_village(client)
    before = await get_village(client)
    problem = assert_problem(await client.patch(f"{API}/villages/{VILLAGE}", json={field: None}), 422)
    assert field in fields(problem)
    after = await get_village(client)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


async def test_patch_null_clears_optional_fields(client: httpx.AsyncClient) -> None:
    await make_lgo(client)
    await make_village(client, name_en="Ban Don", local_government_code=LGO_TALAT)
    response = await client.patch(
        f"{API}/villages/{VILLAGE}", json={"name_en": None, "local_government_code": None}
    )
    assert response.status_code == 200, response.text
    assert response.json()["name_en"] is None
    assert response.json()["local_government_code"] is None
    assert (await get_village(client)).json()["local_government_code"] is None


@pytest.mark.parametrize(
    "patch",
    [
        {"households": -5},
        {"households": "12"},
        {"population": 1.0},
        {"population": False},
        {"name_th": "a\x00b"},
        {"name_th": ""},
        {"code": "84010102"},
        {"moo": 3},
        {"province_code": "10"},
        {"subdistrict_code": "840102"},
        {"local_government_code": "6849999"},
        {"local_government_code": "12"},
    ],
)
async def test_invalid_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, patch: dict[str, Any]
) -> None:
    await make_village(client)
    before = await get_village(client)
    problem = assert_problem(await client.patch(f"{API}/villages/{VILLAGE}", json=patch), 422)
    (name,) = patch
    assert name in fields(problem), problem
    after = await get_village(client)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


async def test_patch_to_a_local_government_not_covering_it_is_422(client: httpx.AsyncClient) -> None:
    await make_lgo(client, code="6840501", subdistrict_codes=["840501"])
    await make_lgo(client, code="1100101", province_code="10", subdistrict_codes=["100101"])
    await make_village(client)
    before = (await get_village(client)).json()
    for lgo in ("6840501", "1100101"):
        problem = assert_problem(
            await client.patch(f"{API}/villages/{VILLAGE}", json={"local_government_code": lgo}), 422
        )
        assert fields(problem) == ["local_government_code"]
    assert (await get_village(client)).json() == before


async def test_patch_of_an_unknown_village_is_404(client: httpx.AsyncClient, db: Database) -> None:
    assert_problem(await client.patch(f"{API}/villages/84010199", json={"households": 3}), 404)
    assert await count_rows(db, "village") == 0


# --- delete ------------------------------------------------------------------------------------------


async def test_delete_then_404(client: httpx.AsyncClient, db: Database) -> None:
    await make_village(client)
    response = await client.delete(f"{API}/villages/{VILLAGE}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await get_village(client), 404)
    assert_problem(await client.delete(f"{API}/villages/{VILLAGE}"), 404)
    assert await count_rows(db, "village") == 0


async def test_delete_with_a_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    await make_village(client)
    stale = (await get_village(client)).headers["ETag"]
    await client.patch(f"{API}/villages/{VILLAGE}", json={"households": 3})
    assert_problem(await client.delete(f"{API}/villages/{VILLAGE}", headers={"If-Match": stale}), 412)
    survivor = await get_village(client)
    assert survivor.status_code == 200
    assert survivor.json()["households"] == 3
    current = survivor.headers["ETag"]
    assert (
        await client.delete(f"{API}/villages/{VILLAGE}", headers={"If-Match": current})
    ).status_code == 204
    assert_problem(await get_village(client), 404)


async def test_code_can_be_reused_after_delete(client: httpx.AsyncClient) -> None:
    await make_village(client, name_th="บ้านเก่า")
    assert (await client.delete(f"{API}/villages/{VILLAGE}")).status_code == 204
    again = await make_village(client, name_th="บ้านใหม่")
    assert again["name_th"] == "บ้านใหม่"


async def test_etag_of_a_recreated_village_differs(client: httpx.AsyncClient) -> None:
    # A strong ETag names one representation: a village deleted and made again with other data must not
    # answer to the ETag of the old one, or a client's stale If-Match would overwrite data it never saw.
    await make_village(client, name_th="บ้านเก่า", households=1)
    old_etag = (await get_village(client)).headers["ETag"]
    assert (await client.delete(f"{API}/villages/{VILLAGE}")).status_code == 204
    await make_village(client, name_th="บ้านใหม่", households=2)
    current = await get_village(client)
    assert current.headers["ETag"] != old_etag
    stale = await client.patch(
        f"{API}/villages/{VILLAGE}", json={"households": 99}, headers={"If-Match": old_etag}
    )
    assert_problem(stale, 412)
    assert (await get_village(client)).json()["households"] == 2


# --- idempotency -------------------------------------------------------------------------------------


async def test_idempotent_replay_returns_the_first_answer(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"Idempotency-Key": "create-84010101"}
    first = await client.post(f"{API}/villages", json=village_body(), headers=headers)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    replay = await client.post(f"{API}/villages", json=village_body(), headers=headers)
    assert replay.status_code == 201, replay.text
    assert replay.json() == first.json()
    assert replay.content == first.content
    assert replay.headers["Location"] == first.headers["Location"]
    assert replay.headers["ETag"] == first.headers["ETag"]
    assert replay.headers["content-type"].startswith("application/json")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert await count_rows(db, "village") == 1


async def test_idempotent_replay_changes_nothing_after_an_update(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = await client.post(f"{API}/villages", json=village_body(), headers=headers)
    assert first.status_code == 201
    patched = await client.patch(f"{API}/villages/{VILLAGE}", json={"households": 1})
    assert patched.status_code == 200
    replay = await client.post(f"{API}/villages", json=village_body(), headers=headers)
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert (await get_village(client)).json()["households"] == 1  # the replay did not write again


async def test_same_key_with_a_different_body_is_422(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"Idempotency-Key": "k-2"}
    first = await client.post(f"{API}/villages", json=village_body(), headers=headers)
    assert first.status_code == 201
    other = await client.post(
        f"{API}/villages", json=village_body(code="84010102", name_th="บ้านอื่น"), headers=headers
    )
    problem = assert_problem(other, 422)
    assert "Idempotent-Replayed" not in other.headers
    assert "Idempotency-Key" in problem["detail"]
    assert await count_rows(db, "village") == 1
    assert_problem(await get_village(client, "84010102"), 404)


async def test_same_key_on_another_resource_is_422(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"Idempotency-Key": "k-shared"}
    assert (await client.post(f"{API}/villages", json=village_body(), headers=headers)).status_code == 201
    lgo = {
        "code": LGO_TALAT,
        "name_th": "เทศบาล",
        "kind": "city_municipality",
        "province_code": "84",
    }
    assert_problem(await client.post(f"{API}/local-governments", json=lgo, headers=headers), 422)
    assert await count_rows(db, "local_government") == 0


async def test_different_keys_are_different_requests(client: httpx.AsyncClient) -> None:
    first = await client.post(f"{API}/villages", json=village_body(), headers={"Idempotency-Key": "a"})
    assert first.status_code == 201
    second = await client.post(f"{API}/villages", json=village_body(), headers={"Idempotency-Key": "b"})
    assert_problem(second, 409)


async def test_a_failed_request_is_not_remembered(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"Idempotency-Key": "k-fail"}
    bad = await client.post(f"{API}/villages", json=village_body(households=-1), headers=headers)
    assert_problem(bad, 422)
    good = await client.post(f"{API}/villages", json=village_body(), headers=headers)
    assert good.status_code == 201, good.text
    assert "Idempotent-Replayed" not in good.headers
    assert await count_rows(db, "village") == 1


async def test_idempotency_keys_belong_to_their_caller(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    other_key = await make_key(db, Role.admin, None, "second admin")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"Authorization": f"Bearer {other_key}"}
    ) as other:
        headers = {"Idempotency-Key": "shared-key"}
        mine = await client.post(f"{API}/villages", json=village_body(), headers=headers)
        assert mine.status_code == 201
        theirs = await other.post(f"{API}/villages", json=village_body(code="84010102"), headers=headers)
        assert theirs.status_code == 201, theirs.text
        assert "Idempotent-Replayed" not in theirs.headers
        assert theirs.json()["code"] == "84010102"
    assert await count_rows(db, "village") == 2


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_invalid_idempotency_key_is_422(client: httpx.AsyncClient, db: Database, key: str) -> None:
    assert_problem(
        await client.post(f"{API}/villages", json=village_body(), headers={"Idempotency-Key": key}), 422
    )
    assert await count_rows(db, "village") == 0


async def test_concurrent_retries_with_one_key_both_get_the_first_answer(
    client: httpx.AsyncClient, db: Database
) -> None:
    headers = {"Idempotency-Key": "k-race"}
    responses = await asyncio.gather(
        *(client.post(f"{API}/villages", json=village_body(), headers=headers) for _ in range(3))
    )
    assert [r.status_code for r in responses] == [201, 201, 201], [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 2
    assert await count_rows(db, "village") == 1
