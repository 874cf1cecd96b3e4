"""One nesting limit for every JSON a client sends: deep NDJSON rows are row errors, deep bodies a 400
problem, deep cursors a bad cursor; never a 500, and the connection lives on."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from app.core import jsonlimits
from app.core.db import Database
from app.core.errors import BadRequest
from app.core.pagination import decode_cursor, encode_cursor
from tests.helpers import count_rows, create_lgo
from tests.processes import free_port

API = "/api/v1"
DEEP = 100_000
VILLAGE = '{"code": "84010101", "name_th": "บ้านหนึ่ง", "households": 10}'
OTHER_VILLAGE = '{"code": "84010102", "name_th": "บ้านสอง", "households": 12}'


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("document", "deep"),
    [
        (nested(jsonlimits.MAX_DEPTH), False),
        (nested(jsonlimits.MAX_DEPTH + 1), True),
        ('{"a":' * (jsonlimits.MAX_DEPTH + 1) + "1" + "}" * (jsonlimits.MAX_DEPTH + 1), True),
        ("[" * DEEP, True),  # never closed: json.loads would still recurse into it
        (json.dumps({"text": "[" * 1000, "list": [[1], [2]] * 500}), False),  # brackets in strings
        (json.dumps({"quote": 'a "quoted" \\ [[[', "n": 1}) + "[" * 10, False),  # escapes inside strings
        ('["\\\\", ' + "[" * (jsonlimits.MAX_DEPTH + 1), True),  # a string ending in a backslash
        ('"never closed ' + "[" * DEEP, False),  # the rest is a string: the parser fails at once
        # Broken at the first character: the parser stops there (the closings are not counted back).
        ("]" * 10 + "[" * (jsonlimits.MAX_DEPTH + 5), False),
    ],
    ids=[
        "at-limit",
        "one-past",
        "objects",
        "unclosed",
        "in-strings",
        "escapes",
        "backslash",
        "in-string",
        "broken",
    ],
)
def test_depth_is_counted_without_parsing(document: str, deep: bool) -> None:
    assert jsonlimits.too_deep(document) is deep
    assert jsonlimits.too_deep(document.encode()) is deep
    if deep:
        with pytest.raises(jsonlimits.JsonTooDeep):
            jsonlimits.loads(document)


async def test_a_deep_ndjson_row_is_a_row_error_and_the_other_rows_are_written(
    client: httpx.AsyncClient, db: Database
) -> None:
    body = "\n".join([VILLAGE, "[" * DEEP, '{"a": ' * DEEP, OTHER_VILLAGE]).encode() + b"\n"
    response = await client.post(
        f"{API}/bulk/villages",
        content=body,
        params={"mode": "partial"},
        headers={"Content-Type": "application/x-ndjson", "Accept-Language": "th"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["received"], report["created"], report["rejected"]) == (4, 2, 2)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "row"), (3, "row")]
    assert report["errors"][0]["message"] == f"บรรทัดนี้มีอาร์เรย์หรือออบเจ็กต์ซ้อนกันเกิน {jsonlimits.MAX_DEPTH} ชั้น"
    assert await count_rows(db, "village") == 2


async def test_a_deep_ndjson_row_in_an_atomic_upload_refuses_it_as_a_422(
    client: httpx.AsyncClient, db: Database
) -> None:
    body = "\n".join([VILLAGE, "[" * DEEP]).encode()
    response = await client.post(
        f"{API}/bulk/villages", content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "row",
            "message": f"The line nests arrays and objects more than {jsonlimits.MAX_DEPTH} levels deep.",
            "row": 2,
        }
    ]
    assert await count_rows(db, "village") == 0


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/villages", "application/json"),
        ("/villages", None),  # FastAPI reads a body with no Content-Type as JSON too
        ("/local-governments", "application/merge-patch+json"),
        ("/webhook-subscriptions", "application/json; charset=utf-8"),
        ("/users", "application/json"),
    ],
)
@pytest.mark.parametrize("body", ["[" * DEEP, '{"name_th": ' + nested(500) + "}"], ids=["100000", "500"])
async def test_a_deep_json_body_is_a_400_problem(
    client: httpx.AsyncClient, path: str, content_type: str | None, body: str
) -> None:
    headers = {"Accept-Language": "th"} | ({"Content-Type": content_type} if content_type else {})
    response = await client.post(f"{API}{path}", content=body.encode(), headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/json-too-deep"
    assert problem["detail"] == f"ข้อมูล JSON ที่ส่งมามีอาร์เรย์หรือออบเจ็กต์ซ้อนกันเกิน {jsonlimits.MAX_DEPTH} ชั้น"


async def test_a_deep_json_body_changes_nothing_and_a_shallow_one_still_works(
    client: httpx.AsyncClient, db: Database
) -> None:
    await create_lgo(client)
    deep = '{"name_th": "x", "subdistrict_codes": ' + nested(DEEP) + "}"
    response = await client.patch(
        f"{API}/local-governments/6840101",
        content=deep.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert (await client.get(f"{API}/local-governments/6840101")).json()["name_th"] != "x"
    # A body with many brackets, none deep, is parsed as before.
    codes = json.dumps({"subdistrict_codes": [["840101"]] * 200})
    response = await client.post(f"{API}/villages", content=codes.encode())
    assert response.status_code == 422 and response.json()["type"] == "/problems/validation"


def test_a_deep_signed_cursor_is_a_bad_cursor() -> None:
    secret = b"k" * 32
    # The cursor's own list is one level: values nested to the limit, and one past it.
    at_limit = json.loads(nested(jsonlimits.MAX_DEPTH - 1))
    cursor = encode_cursor(secret, "/x", (at_limit,))
    assert decode_cursor([secret], "/x", cursor) == (at_limit,)
    # Signed with the right key (a leaked or an old one), still refused before it is parsed.
    with pytest.raises(BadRequest) as refused:
        decode_cursor([secret], "/x", encode_cursor(secret, "/x", ([at_limit],)))
    assert refused.value.detail_key == "detail.bad_cursor"
    assert isinstance(refused.value.__cause__, jsonlimits.JsonTooDeep)


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[int]:
    """The app served by uvicorn on loopback in this event loop."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="error")
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.02)
        yield port
    finally:
        server.should_exit = True
        await task


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
    body = await reader.readexactly(int(headers["content-length"]))
    assert headers.get("connection") != "close"
    return status, body


