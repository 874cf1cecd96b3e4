"""The installation's secret key: from SECRET_KEY, or generated once and kept in the database."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SECRET_SETTING = "secret_key"


async def load_or_create_secret(engine: AsyncEngine) -> str:
    """Read the kept secret; the first process to need one creates it (insert-if-absent, race-safe)."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(text("SELECT value FROM app_setting WHERE name = :n"), {"n": SECRET_SETTING})
        ).first()
        if row is not None:
            return str(row[0])
        candidate = secrets.token_urlsafe(48)
        await conn.execute(
            text("INSERT INTO app_setting (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING"),
            {"n": SECRET_SETTING, "v": candidate},
        )
        row = (
            await conn.execute(text("SELECT value FROM app_setting WHERE name = :n"), {"n": SECRET_SETTING})
        ).one()
        return str(row[0])


async def app_secret(app: FastAPI) -> bytes:
    cached: bytes | None = getattr(app.state, "secret", None)
    if cached is None:
        configured: str = app.state.settings.secret_key
        value = configured or await load_or_create_secret(app.state.db.engine)
        cached = value.encode()
        app.state.secret = cached
    return cached
