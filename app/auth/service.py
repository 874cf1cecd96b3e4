"""Identity: API keys and users, logging in, and recognising the caller behind a bearer credential."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.recorder import AuditAction, AuditResource, act_as, as_action, record, use_key
from app.auth import repository, tokens
from app.auth.models import ApiKey, User
from app.auth.passwords import Overloaded, Passwords
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from app.auth.throttle import LoginThrottle, TooManyInFlight
from app.core.actor import Actor, Role
from app.core.db import Database, utcnow
from app.core.errors import (
    Busy,
    Conflict,
    FieldIssue,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.core.scope import CODE_LENGTH, ROLE_LEVEL

KEY_PREFIX = "cpk_"
PERSONAL = frozenset({"username"})
# `last_used_at` of a key is kept to this precision, so that busy keys do not write on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    # API keys carry 256 bits of randomness, so a fast hash is enough; passwords get argon2.
    return hashlib.sha256(key.encode()).hexdigest()


async def check_scope(session: AsyncSession, role: Role, scope_code: str | None) -> None:
    """422 unless the scope code has the role's kind and names a real area, local government or village."""
    length = CODE_LENGTH[ROLE_LEVEL[role]]
    if length is None:
        if scope_code is not None:
            raise Invalid(FieldIssue("scope_code", "field.scope_not_allowed"))
        return
    if scope_code is None:
        raise Invalid(FieldIssue("scope_code", "field.scope_required", role=role.value))
    if len(scope_code) != length or not await repository.scope_exists(session, scope_code):
        raise Invalid(FieldIssue("scope_code", "field.unknown_scope", role=role.value, code=scope_code))


# API keys


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


async def issue_api_key(session: AsyncSession, data: ApiKeyCreate) -> ApiKeyCreated:
    await check_scope(session, data.role, data.scope_code)
    row, plain = await create_api_key(session, name=data.name, role=data.role, scope_code=data.scope_code)
    return ApiKeyCreated.model_validate({**row.model_dump(), "key": plain})


async def list_api_keys(session: AsyncSession, page: PageParams) -> ApiKeyPage:
    rows = await repository.list_keys(session, page)
    return ApiKeyPage.model_validate(
        {
            "items": [r._asdict() for r in rows[: page.limit]],
            "next_cursor": page.next_cursor(rows, lambda r: (r.id,)),
        }
    )


