"""Bulk uploads name their charset as browsers and Thai systems do: every WHATWG Encoding Standard label of
UTF-8 and Windows-874 (and Java's `x-windows-874`), in any case, quoted or not; a charset we do not read is
refused with 415 rather than stored garbled."""

from __future__ import annotations

import json

import httpx
import pytest

from app.core.db import Database
from tests.bulk.test_bulk import HEADER, upload
from tests.helpers import count_rows

API = "/api/v1"
# Windows-874 has characters TIS-620 lacks (the curly quotes and the ellipsis, as Thai Excel types them).
NAME = "บ้านน้ำใส “ใหม่”…"
ROW = f"84010101,{NAME},85,300,"

UTF8_LABELS = ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]
WINDOWS_874_LABELS = [
    "dos-874",
    "iso-8859-11",
    "iso8859-11",
    "iso885911",
    "tis-620",
    "windows-874",
    "x-windows-874",
]


def body(encoding: str) -> bytes:
    return f"{HEADER}\r\n{ROW}\r\n".encode(encoding)


async def assert_round_trip(client: httpx.AsyncClient, content: bytes, content_type: str) -> None:
    response = await upload(client, "villages", content, content_type)
    assert response.status_code == 200, (content_type, response.text)
    assert response.json()["created"] == 1
    assert (await client.get(f"{API}/villages/84010101")).json()["name_th"] == NAME


@pytest.mark.parametrize("label", UTF8_LABELS)
async def test_every_utf8_label(client: httpx.AsyncClient, label: str) -> None:
    await assert_round_trip(client, body("utf-8"), f"text/csv; charset={label}")


@pytest.mark.parametrize("label", WINDOWS_874_LABELS)
async def test_every_windows_874_label(client: httpx.AsyncClient, label: str) -> None:
    await assert_round_trip(client, body("cp874"), f"text/csv; charset={label}")


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("text/csv; charset=Windows-874", "cp874"),
        ("text/csv; charset=TIS-620", "cp874"),
        ('text/csv; charset="windows-874"', "cp874"),
        ('text/csv;charset=" ISO-8859-11 "', "cp874"),
        ("text/csv ;  Charset = X-Windows-874 ", "cp874"),
        ("text/csv; charset=UTF-8", "utf-8"),
        ('text/csv; charset="Utf8"', "utf-8"),
        ("text/csv; header=present; charset='utf-8'", "utf-8"),
        ("application/x-ndjson; charset=UTF8", "utf-8"),
        ("text/csv; charset=cp874", "cp874"),  # Python's own names for the same text still work
    ],
)
async def test_labels_in_any_case_quoted_or_spaced(
    client: httpx.AsyncClient, content_type: str, encoding: str
) -> None:
    if content_type.startswith("application/x-ndjson"):
        row = {"code": "84010101", "name_th": NAME, "households": 85}
        content = (json.dumps(row, ensure_ascii=False) + "\n").encode(encoding)
    else:
        content = body(encoding)
    await assert_round_trip(client, content, content_type)


@pytest.mark.parametrize(
    "charset",
    # Unknown names, and codecs that are not text at all (these answered 500 before).
    ["klingon", "base64", "rot13", "zlib", "hex", "utf-16", "latin-1", "windows-1252", "x-user-defined"],
)
async def test_a_charset_we_do_not_read_is_415(client: httpx.AsyncClient, db: Database, charset: str) -> None:
    content = body("utf-8")
    response = await client.post(
        f"{API}/bulk/villages",
        content=content,
        headers={"Content-Type": f'text/csv; charset="{charset}"', "Accept-Language": "th"},
    )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "UTF-8" in response.json()["detail"] and "ชุดอักขระ" in response.json()["detail"]
    assert await count_rows(db, "village") == 0


async def test_a_declared_charset_the_file_is_not_in_is_422(client: httpx.AsyncClient) -> None:
    response = await upload(client, "villages", body("cp874"), "text/csv; charset=utf-8")
    assert response.status_code == 422, response.text
