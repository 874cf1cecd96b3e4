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

api_key_table = ApiKey.__table__  # type: ignore[attr-defined]
user_table = User.__table__  # type: ignore[attr-defined]

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
            select(
                api_key_table.c.id,
                api_key_table.c.name,
                api_key_table.c.role,
                api_key_table.c.scope_code,
                api_key_table.c.last_used_at,
            ).where(api_key_table.c.key_hash == digest, api_key_table.c.revoked_at.is_(None))
        )
    ).first()


async def touch_key(conn: AsyncConnection, key_id: int) -> None:
    await conn.execute(
        update(api_key_table).where(api_key_table.c.id == key_id).values(last_used_at=utcnow())
    )


async def enabled_user(conn: AsyncConnection, user_id: int) -> Row[Any] | None:
    return (  # type: ignore[return-value]
        await conn.execute(
            select(
                user_table.c.id,
                user_table.c.username,
                user_table.c.role,
                user_table.c.scope_code,
                user_table.c.credentials_version,
            ).where(user_table.c.id == user_id, user_table.c.disabled.is_(False))
        )
    ).first()


async def login_candidate(conn: AsyncConnection, username: str) -> Row[Any] | None:
    found: Row[Any] | None = (
        await conn.execute(  # type: ignore[assignment]
            select(
                user_table.c.id,
                user_table.c.password_hash,
                user_table.c.disabled,
                user_table.c.credentials_version,
                user_table.c.role,
                user_table.c.scope_code,
            ).where(user_table.c.username == username)
        )
    ).first()
    return found


async def note_login(session: AsyncSession, user_id: int) -> None:
    # Not through the ORM: signing in is not an edit of the user, so its ETag stays.
    await session.execute(update(user_table).where(user_table.c.id == user_id).values(last_login_at=utcnow()))


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
    query = (
        select(*[c for c in api_key_table.c if c.name != "key_hash"])
        .order_by(api_key_table.c.id)
        .limit(page.limit + 1)
    )
    if page.after:
        query = query.where(api_key_table.c.id > int(page.after[0]))
    return list((await session.execute(query)).all())


async def list_users(session: AsyncSession, page: PageParams) -> list[Row[Any]]:
    query = (
        select(*[c for c in user_table.c if c.name != "password_hash"])
        .order_by(user_table.c.id)
        .limit(page.limit + 1)
    )
    if page.after:
        query = query.where(user_table.c.id > int(page.after[0]))
    return list((await session.execute(query)).all())
