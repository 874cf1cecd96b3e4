"""Geography reference data: provinces, districts, subdistricts, their filters, headers and cursors."""

from __future__ import annotations

import base64
import json
from typing import Any

import geothai
import httpx
import pytest

from tests.helpers import PROBLEM_JSON, assert_problem

API = "/api/v1"


async def collect(
    client: httpx.AsyncClient, path: str, params: dict[str, Any] | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, following next_cursor; also how many pages it took."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert len(body["items"]) == limit  # a page with a successor is a full page
        assert pages < 1000


async def a_cursor(client: httpx.AsyncClient, path: str, params: dict[str, Any] | None = None) -> str:
    response = await client.get(path, params={**(params or {}), "limit": 2})
    assert response.status_code == 200, response.text
    cursor = response.json()["next_cursor"]
    assert isinstance(cursor, str) and cursor
    return cursor


# --- provinces ---------------------------------------------------------------------------------------


async def test_get_province_by_code(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/provinces/84")
    assert response.status_code == 200, response.text
    assert response.json() == {"code": "84", "name_th": "สุราษฎร์ธานี", "name_en": "Surat Thani"}
    assert response.headers["Geography-Data-Version"] == geothai.DATA_VERSION


async def test_provinces_match_the_geothai_package(client: httpx.AsyncClient) -> None:
    items, pages = await collect(client, f"{API}/provinces", limit=500)
    assert pages == 1
    expected = {p.code: (p.name_th, p.name_en) for p in geothai.provinces()}
    assert {p["code"]: (p["name_th"], p["name_en"]) for p in items} == expected


async def test_unknown_province_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{API}/provinces/99"), 404)
    assert "99" in body["detail"]
    assert body["type"].endswith("not-found")


@pytest.mark.parametrize("code", ["8", "840", "ab", "8a", "๘๔", "84 "])
async def test_malformed_province_code_is_422(client: httpx.AsyncClient, code: str) -> None:
    assert_problem(await client.get(f"{API}/provinces/{code}"), 422)


# --- districts ---------------------------------------------------------------------------------------


async def test_districts_of_surat_thani(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/districts", params={"province_code": "84"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    codes = [d["code"] for d in body["items"]]
    assert len(codes) == 19
    assert codes == sorted(codes)
    assert all(d["province_code"] == "84" and d["code"].startswith("84") for d in body["items"])
    assert {"code": "8405", "name_th": "เกาะพะงัน", "name_en": "Ko Pha-ngan", "province_code": "84"} in body[
        "items"
    ]
    assert response.headers["Geography-Data-Version"] == geothai.DATA_VERSION


async def test_get_district_by_code(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/districts/8405")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": "8405",
        "name_th": "เกาะพะงัน",
        "name_en": "Ko Pha-ngan",
        "province_code": "84",
    }
    assert response.headers["Geography-Data-Version"] == geothai.DATA_VERSION


async def test_unknown_district_is_a_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{API}/districts/8499"), 404)


@pytest.mark.parametrize("code", ["840", "84055", "84x5", "840100"])
async def test_malformed_district_code_is_422(client: httpx.AsyncClient, code: str) -> None:
    body = assert_problem(await client.get(f"{API}/districts/{code}"), 422)
    assert body["errors"], body


async def test_district_filter_for_a_province_without_data_is_empty(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/districts", params={"province_code": "99"})
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}


async def test_malformed_province_filter_is_422(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{API}/districts", params={"province_code": "8"}), 422)
    assert any("province_code" in e["field"] for e in body["errors"]), body


async def test_all_districts_paginate_without_duplicates(client: httpx.AsyncClient) -> None:
    items, pages = await collect(client, f"{API}/districts", limit=100)
    codes = [d["code"] for d in items]
    assert len(codes) == len(set(codes)) == 928
    assert codes == sorted(codes)
    assert pages == 10


# --- subdistricts ------------------------------------------------------------------------------------


async def test_subdistricts_of_ko_pha_ngan(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/subdistricts", params={"district_code": "8405"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    assert [(s["code"], s["name_th"]) for s in body["items"]] == [
        ("840501", "เกาะพะงัน"),
        ("840502", "บ้านใต้"),
        ("840503", "เกาะเต่า"),
    ]
    assert all(s["district_code"] == "8405" and s["province_code"] == "84" for s in body["items"])
    assert response.headers["Geography-Data-Version"] == geothai.DATA_VERSION


async def test_get_subdistrict_by_code(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/subdistricts/840503")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": "840503",
        "name_th": "เกาะเต่า",
        "name_en": "Ko Tao",
        "district_code": "8405",
        "province_code": "84",
    }
    assert response.headers["Geography-Data-Version"] == geothai.DATA_VERSION


async def test_unknown_subdistrict_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{API}/subdistricts/840599"), 404)
    assert "840599" in body["detail"]


@pytest.mark.parametrize("code", ["84050", "8405033", "84O503", "840503x"])
async def test_malformed_subdistrict_code_is_422(client: httpx.AsyncClient, code: str) -> None:
    assert_problem(await client.get(f"{API}/subdistricts/{code}"), 422)


async def test_subdistricts_of_a_province_paginate_across_pages(client: httpx.AsyncClient) -> None:
    items, pages = await collect(client, f"{API}/subdistricts", {"province_code": "84"}, limit=20)
    expected = sorted(s.code for d in geothai.districts("84") for s in geothai.subdistricts(d.code))
    codes = [s["code"] for s in items]
    assert codes == expected
    assert len(set(codes)) == len(codes) == 131
    assert pages == 7  # 6 full pages of 20 and one of 11
    assert all(s["province_code"] == "84" for s in items)


async def test_subdistrict_filters_combine(client: httpx.AsyncClient) -> None:
    both = await client.get(f"{API}/subdistricts", params={"province_code": "84", "district_code": "8405"})
    assert both.status_code == 200
    assert [s["code"] for s in both.json()["items"]] == ["840501", "840502", "840503"]
    contradicting = await client.get(
        f"{API}/subdistricts", params={"province_code": "10", "district_code": "8405"}
    )
    assert contradicting.status_code == 200
    assert contradicting.json()["items"] == []


async def test_the_last_page_has_no_cursor(client: httpx.AsyncClient) -> None:
    # Exactly 3 subdistricts and limit 3: there is no page after, so no cursor that leads to an empty page.
    response = await client.get(f"{API}/subdistricts", params={"district_code": "8405", "limit": 3})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 3
    assert response.json()["next_cursor"] is None


async def test_data_version_header_on_every_geography_read(client: httpx.AsyncClient) -> None:
    for path in (
        "/provinces",
        "/provinces/84",
        "/districts",
        "/districts/8401",
        "/subdistricts",
        "/subdistricts/840101",
    ):
        response = await client.get(API + path)
        assert response.status_code == 200, path
        assert response.headers.get("Geography-Data-Version") == geothai.DATA_VERSION, path


# --- cursors -----------------------------------------------------------------------------------------


async def test_cursor_continues_where_the_page_ended(client: httpx.AsyncClient) -> None:
    first = await client.get(f"{API}/districts", params={"province_code": "84", "limit": 5})
    body = first.json()
    second = await client.get(
        f"{API}/districts", params={"province_code": "84", "limit": 5, "cursor": body["next_cursor"]}
    )
    assert second.status_code == 200
    first_codes = [d["code"] for d in body["items"]]
    second_codes = [d["code"] for d in second.json()["items"]]
    assert len(second_codes) == 5
    assert not set(first_codes) & set(second_codes)
    assert second_codes[0] > first_codes[-1]


def _tamper(cursor: str) -> str:
    payload, signature = cursor.split(".", 1)
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    values = json.loads(raw)
    values[0] = "00"  # rewind to the start
    forged = base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()
    return f"{forged}.{signature}"


async def test_tampered_cursor_is_a_400_problem(client: httpx.AsyncClient) -> None:
    cursor = await a_cursor(client, f"{API}/provinces")
    response = await client.get(f"{API}/provinces", params={"cursor": _tamper(cursor)})
    body = assert_problem(response, 400)
    assert "cursor" in body["detail"].lower()


async def test_cursor_with_a_flipped_signature_is_400(client: httpx.AsyncClient) -> None:
    cursor = await a_cursor(client, f"{API}/provinces")
    payload, signature = cursor.split(".", 1)
    # Change the first signature character: unlike the last one, it carries no padding bits.
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert_problem(await client.get(f"{API}/provinces", params={"cursor": f"{payload}.{flipped}"}), 400)


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "a.b", ".", "..", "!!!.???", "ก.ข", "eyJ4IjoxfQ", "W10.AAAA", "%00", "\u200b"],
)
async def test_garbage_cursor_is_400_not_500(client: httpx.AsyncClient, cursor: str) -> None:
    assert_problem(await client.get(f"{API}/districts", params={"cursor": cursor}), 400)


async def test_overlong_cursor_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/districts", params={"cursor": "A" * 5000})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


async def test_cursor_of_one_list_refused_by_another(client: httpx.AsyncClient) -> None:
    provinces_cursor = await a_cursor(client, f"{API}/provinces")
    assert_problem(await client.get(f"{API}/districts", params={"cursor": provinces_cursor}), 400)
    assert_problem(await client.get(f"{API}/subdistricts", params={"cursor": provinces_cursor}), 400)
    districts_cursor = await a_cursor(client, f"{API}/districts", {"province_code": "84"})
    assert_problem(await client.get(f"{API}/subdistricts", params={"cursor": districts_cursor}), 400)
    assert_problem(await client.get(f"{API}/provinces", params={"cursor": districts_cursor}), 400)
    assert_problem(await client.get(f"{API}/villages", params={"cursor": districts_cursor}), 400)
    assert_problem(await client.get(f"{API}/local-governments", params={"cursor": districts_cursor}), 400)


@pytest.mark.parametrize("limit", ["0", "-1", "501", "abc", "1.5"])
async def test_out_of_range_limit_is_422(client: httpx.AsyncClient, limit: str) -> None:
    body = assert_problem(await client.get(f"{API}/provinces", params={"limit": limit}), 422)
    assert any(e["field"].endswith("limit") for e in body["errors"]), body


async def test_limit_bounds_are_inclusive(client: httpx.AsyncClient) -> None:
    one = await client.get(f"{API}/provinces", params={"limit": 1})
    assert one.status_code == 200 and len(one.json()["items"]) == 1
    most = await client.get(f"{API}/districts", params={"limit": 500})
    assert most.status_code == 200 and len(most.json()["items"]) == 500


async def test_default_page_size_is_50(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/provinces")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 50
    assert response.json()["next_cursor"]


async def test_geography_is_read_only(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/provinces", json={"code": "98", "name_th": "x", "name_en": "x"})
    assert_problem(response, 405)
    assert_problem(await client.delete(f"{API}/provinces/84"), 405)
    assert (await client.get(f"{API}/provinces/84")).status_code == 200


async def test_geography_needs_a_key(anon: httpx.AsyncClient) -> None:
    for path in ("/provinces/84", "/districts?province_code=84", "/subdistricts/840101"):
        assert_problem(await anon.get(API + path), 401)
