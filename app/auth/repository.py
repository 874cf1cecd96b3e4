"""Queries over users and API keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from app.auth.models import ApiKey, User
from app.core.db import utcnow
from app.core.pagination import PageParams
from app.geography.models import District, Province
from app.local_governments.models import LocalGovernment
from app.villages.models import Village

K = ApiKey.__table__  # type: ignore[attr-defined]
U = User.__table__  # type: ignore[attr-defined]

# Which table a scope code of each length names.
SCOPE_TABLES: dict[int, Any] = {
    2: Province.__table__,  # type: ignore[attr-defined]
    4: District.__table__,  # type: ignore[attr-defined]
    7: LocalGovernment.__table__,  # type: ignore[attr-defined]
    8: Village.__table__,  # type: ignore[attr-defined]
}


async def scope_exists(session: AsyncSession, code: str) -> bool:
    table = SCOPE_TABLES.get(len(code))
    if table is None:
        return False
    return (await session.execute(select(table.c.code).where(table.c.code == code))).first() is not None


async def active_key(conn: AsyncConnection, digest: str) -> Row[Any] | None:
    return (  # type: ignore[return-value]
        await conn.execute(
            select(K.c.id, K.c.name, K.c.role, K.c.scope_code, K.c.last_used_at).where(
                K.c.key_hash == digest, K.c.revoked_at.is_(None)
            )
        )
    ).first()


async def touch_key(conn: AsyncConnection, key_id: int) -> None:
    await conn.execute(update(K).where(K.c.id == key_id).values(last_used_at=utcnow()))


async def enabled_user(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    return (  # type: ignore[return-value]
        await conn.execute(
            select(U.c.id, U.c.username, U.c.role, U.c.scope_code, U.c.credentials_version).where(
                U.c.id == user_id, U.c.disabled.is_(False)
            )
        )
    ).first()


async def login_candidate(conn: AsyncConnection, username: str) -> Row[Any] | None:
    return (
        await conn.execute(
            select(U.c.id, U.c.password_hash, U.c.disabled, U.c.credentials_version).where(
                U.c.username == username
            )
        )
    ).first()


async def note_login(session: AsyncSession, user_id: int) -> None:
    # Not through the ORM: signing in is not an edit of the user, so its ETag stays.
    await session.execute(update(U).where(U.c.id == user_id).values(last_login_at=utcnow()))


async def user_by_name(session: AsyncSession, username: str, *, for_update: bool = False) -> User | None:
    query = select(User).where(col(User.username) == username)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def user_by_id(session: AsyncSession, user_id: int, *, for_update: bool = False) -> User | None:
    query = select(User).where(col(User.id) == user_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def key_by_id(session: AsyncSession, key_id: int) -> ApiKey | None:
    return (await session.execute(select(ApiKey).where(col(ApiKey.id) == key_id))).scalar_one_or_none()


async def list_keys(session: AsyncSession, page: PageParams) -> list[Row[Any]]:
    query = select(*[c for c in K.c if c.name != "key_hash"]).order_by(K.c.id).limit(page.limit + 1)
    if page.after:
        query = query.where(K.c.id > int(page.after[0]))
    return list((await session.execute(query)).all())


async def list_users(session: AsyncSession, page: PageParams) -> list[Row[Any]]:
    query = select(*[c for c in U.c if c.name != "password_hash"]).order_by(U.c.id).limit(page.limit + 1)
    if page.after:
        query = query.where(U.c.id > int(page.after[0]))
    return list((await session.execute(query)).all())
