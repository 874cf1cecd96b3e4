"""`Idempotency-Key` on creating POSTs: a replay answers the first response and changes nothing.

The stored response is written in the same transaction as the change it answers, so a crash can never
leave one without the other: `install` adds it to every request's commit (`app.core.uow`). Keys belong to
the caller that used them and expire after a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request, Response
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.actor import CurrentActor
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError
from app.core.models import IdempotencyRecord
from app.core.uow import CommitHook, SessionDep, add_commit_hook, commit_hooks

REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class StoredResponse:
    """A stored answer, detached from any session (the request's transaction is rolled back on replay)."""

    fingerprint: str
    status_code: int
    content_type: str
    location: str | None
    etag: str | None
    body: str


class IdempotentReplay(Exception):
    def __init__(self, record: StoredResponse) -> None:
        self.record = record


class IdempotencyMismatch(DomainError):
    status, slug, title_key = 422, "idempotency-key-reused", "title.conflict"

    def __init__(self) -> None:
        super().__init__("detail.idempotency_mismatch")


async def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0" + request.url.path.encode() + b"?" + request.url.query.encode() + b"\0")
    digest.update(await request.body())
    return digest.hexdigest()


async def _find(session: AsyncSession, principal: str, key: str, ttl_hours: int) -> StoredResponse | None:
    horizon = utcnow() - dt.timedelta(hours=ttl_hours)
    record = (
        await session.execute(
            select(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == principal, col(IdempotencyRecord.key) == key
            )
        )
    ).scalar_one_or_none()
    if record is not None and record.created_at < horizon:
        await session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.id) == record.id))
        return None
    if record is None:
        return None
    return StoredResponse(
        fingerprint=record.fingerprint,
        status_code=record.status_code,
        content_type=record.content_type,
        location=record.location,
        etag=record.etag,
        body=record.body,
    )


async def _serialise(session: AsyncSession, principal: str, key: str) -> None:
    """Make concurrent requests with one key wait for each other, so the later ones replay the first.

    PostgreSQL: a transaction-scoped advisory lock on the key. SQLite: writers already queue
    (`BEGIN IMMEDIATE`), so nothing is needed.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{principal}\0{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def replay_response(record: StoredResponse) -> Response:
    headers = {REPLAY_HEADER: "true"}
    if record.location:
        headers["Location"] = record.location
    if record.etag:
        headers["ETag"] = record.etag
    return Response(
        content=record.body.encode(),
        status_code=record.status_code,
        media_type=record.content_type,
        headers=headers,
    )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string; retrying with the same key and body replays the first answer.",
    ),
]


async def idempotency_key(
    request: Request, actor: CurrentActor, session: SessionDep, key: IdempotencyKey = None
) -> None:
    if key is None:
        return
    await begin(request, session, actor.principal, key, await _fingerprint(request))


async def begin(request: Request, session: AsyncSession, principal: str, key: str, fingerprint: str) -> None:
    """Replay (raises IdempotentReplay) or refuse (a different request with this key); otherwise remember
    the key, so the answer is stored with the change when the request succeeds."""
    if HOOK not in commit_hooks(request.app):
        # Without the hook the answer would never be stored, and a retry would do the change again.
        raise RuntimeError("Idempotency-Key used in an app without app.core.idempotency.install(app)")
    ttl = request.app.state.settings.idempotency_ttl_hours
    await _serialise(session, principal, key)
    record = await _find(session, principal, key, ttl)
    if record is not None:
        if record.fingerprint != fingerprint:
            raise IdempotencyMismatch()
        raise IdempotentReplay(record)
    request.state.idempotency = (principal, key, fingerprint)


async def store_response(request: Request, response: Response) -> None:
    pending = getattr(request.state, "idempotency", None)
    if pending is None:
        return
    principal, key, fingerprint = pending
    session: AsyncSession = await request.state.uow.session()
    session.add(
        IdempotencyRecord(
            principal=principal,
            key=key,
            fingerprint=fingerprint,
            status_code=response.status_code,
            content_type=response.headers.get("content-type", "application/json"),
            location=response.headers.get("location"),
            etag=response.headers.get("etag"),
            body=bytes(response.body).decode(),
        )
    )
    await session.flush()


async def replay_after_race(request: Request) -> Response | None:
    """Another request with the same key committed first: answer what it answered. (None when the request
    carried no key: the conflict is some other one.)"""
    if getattr(request.state, "idempotency", None) is None:
        return None
    await request.state.uow.rollback()
    principal, key, fingerprint = request.state.idempotency
    async with request.app.state.db.session() as session:
        record = await _find(session, principal, key, request.app.state.settings.idempotency_ttl_hours)
    if record is None:
        raise Conflict("detail.idempotency_in_flight")
    if record.fingerprint != fingerprint:
        raise IdempotencyMismatch()
    return replay_response(record)


IdempotencyDep = Depends(idempotency_key)


HOOK = CommitHook(before_commit=store_response, on_conflict=replay_after_race)


def install(app: FastAPI) -> None:
    """Store idempotent answers with every request's commit, and answer replays with them."""

    async def on_replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplay)
        return replay_response(exc.record)

    add_commit_hook(app, HOOK)
    app.add_exception_handler(IdempotentReplay, on_replay)
