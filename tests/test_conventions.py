"""API-wide conventions: problem+json errors, Thai messages, authentication, body limits, system
endpoints, offline docs and the OpenAPI document."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.core.db import Database
from app.migrations import head_revisions
from tests.helpers import PROBLEM_JSON, assert_problem, count_rows, fields, has_thai

API = "/api/v1"
MIB = 1024 * 1024

VILLAGE = {"code": "84010101", "name_th": "บ้านดอนเกลี้ยง", "households": 120, "population": 410}


def assert_client_error_problem(response: httpx.Response) -> dict[str, Any]:
    """Any 4xx, as a proper problem: never a 500, never an HTML or plain-text error."""
    assert 400 <= response.status_code < 500, response.text
    return assert_problem(response, response.status_code)


async def post_json_bytes(client: httpx.AsyncClient, path: str, raw: bytes, **headers: str) -> httpx.Response:
    return await client.post(path, content=raw, headers={"Content-Type": "application/json", **headers})


# --- problem+json ------------------------------------------------------------------------------------


async def test_validation_problem_shape(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/villages", json={**VILLAGE, "households": -1, "colour": "red"})
    body = assert_problem(response, 422)
    assert body["type"].endswith("validation")
    assert body["title"] == "Invalid request"
    assert body["instance"] == f"{API}/villages"
    assert isinstance(body["errors"], list)
    assert all(set(e) == {"field", "message"} and e["message"] for e in body["errors"])
    assert set(fields(body)) == {"households", "colour"}
    assert not any(has_thai(e["message"]) for e in body["errors"])


async def test_not_found_problem_shape(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{API}/villages/84010199"), 404)
    assert body["title"] == "Not found"
    assert "84010199" in body["detail"]
    assert body.get("errors") is None


async def test_nested_field_paths(client: httpx.AsyncClient) -> None:
    lgo = {
        "code": "6840101",
        "name_th": "เทศบาล",
        "kind": "city_municipality",
        "province_code": "84",
        "subdistrict_codes": ["840101", "84010"],
    }
    body = assert_problem(await client.post(f"{API}/local-governments", json=lgo), 422)
    assert fields(body) == ["subdistrict_codes.1"]


async def test_query_errors_name_the_parameter(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{API}/villages", params={"limit": "many"}), 422)
    assert any(f.endswith("limit") for f in fields(body))


# --- Thai --------------------------------------------------------------------------------------------

THAI_HEADERS = ["th", "th-TH", "TH", "th-TH,th;q=0.9,en;q=0.8", "en;q=0.5, th", "fr, th;q=0.7"]
ENGLISH_HEADERS = ["en", "en-US,en;q=0.9,th;q=0.8", "fr", "*", "", "q=;;,,;", "th;q=0.1, en;q=0.9"]


@pytest.mark.parametrize("header", THAI_HEADERS)
async def test_thai_titles_and_validation_messages(client: httpx.AsyncClient, header: str) -> None:
    bad = {
        "code": "8401",  # pattern
        "name_th": "บ้าน\x00",  # control character
        "households": "12",  # strict int
        "population": -1,  # minimum
        "moo": 1.5,  # not an integer
        "colour": "red",  # unknown field
    }
    response = await client.post(f"{API}/villages", json=bad, headers={"Accept-Language": header})
    body = assert_problem(response, 422)
    assert body["title"] == "ข้อมูลที่ส่งมาไม่ถูกต้อง"
    assert has_thai(body["detail"])
    assert {"code", "name_th", "households", "population", "moo", "colour"} <= set(fields(body))
    for error in body["errors"]:
        assert has_thai(error["message"]), error


async def test_thai_missing_field_and_kind_messages(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/local-governments",
        json={"code": "6840101", "kind": "mayor", "province_code": "84"},
        headers={"Accept-Language": "th"},
    )
    body = assert_problem(response, 422)
    assert set(fields(body)) == {"name_th", "kind"}
    assert all(has_thai(e["message"]) for e in body["errors"]), body


async def test_thai_domain_field_messages(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/villages", json={**VILLAGE, "code": "84010107", "moo": 8}, headers={"Accept-Language": "th"}
    )
    body = assert_problem(response, 422)
    assert fields(body) == ["moo"]
    assert has_thai(body["errors"][0]["message"])
    response = await client.post(
        f"{API}/villages", json={**VILLAGE, "code": "84019901"}, headers={"Accept-Language": "th"}
    )
    body = assert_problem(response, 422)
    assert fields(body) == ["code"] and has_thai(body["errors"][0]["message"])


@pytest.mark.parametrize("header", ENGLISH_HEADERS)
async def test_english_by_default(client: httpx.AsyncClient, header: str) -> None:
    headers = {"Accept-Language": header} if header else {}
    response = await client.post(f"{API}/villages", json={**VILLAGE, "households": "12"}, headers=headers)
    body = assert_problem(response, 422)
    assert body["title"] == "Invalid request"
    assert not has_thai(body["title"] + body["detail"])
    assert not any(has_thai(e["message"]) for e in body["errors"])


async def test_thai_on_every_kind_of_problem(client: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    th = {"Accept-Language": "th"}
    await client.post(f"{API}/villages", json=VILLAGE)
    etag_stale = '"999"'
    cases = [
        (await client.get(f"{API}/villages/84010199", headers=th), 404, "ไม่พบข้อมูล"),
        (await client.post(f"{API}/villages", json=VILLAGE, headers=th), 409, "ข้อมูลขัดแย้งกัน"),
        (
            await client.patch(
                f"{API}/villages/84010101", json={"households": 1}, headers={**th, "If-Match": etag_stale}
            ),
            412,
            "ข้อมูลถูกเปลี่ยนไปแล้ว",
        ),
        (await anon.get(f"{API}/villages", headers=th), 401, "ต้องยืนยันตัวตน"),
        (await client.get(f"{API}/villages", params={"cursor": "x.y"}, headers=th), 400, "คำขอไม่ถูกต้อง"),
        (await client.get(f"{API}/no-such-thing", headers=th), 404, "ไม่พบข้อมูล"),
        (await client.put(f"{API}/villages", json={}, headers=th), 405, "ไม่รองรับเมธอดนี้"),
        (
            await client.post(f"{API}/villages", content=b"x" * (MIB + 1), headers=th),
            413,
            "ข้อมูลที่ส่งมามีขนาดใหญ่เกินไป",
        ),
    ]
    for response, status, title in cases:
        body = assert_problem(response, status)
        assert body["title"] == title, (status, body)
        assert has_thai(body["detail"]), (status, body)


# --- authentication ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Basic YWRtaW46YWRtaW4=",
        "Token cpk_abcdef",
        "cpk_abcdef",
        "Bearer cpk_",
        "Bearer cpk_not-a-real-key-0123456789abcdefghijklmnopqrstu",
        "Bearer not-a-key",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo",
        "Bearer a.b.c",
        "Bearer cpk_" + "a" * 5000,
        "Bearer cpk_\u00e9\u00e8",
        "Bearer cpk_\u0e01\u0e02",
    ],
)
async def test_bad_credentials_are_401(anon: httpx.AsyncClient, authorization: str | None) -> None:
    # Sent as UTF-8 bytes: a header may carry any octets, whatever the client library prefers.
    headers = {} if authorization is None else {"Authorization": authorization.encode()}
    body = assert_problem(await anon.get(f"{API}/villages", headers=headers), 401)
    assert body["title"] == "Authentication required"


async def test_401_advertises_bearer(anon: httpx.AsyncClient) -> None:
    response = await anon.get(f"{API}/provinces")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


async def test_key_with_a_different_scheme_is_401(anon: httpx.AsyncClient, admin_key: str) -> None:
    for scheme in ("Basic", "Token", "ApiKey", ""):
        value = f"{scheme} {admin_key}".strip()
        assert_problem(await anon.get(f"{API}/provinces", headers={"Authorization": value}), 401)


async def test_bearer_scheme_is_case_insensitive(anon: httpx.AsyncClient, admin_key: str) -> None:
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = await anon.get(f"{API}/provinces/84", headers={"Authorization": f"{scheme} {admin_key}"})
        assert response.status_code == 200, (scheme, response.text)


async def test_key_with_trailing_garbage_is_401(anon: httpx.AsyncClient, admin_key: str) -> None:
    for value in (f"Bearer {admin_key}x", f"Bearer {admin_key[:-1]}", f"Bearer {admin_key} extra"):
        assert_problem(await anon.get(f"{API}/provinces", headers={"Authorization": value}), 401)


async def test_writes_need_a_key_and_change_nothing(anon: httpx.AsyncClient, db: Database) -> None:
    assert_problem(await anon.post(f"{API}/villages", json=VILLAGE), 401)
    assert_problem(await anon.post(f"{API}/villages", json={"bogus": True}), 401)
    assert_problem(await anon.patch(f"{API}/villages/84010101", json={"households": 1}), 401)
    assert_problem(await anon.delete(f"{API}/villages/84010101"), 401)
    assert await count_rows(db, "village") == 0


async def test_system_endpoints_need_no_key(anon: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        assert (await anon.get(path)).status_code == 200, path


# --- request bodies ----------------------------------------------------------------------------------


async def test_body_over_1_mib_with_content_length_is_413(client: httpx.AsyncClient, db: Database) -> None:
    raw = json.dumps({**VILLAGE, "name_en": "x" * (MIB + 10)}).encode()
    response = await post_json_bytes(client, f"{API}/villages", raw)
    body = assert_problem(response, 413)
    assert str(MIB) in body["detail"]
    assert await count_rows(db, "village") == 0


async def test_chunked_body_over_1_mib_is_413(client: httpx.AsyncClient, db: Database) -> None:
    chunk = b" " * 65536

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"code": "84010101", "name_th": "x",'
        for _ in range(17):  # 17 * 64 KiB > 1 MiB
            yield chunk
        yield b'"households": 1}'

    response = await client.post(
        f"{API}/villages", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_problem(response, 413)
    assert await count_rows(db, "village") == 0


async def test_chunked_body_under_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    raw = json.dumps(VILLAGE).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(raw), 7):
            yield raw[i : i + 7]

    response = await client.post(
        f"{API}/villages", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["name_th"] == VILLAGE["name_th"]


async def test_body_of_exactly_1_mib_is_accepted(client: httpx.AsyncClient) -> None:
    raw = json.dumps(VILLAGE).encode()
    padded = raw[:-1] + b" " * (MIB - len(raw)) + b"}"
    assert len(padded) == MIB
    response = await post_json_bytes(client, f"{API}/villages", padded)
    assert response.status_code == 201, response.text


async def test_413_on_patch_too(client: httpx.AsyncClient) -> None:
    await client.post(f"{API}/villages", json=VILLAGE)
    raw = json.dumps({"name_en": "x" * (MIB + 1)}).encode()
    response = await client.patch(
        f"{API}/villages/84010101", content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)
    assert (await client.get(f"{API}/villages/84010101")).json()["name_en"] is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"code": "84010101", "name_th": "\xff\xfe\xfd"}',
        b'{"code": "84010101", "name_th": "\xe0\xb8"}',  # truncated Thai character
        b'{"code": "84010101", "name_th": "\xed\xa0\x80"}',  # encoded surrogate
        b"\xff\xfe{\x00}\x00",
        b"\xc0\xaf",
    ],
)
async def test_invalid_utf8_body_is_a_4xx_problem(
    client: httpx.AsyncClient, db: Database, raw: bytes
) -> None:
    assert_client_error_problem(await post_json_bytes(client, f"{API}/villages", raw))
    assert await count_rows(db, "village") == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"hello",
        b"{",
        b'{"code": "84010101",}',
        b"",
        b"null",
        b"42",
        b'"84010101"',
        b"[]",
        json.dumps([VILLAGE]).encode(),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"code": "84010101", "name_th": "x", "households": NaN}',
        b'{"code": "84010101", "name_th": "x", "households": Infinity}',
        b'{"code": "84010101", "name_th": "x", "households": 1e400}',
        b'{"code": "84010101", "name_th": "x", "households": ' + b"9" * 5000 + b"}",
    ],
)
async def test_non_object_or_broken_json_is_a_4xx_problem(
    client: httpx.AsyncClient, db: Database, raw: bytes
) -> None:
    assert_client_error_problem(await post_json_bytes(client, f"{API}/villages", raw))
    assert await count_rows(db, "village") == 0


async def test_json_array_instead_of_object_is_422(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post(f"{API}/villages", json=[VILLAGE]), 422)
    assert body["errors"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"],
)
async def test_body_of_another_media_type_is_refused(
    client: httpx.AsyncClient, db: Database, content_type: str
) -> None:
    response = await client.post(
        f"{API}/villages", content=json.dumps(VILLAGE).encode(), headers={"Content-Type": content_type}
    )
    assert_client_error_problem(response)
    assert await count_rows(db, "village") == 0


@pytest.mark.parametrize(
    "path", ["/villages/%00", "/villages/84010101%0A", "/villages/%F0%9F%8F%A1", "/villages/%FF"]
)
async def test_odd_paths_are_4xx_problems(client: httpx.AsyncClient, path: str) -> None:
    assert_client_error_problem(await client.get(API + path))


# --- routing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [f"{API}/no-such-thing", "/nope", f"{API}/villages/84010101/nope", "/api/v2/villages"]
)
async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient, path: str) -> None:
    body = assert_problem(await client.get(path), 404)
    assert body["title"] == "Not found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", f"{API}/villages", {"GET", "POST"}),
        ("DELETE", f"{API}/villages", {"GET", "POST"}),
        ("POST", f"{API}/villages/84010101", {"GET", "PATCH", "DELETE"}),
        ("POST", f"{API}/provinces", {"GET"}),
        ("PATCH", f"{API}/provinces/84", {"GET"}),
        ("POST", "/healthz", {"GET"}),
    ],
)
async def test_wrong_method_is_a_405_problem(
    client: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path, json={})
    body = assert_problem(response, 405)
    assert body["title"] == "Method not allowed"
    allow = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= allow


@pytest.mark.parametrize("limit", ["0", "501", "-5", "x"])
@pytest.mark.parametrize(
    "path", ["/provinces", "/districts", "/subdistricts", "/villages", "/local-governments"]
)
async def test_limit_out_of_range_is_422_on_every_list(
    client: httpx.AsyncClient, path: str, limit: str
) -> None:
    body = assert_problem(await client.get(API + path, params={"limit": limit}), 422)
    assert any(f.endswith("limit") for f in fields(body))


@pytest.mark.parametrize(
    "path", ["/provinces", "/districts", "/subdistricts", "/villages", "/local-governments"]
)
async def test_every_list_has_the_page_shape(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(API + path, params={"limit": 500})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert isinstance(body["items"], list)
    assert body["next_cursor"] is None or isinstance(body["next_cursor"], str)


# --- system endpoints --------------------------------------------------------------------------------


async def test_healthz(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_migration_head(anon: httpx.AsyncClient, database_url: str) -> None:
    response = await anon.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    heads = sorted(head_revisions(database_url))
    assert heads
    assert body["migrations"] == heads


async def test_metrics_are_prometheus_text_by_route_template(
    anon: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await client.get(f"{API}/villages/84019999")
    await client.get(f"{API}/provinces/84")
    await client.request("BREW", f"{API}/provinces/84")
    response = await anon.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE cplan_http_requests" in text
    samples = [line for line in text.splitlines() if line.startswith("cplan_http_requests")]
    assert samples
    assert any('route="/api/v1/villages/{code}"' in s and 'status="404"' in s for s in samples), samples
    assert any('route="/api/v1/provinces/{code}"' in s and 'status="200"' in s for s in samples), samples
    assert "84019999" not in text  # codes never become label values
    assert 'method="OTHER"' in text and "BREW" not in text  # nor do made-up methods
    for line in samples:
        assert re.match(r'^cplan_http_requests\w*\{(\w+="[^"]*",?)*\} [0-9.e+]+$', line), line


# --- docs and OpenAPI --------------------------------------------------------------------------------


async def test_docs_work_offline(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls), urls
    for url in urls:
        assert url.startswith("/docs/assets/"), url
        asset = await anon.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0, url
    assert "/openapi.json" in html


async def test_docs_assets_have_no_remote_references(anon: httpx.AsyncClient) -> None:
    css = await anon.get("/docs/assets/swagger-ui.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    remote = re.findall(r"url\(\s*['\"]?(?:https?:)?//", css.text) + re.findall(r"@import[^;]*//", css.text)
    assert remote == []
    js = await anon.get("/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]


async def test_missing_docs_asset_is_404(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/docs/assets/nope.js")).status_code == 404
    response = await anon.get("/docs/assets/../../app/main.py")
    assert response.status_code == 404


async def test_openapi_document(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    operations = {
        (method, path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    ids = [op["operationId"] for op in operations.values()]
    assert len(ids) == len(set(ids))
    assert all(op.get("tags") for op in operations.values())
    expected = {
        ("get", "/api/v1/villages"): "villages_list",
        ("post", "/api/v1/villages"): "villages_create",
        ("get", "/api/v1/villages/{code}"): "villages_get",
        ("patch", "/api/v1/villages/{code}"): "villages_update",
        ("delete", "/api/v1/villages/{code}"): "villages_delete",
        ("get", "/api/v1/local-governments"): "local_governments_list",
        ("post", "/api/v1/local-governments"): "local_governments_create",
        ("get", "/api/v1/local-governments/{code}"): "local_governments_get",
        ("patch", "/api/v1/local-governments/{code}"): "local_governments_update",
        ("get", "/api/v1/provinces"): "provinces_list",
        ("get", "/api/v1/districts"): "districts_list",
        ("get", "/api/v1/subdistricts"): "subdistricts_list",
    }
    for key, operation_id in expected.items():
        assert key in operations, key
        assert operations[key]["operationId"] == operation_id
    assert "Problem" in document["components"]["schemas"]
    villages_create = operations[("post", "/api/v1/villages")]
    assert PROBLEM_JSON in villages_create["responses"]["422"]["content"]
    assert "Idempotency-Key" in {p["name"] for p in villages_create.get("parameters", [])}
    villages_update = operations[("patch", "/api/v1/villages/{code}")]
    assert "If-Match" in {p["name"] for p in villages_update.get("parameters", [])}
    assert "412" in villages_update["responses"]


async def test_dependency_overrides_reach_every_route(app: Any, anon: httpx.AsyncClient) -> None:
    """Routes are mounted flat; overriding the caller (as embedders and benchmarks do) must still work."""
    from app.core.actor import Actor, Role, current_actor

    async def fixed() -> Actor:
        return Actor(principal="key:override", name="override", role=Role.admin, scope_code=None)

    app.dependency_overrides[current_actor] = fixed
    try:
        assert (await anon.get("/api/v1/provinces/84")).status_code == 200
    finally:
        app.dependency_overrides.clear()
    assert (await anon.get("/api/v1/provinces/84")).status_code == 401


def _id_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path, its integer path parameters) of every API route that takes an id in its path."""
    from fastapi.routing import APIRoute

    out = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith(API):
            continue
        ints = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]
        if ints:
            out += [(method, route.path, ints) for method in sorted(route.methods)]
    return out


