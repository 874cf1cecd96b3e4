"""The bare baseline the app is measured against: Starlette and an asyncpg pool.

It answers the two benchmarked village reads with the app's SQL and the app's JSON shapes, and nothing
else: no auth, no ORM, no transaction, no validation framework, no middleware. Run by bench_villages.py as

    BASELINE_DSN=postgresql://… python -m uvicorn baseline_app:create_app --factory --app-dir bench
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The statements SQLAlchemy sends for app/villages/repository.py's get_row() and list_page().
COLUMNS = (
    "code, moo, name_th, name_en, subdistrict_code, district_code, province_code, households, population, "
    "local_government_code, created_at, updated_at, upload_id"
)
GET_SQL = f"SELECT {COLUMNS}, version FROM village WHERE code = $1"
LIST_SQL = f"SELECT {COLUMNS} FROM village WHERE district_code = $1 ORDER BY code LIMIT $2"
SECRET = secrets.token_bytes(32)
# Diagnostic: BEGIN/COMMIT around each query, as the app's unit of work does (3 round trips instead of 1).
IN_TRANSACTION = os.environ.get("BASELINE_TRANSACTION") == "1"


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _village(record: asyncpg.Record) -> dict[str, Any]:
    out = dict(record)
    out.pop("version", None)
    out["created_at"] = _iso(out["created_at"])
    out["updated_at"] = _iso(out["updated_at"])
    return out


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _cursor(scope: str, code: str) -> str:
    """The app's cursor format: base64 JSON of the last key, then a truncated HMAC of it."""
    payload = json.dumps([code], separators=(",", ":")).encode()
    signature = hmac.new(SECRET, scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(signature)}"


def _not_found() -> Response:
    return JSONResponse({"status": 404, "title": "Not Found"}, status_code=404)


async def _query(request: Request, method: str, sql: str, *args: Any) -> Any:
    pool: asyncpg.Pool = request.app.state.pool
    if not IN_TRANSACTION:
        return await getattr(pool, method)(sql, *args)
    async with pool.acquire() as conn, conn.transaction():
        return await getattr(conn, method)(sql, *args)


async def village_get(request: Request) -> Response:
    code = request.path_params["code"]
    if len(code) != 8 or not code.isdigit():
        return _not_found()
    record = await _query(request, "fetchrow", GET_SQL, code)
    if record is None:
        return _not_found()
    # app/core/etag.py's etag_of(): the version and the update time in microseconds.
    stamp = int(record["updated_at"].timestamp() * 1_000_000)
    return JSONResponse(_village(record), headers={"ETag": f'"{record["version"]}-{stamp:x}"'})


async def village_list(request: Request) -> Response:
    district_code = request.query_params.get("district_code", "")
    limit = int(request.query_params.get("limit", "50"))
    if len(district_code) != 4 or not district_code.isdigit() or not 1 <= limit <= 500:
        return JSONResponse({"status": 422, "title": "Invalid"}, status_code=422)
    records = await _query(request, "fetch", LIST_SQL, district_code, limit + 1)
    items = [_village(r) for r in records[:limit]]
    next_cursor = _cursor("/api/v1/villages", items[-1]["code"]) if len(records) > limit else None
    return JSONResponse({"items": items, "next_cursor": next_cursor})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app() -> Starlette:
    dsn = os.environ["BASELINE_DSN"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The app's engine: pool_size=10, max_overflow=10.
        app.state.pool = await asyncpg.create_pool(dsn, min_size=10, max_size=20)
        try:
            yield
        finally:
            await app.state.pool.close()

    return Starlette(
        routes=[
            Route("/healthz", health),
            Route("/api/v1/villages", village_list),
            Route("/api/v1/villages/{code}", village_get),
        ],
        lifespan=lifespan,
    )
