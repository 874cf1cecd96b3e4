"""The installation's secret key: from SECRET_KEY, or generated once at migration and kept in the database."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

SECRET_SETTING = "secret_key"


async def ensure_secret(conn: AsyncConnection) -> None:
    """Create the kept secret if there is none (part of migrating, so requests only ever read it)."""
    await conn.execute(
        text("INSERT INTO app_setting (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING"),
        {"n": SECRET_SETTING, "v": secrets.token_urlsafe(48)},
    )


async def installation_secret(engine: AsyncEngine, configured: str) -> bytes:
    if configured:
        return configured.encode()
    async with engine.connect() as conn:
        query = text("SELECT value FROM app_setting WHERE name = :n")
        row = (await conn.execute(query, {"n": SECRET_SETTING})).first()
    if row is None:
        raise RuntimeError("no secret key: run `cplan migrate` (or set SECRET_KEY)")
    return str(row[0]).encode()


async def app_secret(app: FastAPI) -> bytes:
    cached: bytes | None = getattr(app.state, "secret", None)
    if cached is None:
        cached = await installation_secret(app.state.db.engine, app.state.settings.secret_key)
        app.state.secret = cached
    return cached
