"""The event feed: ordered, gap-free, within the caller's scope.

Every caller reads one stream and is shown that stream's numbers only, so the numbers it sees count the
events it can see and nothing else (a gap would tell it how many events happened elsewhere):

- an admin reads the global stream, numbered by `sequence`;
- a local government's callers read its own stream, numbered by `stream_sequence`;
- a provincial officer, district officer or village committee reads its area's stream, numbered by
  `province_sequence`, `district_sequence` or `village_sequence`.

Each stream's numbers become visible strictly in order (`app.events.store`), so a reader paging by them never
skips an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.core.actor import Actor
from app.core.errors import BadRequest, FieldIssue, Invalid
from app.core.pagination import PageParams
from app.core.scope import Level, Scope
from app.events.models import Event
from app.events.schemas import EventPage, EventRead
from app.events.types import EVENT_TYPES

event_table = Event.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Area:
    """How an area role's stream is kept: the event column with the area's code, the one with its number."""

    level: str
    code_column: str
    number_column: str


AREAS = {
    Level.village: Area("village", "village_code", "village_sequence"),
    Level.district: Area("district", "district_code", "district_sequence"),
    Level.province: Area("province", "province_code", "province_sequence"),
}


def parse_types(types: str | None) -> list[str]:
    wanted = [t.strip() for t in (types or "").split(",") if t.strip()]
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown:
        raise Invalid(*(FieldIssue("types", "field.unknown_event_type", type=t[:64]) for t in unknown))
    return wanted


def _after(page: PageParams, number: Any, area: Area | None) -> ColumnElement[bool] | None:
    """Where the caller's cursor points. An area's cursor names its level with its number; one without a
    level given to an area caller is from before areas had streams of their own and holds the global number
    (both orders agree within an area, so the feed goes on exactly where it left off)."""
    if not page.after:
        return None
    values = page.after
    if not isinstance(values[0], int) or isinstance(values[0], bool):
        raise BadRequest("detail.bad_cursor")
    if len(values) == 1:
        return (number if area is None else event_table.c.sequence) > values[0]
    if area is not None and len(values) == 2 and values[1] == area.level:
        return number > values[0]
    raise BadRequest("detail.bad_cursor")


async def feed(session: AsyncSession, actor: Actor, page: PageParams, types: str | None) -> EventPage:
    wanted = parse_types(types)
    conditions: list[ColumnElement[bool]] = []
    scope = Scope.of(actor)
    area = AREAS.get(scope.level)
    if scope.everything:
        number = event_table.c.sequence
    elif scope.level is Level.local_government:
        conditions.append(event_table.c.stream == f"local_government:{scope.code}")
        number = event_table.c.stream_sequence
    else:
        assert area is not None
        scoped = scope.code is not None
        conditions.append(event_table.c[area.code_column] == scope.code if scoped else false())
        number = event_table.c[area.number_column]
    if wanted:
        conditions.append(event_table.c.type.in_(wanted))
    after = _after(page, number, area)
    if after is not None:
        conditions.append(after)
    query = (
        select(event_table, number.label("position"))
        .where(*conditions)
        .order_by(number)
        .limit(page.limit + 1)
    )
    rows = (await session.execute(query)).all()
    shown = rows[: page.limit]
    # A feed is tailed: the cursor always points after the last event seen (or stays where it was), so a
    # caller polls with it again later. An empty page means it has caught up.
    if shown:
        last = shown[-1].position
        next_cursor: str | None = page.cursor_for((last,) if area is None else (last, area.level))
    else:
        next_cursor = page.cursor_for(page.after) if page.after else None
    own_stream = f"{area.level}:{scope.code}" if area is not None else None
    return EventPage(
        items=[
            EventRead(
                id=r.id,
                type=r.type,
                timestamp=r.created_at,
                sequence=r.position,
                # An area's feed mixes local governments' streams, and only part of some: its readers are
                # shown their own stream's numbers instead.
                stream=own_stream or r.stream,
                stream_sequence=r.position if own_stream else r.stream_sequence,
                data=r.data,
            )
            for r in shown
        ],
        next_cursor=next_cursor,
    )
