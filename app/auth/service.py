"""Issuing API keys and recognising the caller behind a bearer credential."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey, Role
from app.core.db import Database, utcnow

KEY_PREFIX = "cpk_"
K = ApiKey.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Actor:
    """Who is calling: the principal's id, role and scope code (None for admin)."""

    principal: str
    name: str
    role: Role
    scope_code: str | None


def hash_key(key: str) -> str:
    # API keys carry 256 bits of randomness, so a fast hash is enough; passwords get argon2.
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(
    session: AsyncSession, *, name: str, role: Role, scope_code: str | None
) -> tuple[ApiKey, str]:
    """A new key row and the plain key, which is shown once and never stored."""
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name, prefix=plain[:12], key_hash=hash_key(plain), role=role.value, scope_code=scope_code
    )
    session.add(row)
    await session.flush()
    return row, plain


class Authenticator:
    """Verifies bearer credentials, caching verified ones briefly.

    A cache hit costs no database round trip. A revoked key stops working within `ttl` seconds.
    """

    def __init__(self, db: Database, ttl: float) -> None:
        self._db = db
        self._ttl = ttl
        self._cache: dict[str, tuple[Actor, float]] = {}

    async def authenticate(self, credential: str) -> Actor | None:
        if not credential.startswith(KEY_PREFIX) or len(credential) > 200:
            return None
        digest = hash_key(credential)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        actor = await self._lookup_key(digest)
        if actor is None:
            self._cache.pop(digest, None)
            return None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (actor, now + self._ttl)
        return actor

    async def _lookup_key(self, digest: str) -> Actor | None:
        async with self._db.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(K.c.id, K.c.name, K.c.role, K.c.scope_code).where(
                        K.c.key_hash == digest, K.c.revoked_at.is_(None)
                    )
                )
            ).first()
            if row is None:
                return None
            await conn.execute(update(K).where(K.c.id == row.id).values(last_used_at=utcnow()))
        return Actor(principal=f"key:{row.id}", name=row.name, role=Role(row.role), scope_code=row.scope_code)

    def forget(self) -> None:
        self._cache.clear()