async def test_an_id_beyond_any_row_is_422_on_every_route(app: Any, client: httpx.AsyncClient) -> None:
    # Ids are PostgreSQL `integer` columns: a larger number used to reach the driver, which refused to send
    # it, and the caller got a 500.
    routes = _id_routes(app)
    assert len(routes) > 20
    for method, path, ints in routes:
        url = path
        for name in ints:
            url = url.replace("{" + name + "}", str(2**31))
        url = re.sub(r"\{[a-z_]+\}", "84010101", url)
        response = await client.request(method, url, json={})
        problem = assert_problem(response, 422)
        assert any(f.endswith(ints[0]) for f in fields(problem)), (method, url, problem)


async def test_the_largest_id_is_a_plain_404(client: httpx.AsyncClient) -> None:
    for path in (
        f"{API}/plans/{2**31 - 1}",
        f"{API}/activities/{2**31 - 1}",
        f"{API}/plans/{2**31 - 1}/history",
    ):
        assert_problem(await client.get(path), 404)
    response = await client.post(f"{API}/plans/{2**31 - 1}/transitions", json={"action": "submit"})
    assert_problem(response, 404)
    response = await client.get(f"{API}/activities", params={"plan_id": 2**31 - 1})
    assert response.status_code == 200 and response.json()["items"] == []
    assert_problem(await client.get(f"{API}/activities", params={"plan_id": 2**31}), 422)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_a_time_with_no_utc_equivalent_is_422(client: httpx.AsyncClient, moment: str) -> None:
    # Year 1 at +14:00 is before the first UTC instant a datetime can hold: converting it was a 500.
    response = await client.get(
        f"{API}/local-governments/6840101/adopted-activities", params={"updated_after": moment}
    )
    assert fields(assert_problem(response, 422)) == ["query.updated_after"]
    response = await client.post(f"{API}/webhook-subscriptions/1/replay", json={"since": moment})
    assert fields(assert_problem(response, 422)) == ["since"]


