"""Writing events in the same transaction as the change they describe, with gap-free sequences.

Each event takes the next number of the global stream and of its local government's stream from
`event_counter` rows, updated in the writer's transaction: the row locks are held until commit, so
numbers become visible strictly in order and a rolled-back change leaves no gap.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.events.models import Event, EventCounter
from app.webhooks.fanout import fan_out

GLOBAL_STREAM = "all"
UNASSIGNED_STREAM = "local_government:none"

C = EventCounter.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Subject:
    """Where an event happened: decides its stream and who may see it."""

    village_code: str | None
    local_government_code: str | None

    @property
    def stream(self) -> str:
        code = self.local_government_code
        return f"local_government:{code}" if code else UNASSIGNED_STREAM


async def _next(session: AsyncSession, stream: str) -> int:
    """Bump a stream's counter: one atomic upsert, so a stream's first two writers cannot collide."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = (
        insert(C)
        .values(stream=stream, last_sequence=1)
        .on_conflict_do_update(index_elements=[C.c.stream], set_={"last_sequence": C.c.last_sequence + 1})
        .returning(C.c.last_sequence)
    )
    return int((await session.execute(upsert)).scalar_one())


async def emit(session: AsyncSession, event_type: str, subject: Subject, data: dict[str, Any]) -> Event:
    """Record an event in the caller's transaction. Call it last, just before the commit: it holds the
    stream counters' locks until then."""
    # Always the global counter first, then the local one: one lock order, no deadlocks.
    sequence = await _next(session, GLOBAL_STREAM)
    stream_sequence = await _next(session, subject.stream)
    event = Event(
        sequence=sequence,
        id=f"evt_{uuid.uuid4().hex}",
        type=event_type,
        stream=subject.stream,
        stream_sequence=stream_sequence,
        local_government_code=subject.local_government_code,
        village_code=subject.village_code,
        district_code=subject.village_code[:4] if subject.village_code else None,
        province_code=subject.village_code[:2] if subject.village_code else None,
        data=data,
        created_at=utcnow(),
    )
    session.add(event)
    await session.flush()
    await fan_out(
        session,
        event_id=event.id,
        event_type=event_type,
        sequence=sequence,
        local_government_code=subject.local_government_code,
        timestamp=event.created_at,
        data=data,
    )
    return event


async def last_sequence(session: AsyncSession) -> int:
    value = (await session.execute(select(C.c.last_sequence).where(C.c.stream == GLOBAL_STREAM))).scalar()
    return int(value or 0)