async def revoke_api_key(session: AsyncSession, key_id: int, authenticator: Authenticator) -> None:
    row = await repository.key_by_id(session, key_id)
    if row is None:
        raise NotFound("API key", key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        as_action(row, AuditAction.revoke)
        await session.flush()
    authenticator.forget_key(row.key_hash)


# Users


def _user_read(user: User) -> UserRead:
    return UserRead.model_validate(user.model_dump())


async def _hash(passwords: Passwords, password: str) -> str:
    try:
        return await passwords.hash(password)
    except Overloaded:
        raise Busy("detail.passwords_busy", headers={"Retry-After": "1"}) from None


async def create_user(session: AsyncSession, data: UserCreate, passwords: Passwords) -> tuple[UserRead, str]:
    await check_scope(session, data.role, data.scope_code)
    if await repository.user_by_name(session, data.username) is not None:
        raise Conflict("detail.already_exists", resource="User", key=data.username)
    user = User(
        username=data.username,
        password_hash=await _hash(passwords, data.password),
        role=data.role.value,
        scope_code=data.scope_code,
    )
    session.add(user)
    await session.flush()
    return _user_read(user), etag_of(user)


async def get_user(session: AsyncSession, user_id: int) -> tuple[UserRead, str]:
    user = await repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound("User", user_id)
    return _user_read(user), etag_of(user)


async def update_user(
    session: AsyncSession, user_id: int, data: UserUpdate, if_match: str | None, passwords: Passwords
) -> tuple[UserRead, str]:
    """A password change or disabling also ends every token issued before it (`credentials_version`)."""
    user = await repository.user_by_id(session, user_id, for_update=True)
    if user is None:
        raise NotFound("User", user_id)
    check_if_match(if_match, user)
    given = data.model_fields_set
    if "role" in given or "scope_code" in given:
        role = data.role or Role(user.role)
        scope = data.scope_code if "scope_code" in given else user.scope_code
        await check_scope(session, role, scope)
        user.role, user.scope_code = role.value, scope
    if data.password is not None:
        user.password_hash = await _hash(passwords, data.password)
        user.credentials_version += 1
    if data.disabled is not None:
        if data.disabled and not user.disabled:
            user.credentials_version += 1
        user.disabled = data.disabled
    user.updated_at = utcnow()
    await session.flush()
    return _user_read(user), etag_of(user)


async def list_users(session: AsyncSession, page: PageParams) -> UserPage:
    rows = await repository.list_users(session, page)
    return UserPage.model_validate(
        {
            "items": [r._asdict() for r in rows[: page.limit]],
            "next_cursor": page.next_cursor(rows, lambda r: (r.id,)),
        }
    )


class SignIn:
    """Checks passwords for `POST /auth/token`, throttled by client address and username (see
    `app.auth.throttle`).

    Every answer it decides costs one argon2 check, whether the username exists, the password is wrong, or
    the attempt is throttled, so neither its time nor its text tells which. Only refusals that protect the
    server itself come at once, before any check: more sign-ins at the same moment from one address than it
    may have (429), or every hashing slot and queue place taken (503).
    """

    def __init__(self, db: Database, passwords: Passwords, throttle: LoginThrottle) -> None:
        self._db = db
        self._passwords = passwords
        self._throttle = throttle

    async def login(
        self,
        session: Callable[[], Awaitable[AsyncSession]],
        address: str,
        username: str,
        password: str,
        audit_key: bytes,
    ) -> tuple[int, int]:
        """The user's id and credentials version when the password is right and the account usable.

        `session` opens the request's unit of work; it is asked for only after the check, so that no
        transaction (on SQLite, the write lock) is held while argon2 runs. Both outcomes are audited: a
        failure in a transaction of its own (the request's answers an error, and is rolled back).
        """
        try:
            with self._throttle.attempt(address):
                user = await self._check(address, username, password)
        except TooManyInFlight:
            raise TooManyRequests.retry_after("detail.login_in_flight", 1) from None
        except Overloaded:
            raise Busy("detail.passwords_busy", headers={"Retry-After": "1"}) from None
        except Unauthorized:
            await self._failed(username, audit_key)
            raise
        unit = await session()
        await repository.note_login(unit, user.id)
        me = Actor(f"user:{user.id}", name=username, role=Role(user.role), scope_code=user.scope_code)
        record(unit, AuditAction.sign_in, AuditResource.user, user.id, actor=me)
        return user.id, user.credentials_version

    async def _failed(self, username: str, audit_key: bytes) -> None:
        """Record a failed sign-in (the username only as a keyed hash; never the password)."""
        async with self._db.session() as session:
            if self._db.is_sqlite:
                await session.connection(execution_options={"sqlite_immediate": True})
            use_key(session, audit_key)
            act_as(session, None)
            changes = {"username": (None, username)}
            record(session, AuditAction.sign_in_failed, AuditResource.user, None, changes, personal=PERSONAL)
            await session.commit()

    async def _check(self, address: str, username: str, password: str) -> Any:
        wait = self._throttle.wait(address, username)
        if wait > 0:
            await self._passwords.verify(None, password)
            raise TooManyRequests.retry_after("detail.login_throttled", wait)
        async with self._db.engine.connect() as conn:
            user = await repository.login_candidate(conn, username)
        right = await self._passwords.verify(user.password_hash if user else None, password)
        if user is None or not right or user.disabled:
            self._throttle.failed(address, username)
            raise Unauthorized()
        self._throttle.succeeded(address, username)
        return user


# Authentication of each request


class Authenticator:
    """Verifies bearer credentials (API keys and user tokens), caching what it verified briefly.

    A cache hit costs no database round trip. A revoked key, a disabled user, and a user's tokens issued
    before its latest password change or disabling stop working within `ttl` seconds in every process (at once
    in the process that made the change).
    """

    def __init__(self, db: Database, ttl: float, secret: Callable[[], Awaitable[bytes]]) -> None:
        self._db = db
        self._ttl = ttl
        self._secret = secret
        # credential -> (actor, expiry, the user's credentials version; 0 for keys)
        self._cache: dict[str, tuple[Actor, float, int]] = {}

    async def authenticate(self, credential: str) -> Actor | None:
        if len(credential) > 2000:
            return None
        lookup: Callable[[str], Awaitable[tuple[Actor, int] | None]]
        issued_under: int | None = None  # a user token's credentials version
        if credential.startswith(KEY_PREFIX):
            cache_key = hash_key(credential)
            lookup = self._lookup_key
        else:
            claims = tokens.verify(await self._secret(), credential)
            if claims is None:
                return None
            user_id, issued_under = claims
            cache_key = f"user:{user_id}"
            lookup = self._lookup_user
        now = time.monotonic()
        hit = self._cache.get(cache_key)
        # A token newer than the cached version was issued after a change made in another process: ask again.
        if hit is not None and hit[1] > now and (issued_under is None or issued_under <= hit[2]):
            return hit[0] if issued_under is None or issued_under == hit[2] else None
        found = await lookup(cache_key)
        if found is None:
            self._cache.pop(cache_key, None)
            return None
        actor, version = found
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[cache_key] = (actor, now + self._ttl, version)
        return actor if issued_under is None or issued_under == version else None

    async def _touch(self, key_id: int) -> None:
        """Note a key's last use: a write of its own, taken up front on SQLite (never a read upgraded to a
        write mid-way), and never waited for there: while another writer holds SQLite's one write lock (a
        large upload), the note is skipped and the next request tries again."""
        if not self._db.is_sqlite:
            async with self._db.engine.begin() as conn:
                await repository.touch_key(conn, key_id)
            return
        async with self._db.nowait_engine().connect() as conn:
            try:
                conn = await conn.execution_options(sqlite_immediate=True)
                async with conn.begin():
                    await repository.touch_key(conn, key_id)
            except OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise

    async def _lookup_key(self, digest: str) -> tuple[Actor, int] | None:
        async with self._db.engine.connect() as conn:
            row = await repository.active_key(conn, digest)
        if row is None:
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
            await self._touch(row.id)
        return Actor(f"key:{row.id}", name=row.name, role=Role(row.role), scope_code=row.scope_code), 0

    async def _lookup_user(self, cache_key: str) -> tuple[Actor, int] | None:
        async with self._db.engine.connect() as conn:
            row = await repository.enabled_user(conn, int(cache_key.removeprefix("user:")))
        if row is None:
            return None
        actor = Actor(
            principal=f"user:{row.id}", name=row.username, role=Role(row.role), scope_code=row.scope_code
        )
        return actor, row.credentials_version

    def forget_key(self, digest: str) -> None:
        self._cache.pop(digest, None)

    def forget_user(self, user_id: int) -> None:
        self._cache.pop(f"user:{user_id}", None)

    def issue_token(self, secret: bytes, user_id: int, version: int, lifetime: dt.timedelta) -> str:
        return tokens.issue(secret, user_id, version, lifetime)