# --- strict JSON bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/forums", {"district_code": "8401", "date": 0, "title": "เวที"}, "date"),
        ("post", "/forums", {"district_code": "8401", "date": "0", "title": "เวที"}, "date"),
        ("post", "/forums", {"district_code": "8401", "date": 20260315, "title": "เวที"}, "date"),
        ("post", "/webhook-subscriptions/1/replay", {"since": 0}, "since"),
        ("post", "/webhook-subscriptions/1/replay", {"since": "1700000000"}, "since"),
        ("post", "/webhook-subscriptions/1/rotate-secret", {"grace_seconds": False}, "grace_seconds"),
        ("post", "/webhook-subscriptions/1/rotate-secret", {"grace_seconds": "60"}, "grace_seconds"),
        ("post", "/webhook-subscriptions/1/rotate-secret", {"grace_seconds": 60.0}, "grace_seconds"),
        ("patch", "/users/1", {"disabled": 0}, "disabled"),
        ("patch", "/users/1", {"disabled": "false"}, "disabled"),
        (
            "post",
            "/plans",
            {"village_code": "84010101", "year": 2569, "lgo_participated_from_start": 1},
            "lgo_participated_from_start",
        ),
        ("patch", "/plans/1", {"sufficiency_economy_process": "yes"}, "sufficiency_economy_process"),
        ("patch", "/activities/1", {"priority": True}, "priority"),
        ("patch", "/activities/1", {"working_group": 1}, "working_group"),
    ],
)
async def test_json_bodies_are_not_coerced(
    client: httpx.AsyncClient, db: Database, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    # A number is not a date, 0 is not false, false is not 0, "60" is not 60: each is refused, not guessed.
    response = await client.request(method.upper(), f"{API}{path}", json=body)
    problem = assert_problem(response, 422)
    assert fields(problem) == [field]
    assert await count_rows(db, "forum") == 0 and await count_rows(db, "plan") == 0


async def test_coercion_refusals_are_in_thai(client: httpx.AsyncClient) -> None:
    thai = {"Accept-Language": "th"}
    response = await client.post(
        f"{API}/forums", json={"district_code": "8401", "date": 0, "title": "เวที"}, headers=thai
    )
    assert assert_problem(response, 422)["errors"][0]["message"] == "ต้องเป็นวันที่แบบ ISO 8601 เช่น 2026-03-01"
    response = await client.patch(f"{API}/users/1", json={"disabled": 0}, headers=thai)
    assert assert_problem(response, 422)["errors"][0]["message"] == "ต้องเป็น true หรือ false"


async def test_the_allowed_values_of_a_refused_choice_are_listed_in_thai(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/plans/1/assessments", json={"kind": "neither"}, headers={"Accept-Language": "th"}
    )
    assert assert_problem(response, 422)["errors"][0]["message"] == (
        "ต้องเป็นค่าใดค่าหนึ่งใน 'quality' หรือ 'standard'"
    )
    response = await client.post(
        f"{API}/plans/1/transitions", json={"action": "nope"}, headers={"Accept-Language": "th"}
    )
    listed = assert_problem(response, 422)["errors"][0]["message"]
    assert listed.startswith("ต้องเป็นค่าใดค่าหนึ่งใน 'submit', ") and " หรือ '" in listed
    assert " or " not in listed


# --- PATCH bodies: what the document says about null is what the server does ---------------------

# The fields a PATCH clears with null; every other field refuses null.
CLEARABLE = {
    "ActivityUpdate": {"description", "funding_source", "priority", "fiscal_year"},
    "ForumUpdate": {"agenda", "outcomes"},
    "LessonUpdate": set(),
    "LocalGovernmentUpdate": {"name_en"},
    "MemberUpdate": {"phone"},
    "PlanUpdate": {"book_file_ref"},
    "SubscriptionUpdate": {"description"},
    "UserUpdate": {"scope_code"},
    "VillageUpdate": {"name_en", "local_government_code"},
}


def _nullable(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(_nullable(p) for p in prop.get("anyOf", []))


def _patch_schemas(document: dict[str, Any]) -> dict[str, str]:
    """PATCH path template -> the name of its request body's schema."""
    out = {}
    for path, operations in document["paths"].items():
        if "patch" in operations:
            ref = operations["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            out[path] = ref.rsplit("/", 1)[-1]
    return out


async def test_patch_schemas_mark_only_clearable_fields_nullable(anon: httpx.AsyncClient) -> None:
    document = (await anon.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    patched = set(_patch_schemas(document).values())
    assert patched == set(CLEARABLE)
    for name in patched:
        properties = schemas[name]["properties"]
        nullable = {field for field, prop in properties.items() if _nullable(prop)}
        assert nullable == CLEARABLE[name], name
        assert not schemas[name].get("required"), name  # every field of a PATCH is optional


async def test_patch_null_is_refused_exactly_where_the_document_says(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    document = (await anon.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    lgo = await client.post(
        f"{API}/local-governments",
        json={
            "code": "6840101",
            "name_th": "อบต.ตลาด",
            "kind": "subdistrict_administration",
            "province_code": "84",
        },
    )
    village = await client.post(f"{API}/villages", json=VILLAGE)
    plan = await client.post(f"{API}/plans", json={"village_code": VILLAGE["code"], "year": 2569})
    plan_id = plan.json()["id"]
    activity = await client.post(
        f"{API}/plans/{plan_id}/activities",
        json={"title": "ถนน", "working_group": "economy", "kind": "joint"},
    )
    member = await client.post(
        f"{API}/villages/{VILLAGE['code']}/committee-members",
        json={"name": "นายสมชาย", "position": "ประธาน", "working_group": "economy"},
    )
    forum = await client.post(
        f"{API}/forums", json={"district_code": "8401", "date": "2026-03-15", "title": "เวทีประชาคม"}
    )
    lesson = await client.post(
        f"{API}/lessons",
        json={"title": "บทเรียน", "body": "เนื้อหา", "scope_level": "district", "scope_code": "8401"},
    )
    user = await client.post(
        f"{API}/users", json={"username": "patcher", "password": "a long enough password 1", "role": "admin"}
    )
    subscription = await client.post(
        f"{API}/webhook-subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "local_government_code": "6840101"},
    )
    made = [lgo, village, plan, activity, member, forum, lesson, user, subscription]
    assert all(r.status_code == 201 for r in made), [r.text for r in made if r.status_code != 201]
    urls = {
        "/api/v1/local-governments/{code}": f"{API}/local-governments/6840101",
        "/api/v1/villages/{code}": f"{API}/villages/{VILLAGE['code']}",
        "/api/v1/plans/{plan_id}": f"{API}/plans/{plan_id}",
        "/api/v1/activities/{activity_id}": f"{API}/activities/{activity.json()['id']}",
        "/api/v1/villages/{code}/committee-members/{member_id}": (
            f"{API}/villages/{VILLAGE['code']}/committee-members/{member.json()['id']}"
        ),
        "/api/v1/forums/{forum_id}": f"{API}/forums/{forum.json()['id']}",
        "/api/v1/lessons/{lesson_id}": f"{API}/lessons/{lesson.json()['id']}",
        "/api/v1/users/{user_id}": f"{API}/users/{user.json()['id']}",
        "/api/v1/webhook-subscriptions/{subscription_id}": (
            f"{API}/webhook-subscriptions/{subscription.json()['id']}"
        ),
    }
    patch_schemas = _patch_schemas(document)
    assert set(patch_schemas) == set(urls)
    for template, schema_name in patch_schemas.items():
        for field, prop in schemas[schema_name]["properties"].items():
            response = await client.patch(urls[template], json={field: None})
            refused_null = response.status_code == 422 and any(
                e["field"] == field and e["message"] == "Must not be null." for e in response.json()["errors"]
            )
            assert refused_null is not _nullable(prop), (schema_name, field, response.text)


# --- 400s are declared where they can happen --------------------------------------------------------


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in document["paths"].items() for m, op in ops.items()]


async def test_a_bad_cursor_is_a_declared_400_on_every_list(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    document = (await anon.get("/openapi.json")).json()
    lists = [
        (path, op)
        for method, path, op in _operations(document)
        if any(p["name"] == "cursor" and p["in"] == "query" for p in op.get("parameters", []))
    ]
    assert len(lists) > 15
    for path, op in lists:
        assert "400" in op["responses"], path
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = await client.get(url, params={"cursor": "not-a-cursor"}, headers={"Accept-Language": "th"})
        assert assert_problem(response, 400)["detail"] == "ค่า cursor ไม่ถูกต้องสำหรับรายการนี้", path


async def test_an_unreadable_json_body_is_a_declared_400_on_every_operation_that_takes_one(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    document = (await anon.get("/openapi.json")).json()
    takes_json = [
        (method, path, op)
        for method, path, op in _operations(document)
        if "application/json" in op.get("requestBody", {}).get("content", {})
    ]
    assert len(takes_json) > 20
    unreadable = b"[" * 100_000 + b"]" * 100_000  # deeper than any JSON parser will go
    for method, path, op in takes_json:
        assert "400" in op["responses"], (method, path)
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = await client.request(
            method.upper(), url, content=unreadable, headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 400)
