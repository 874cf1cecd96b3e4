"""The event feed: ordered, gap-free, within the caller's scope.

A local government's callers read their own stream by its gap-free `stream_sequence`; other callers read
the global feed (by `sequence`, which becomes visible strictly in order) filtered to their area.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.auth.models import Role
from app.auth.service import Actor
from app.core.errors import FieldIssue, Invalid
from app.core.pagination import PageParams
from app.events.models import Event
from app.events.schemas import EventPage, EventRead
from app.events.types import EVENT_TYPES

E = Event.__table__  # type: ignore[attr-defined]
AREA_COLUMN = {
    Role.village_committee: "village_code",
    Role.district_officer: "district_code",
    Role.provincial_officer: "province_code",
}


def parse_types(types: str | None) -> list[str]:
    wanted = [t.strip() for t in (types or "").split(",") if t.strip()]
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown:
        raise Invalid(*(FieldIssue("types", "field.unknown_event_type", type=t[:64]) for t in unknown))
    return wanted


async def feed(session: AsyncSession, actor: Actor, page: PageParams, types: str | None) -> EventPage:
    wanted = parse_types(types)
    conditions: list[ColumnElement[bool]] = []
    if actor.role is Role.lgo_planner:
        conditions.append(E.c.stream == f"local_government:{actor.scope_code}")
        order = E.c.stream_sequence
    else:
        if actor.role is not Role.admin:
            conditions.append(E.c[AREA_COLUMN[actor.role]] == actor.scope_code)
        order = E.c.sequence
    if wanted:
        conditions.append(E.c.type.in_(wanted))
    if page.after:
        conditions.append(order > int(page.after[0]))
    rows = (await session.execute(select(E).where(*conditions).order_by(order).limit(page.limit + 1))).all()
    key = "stream_sequence" if actor.role is Role.lgo_planner else "sequence"
    shown = rows[: page.limit]
    # A feed is tailed: the cursor always points after the last event seen (or stays where it was), so a
    # caller polls with it again later. An empty page means it has caught up.
    if shown:
        next_cursor: str | None = page.cursor_for((getattr(shown[-1], key),))
    else:
        next_cursor = page.cursor_for(page.after) if page.after else None
    return EventPage(
        items=[
            EventRead(
                id=r.id,
                type=r.type,
                timestamp=r.created_at,
                sequence=r.sequence,
                stream=r.stream,
                stream_sequence=r.stream_sequence,
                data=r.data,
            )
            for r in shown
        ],
        next_cursor=next_cursor,
    )
