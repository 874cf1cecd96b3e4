"""Writing events in the same transaction as the change they describe, with gap-free sequences.

Each event takes the next number of every stream it belongs to from `event_counter` rows, updated in the
writer's transaction: the global stream, its local government's, and (when it happened at a village) its
province's, district's and village's. The row locks are held until commit, so numbers become visible
strictly in order and a rolled-back change leaves no gap. Each reader of the feed is shown the numbers of
its own stream only (`app.events.service`): they count the events it can see and nothing else.

Events do not know who listens: a subscriber (webhook fan-out, `app.webhooks.fanout.install`) registers
with `subscribe` and runs in the event's transaction, so an event that commits has its consequences and
one that rolls back has none. `emit` refuses to run with no subscriber: a process that forgot to install
them would write events nobody is ever told of.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, TextClause, bindparam, column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import recorder
from app.core import direct
from app.core.db import utcnow
from app.core.reads import ReadStatement
from app.events.models import Event, EventCounter
from app.events.types import EventType

GLOBAL_STREAM = "all"
UNASSIGNED_STREAM = "local_government:none"
AREA_SEQUENCE_COLUMNS = ("province_sequence", "district_sequence", "village_sequence")

event_counter_table = EventCounter.__table__  # type: ignore[attr-defined]
event_table = Event.__table__  # type: ignore[attr-defined]
_INSERT = event_table.insert()  # built once: its cache key is kept


@dataclass(frozen=True)
class Subject:
    """Where an event happened: decides its stream and who may see it."""

    village_code: str | None
    local_government_code: str | None

    @property
    def stream(self) -> str:
        code = self.local_government_code
        return f"local_government:{code}" if code else UNASSIGNED_STREAM

    def area_streams(self) -> dict[str, str]:
        """The province's, district's and village's streams, by the event column that holds the number."""
        code = self.village_code
        if code is None:
            return {}
        return {
            "province_sequence": f"province:{code[:2]}",
            "district_sequence": f"district:{code[:4]}",
            "village_sequence": f"village:{code}",
        }


@dataclass(frozen=True)
class Emitted:
    """An event just written, as its subscribers are told of it."""

    id: str
    type: EventType
    subject: Subject
    stream_sequence: int  # its number in its local government's stream (that feed's `sequence`)
    created_at: dt.datetime
    data: dict[str, Any]


OnEmit = Callable[[AsyncSession, Emitted], Awaitable[object]]
_subscribers: list[OnEmit] = []


def subscribe(on_emit: OnEmit) -> None:
    """Run `on_emit` in the transaction of every event emitted in this process (once, however often it is
    subscribed)."""
    if on_emit not in _subscribers:
        _subscribers.append(on_emit)


def _bump(streams: int) -> TextClause:
    # Written as SQL (the same on PostgreSQL and SQLite): SQLAlchemy cannot cache a multi-row VALUES
    # statement, and compiling it again for every event was a twentieth of a transition's CPU.
    values = ", ".join(f"(:s{i}, 1)" for i in range(streams))
    return text(
        f"INSERT INTO event_counter (stream, last_sequence) VALUES {values} "
        "ON CONFLICT (stream) DO UPDATE SET last_sequence = event_counter.last_sequence + 1 "
        "RETURNING stream, last_sequence"
    )


_BUMP = {2: _bump(2), 5: _bump(5)}  # without a village: global and local government; with one: + 3 areas
_COLUMNS = (
    "sequence, id, type, stream, stream_sequence, local_government_code, village_code, district_code, "
    "province_code, province_sequence, district_sequence, village_sequence, data, created_at"
)


def _numbered(streams: int) -> ReadStatement:
    """PostgreSQL: the counters bumped and the event inserted with its numbers in one statement, so the
    counters' locks are held for one round trip and the commit."""
    bump = _bump(streams).text
    areas = [f"(SELECT last_sequence FROM n WHERE stream = :s{i})" for i in range(1, streams - 1)]
    areas += ["NULL"] * (3 - len(areas))
    numbered = text(
        f"WITH n AS ({bump}) INSERT INTO event ({_COLUMNS}) SELECT "
        "(SELECT last_sequence FROM n WHERE stream = :s0), :id, :type, "
        f":s{streams - 1}, (SELECT last_sequence FROM n WHERE stream = :s{streams - 1}), "
        f":local_government_code, :village_code, :district_code, :province_code, {', '.join(areas)}, "
        "CAST(:data AS json), :created_at RETURNING stream_sequence"
    ).bindparams(
        bindparam("data", type_=event_table.c.data.type),
        bindparam("created_at", type_=event_table.c.created_at.type),
    )
    return ReadStatement(numbered.columns(column("stream_sequence", Integer)))


_NUMBERED = {2: _numbered(2), 5: _numbered(5)}


async def _next(session: AsyncSession, streams: list[str]) -> dict[str, int]:
    """Bump every counter of the event in one atomic upsert (one round trip; a stream's first two writers
    cannot collide). The rows are taken in the order given, global first: every writer queues on that one
    row before any other, so two writers cannot deadlock."""
    result = await session.execute(_BUMP[len(streams)], {f"s{i}": name for i, name in enumerate(streams)})
    return {name: int(number) for name, number in result}


async def emit(session: AsyncSession, event_type: EventType, subject: Subject, data: dict[str, Any]) -> str:
    """Record an event in the caller's transaction, tell its subscribers, and return its id. Call it last,
    just before the commit: it holds the stream counters' locks until then."""
    if not _subscribers:
        raise RuntimeError(
            "emit() with no subscriber: install them first (app.webhooks.fanout.install(), which "
            "create_app and the cplan command do)"
        )
    await recorder.write_before_numbering(session)
    areas = subject.area_streams()
    streams = [GLOBAL_STREAM, *areas.values(), subject.stream]
    event_id = f"evt_{uuid.uuid4().hex}"
    created_at = utcnow()
    where = {
        "local_government_code": subject.local_government_code,
        "village_code": subject.village_code,
        "district_code": subject.village_code[:4] if subject.village_code else None,
        "province_code": subject.village_code[:2] if subject.village_code else None,
    }
    if session.get_bind().dialect.name == "postgresql":
        # Straight on the connection (`app.core.direct`): every event's write, so every cost counts.
        numbered = await direct.first(
            session,
            _NUMBERED[len(streams)],
            **{f"s{i}": name for i, name in enumerate(streams)},
            **where,
            id=event_id,
            type=event_type,
            data=data,
            created_at=created_at,
        )
        assert numbered is not None
        stream_sequence = int(numbered.stream_sequence)
    else:
        numbers = await _next(session, streams)
        stream_sequence = numbers[subject.stream]
        await session.execute(
            _INSERT,
            {
                "sequence": numbers[GLOBAL_STREAM],
                "id": event_id,
                "type": event_type,
                "stream": subject.stream,
                "stream_sequence": stream_sequence,
                **where,
                **{column: numbers.get(stream) for column, stream in areas.items()},
                **{column: None for column in AREA_SEQUENCE_COLUMNS if column not in areas},
                "data": data,
                "created_at": created_at,
            },
        )
    emitted = Emitted(event_id, event_type, subject, stream_sequence, created_at, data)
    for on_emit in _subscribers:
        await on_emit(session, emitted)
    return event_id


async def last_sequence(session: AsyncSession) -> int:
    value = (
        await session.execute(
            select(event_counter_table.c.last_sequence).where(event_counter_table.c.stream == GLOBAL_STREAM)
        )
    ).scalar()
    return int(value or 0)
