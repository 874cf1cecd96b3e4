"""What the tests share: problem checks, keys and clients of a role, and small makers of valid resources.

Each test file imports from here instead of keeping its own copy; fixtures built on these live in
tests/conftest.py (`client`, `anon`, `client_as`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import text

from app.auth.service import create_api_key
from app.core.actor import Role
from app.core.db import Database

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"

# Surat Thani (84), Mueang district (8401), subdistrict Talat (840101) and Makham Tia (840102)
PROVINCE = "84"
DISTRICT = "8401"
SUBDISTRICT = "840101"
OTHER_SUBDISTRICT = "840102"
LGO = "6840101"
VILLAGE = "84010101"

# The `client_as` fixture (tests/conftest.py): `await client_as(role, scope)` gives an open client.
ClientAs = Callable[[Role, str | None], Awaitable[httpx.AsyncClient]]


# --- problems -----------------------------------------------------------------------------------------


def assert_problem(
    response: httpx.Response, status: int, type: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """The response is an `application/problem+json` of `status` with a type, title and detail;
    with `type`, the problem's type is that one (its full URI or its last segment); with `field`,
    one of its `errors` names that field. Returns the problem."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON, response.headers["content-type"]
    body = response.json()
    assert body["status"] == status, body
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str) and body[key], body
    if type is not None:
        assert body["type"] == type or body["type"].rsplit("/", 1)[-1] == type, body
    if field is not None:
        assert field in fields(body), body
    return dict(body)


def fields(problem: dict[str, Any]) -> list[str]:
    """The fields a problem's `errors` name, in order."""
    return [e["field"] for e in problem.get("errors") or []]


def has_thai(text: str) -> bool:
    return any("\u0e00" <= c <= "\u0e7f" for c in text)


# --- keys and clients ---------------------------------------------------------------------------------


async def make_key(db: Database, role: Role, scope: str | None, name: str = "test key") -> str:
    async with db.session() as session:
        _, plain = await create_api_key(session, name=name, role=role, scope_code=scope)
        await session.commit()
    return plain


async def key_client(app: Any, db: Database, role: Role, scope: str | None) -> httpx.AsyncClient:
    """A client (not yet opened; close it) authenticated as a fresh key of `role` over `scope`."""
    key = await make_key(db, role, scope, f"test {role.value} {scope}")
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    )


@contextlib.asynccontextmanager
async def caller(app: Any, db: Database, role: Role, scope: str | None) -> AsyncIterator[httpx.AsyncClient]:
    """`async with caller(app, db, role, scope) as c:` a client of a fresh key of that role and scope."""
    async with await key_client(app, db, role, scope) as c:
        yield c


async def count_rows(db: Database, table: str) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


# --- resources ----------------------------------------------------------------------------------------


async def make_village(client: httpx.AsyncClient, code: str = VILLAGE, **fields: Any) -> dict[str, Any]:
    """Creates village `code` (named บ้านดอนเกลี้ยง unless `name_th` is given) with the other `fields`."""
    body = {"code": code, "name_th": "บ้านดอนเกลี้ยง", **fields}
    response = await client.post(f"{API}/villages", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_lgo(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "code": LGO,
        "name_th": "องค์การบริหารส่วนตำบลตลาด",
        "kind": "subdistrict_administration",
        "province_code": PROVINCE,
        "subdistrict_codes": [SUBDISTRICT],
        **overrides,
    }
    response = await client.post(f"{API}/local-governments", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_village(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    return await make_village(client, **{"households": 120, "population": 410, **overrides})