async def test_the_connection_lives_on_after_a_deep_row_and_a_deep_body(app: Any, admin_key: str) -> None:
    async with served(app) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            auth = f"Authorization: Bearer {admin_key}\r\nHost: test\r\n".encode()
            rows = "\n".join([VILLAGE, "[" * DEEP, OTHER_VILLAGE]).encode()
            upload = (
                b"POST /api/v1/bulk/villages?mode=partial HTTP/1.1\r\n"
                + auth
                + b"Content-Type: application/x-ndjson\r\n"
                + f"Content-Length: {len(rows)}\r\n\r\n".encode()
                + rows
            )
            status, body = await _exchange(reader, writer, upload)
            assert status == 200, body
            assert json.loads(body)["rejected"] == 1
            deep = ("[" * DEEP).encode()
            post = (
                b"POST /api/v1/villages HTTP/1.1\r\n"
                + auth
                + b"Content-Type: application/json\r\n"
                + f"Content-Length: {len(deep)}\r\n\r\n".encode()
                + deep
            )
            status, body = await _exchange(reader, writer, post)
            assert status == 400 and json.loads(body)["type"] == "/problems/json-too-deep"
            # The same connection still answers.
            status, body = await _exchange(
                reader, writer, b"GET /api/v1/villages/84010102 HTTP/1.1\r\n" + auth + b"\r\n"
            )
            assert status == 200 and json.loads(body)["name_th"] == "บ้านสอง"
        finally:
            writer.close()
            await writer.wait_closed()
