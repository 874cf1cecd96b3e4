"""The event feed a receiver that was down catches up from."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.auth.access import access
from app.core.actor import Actor
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.uow import SessionDep
from app.events import service
from app.events.schemas import EventPage

router = api_router("events")

Reader = Annotated[Actor, access("events.read")]


@router.get(
    "/events", response_model=EventPage, summary="The ordered, gap-free event feed (kept for at least a year)"
)
async def events_list(
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    types: Annotated[
        str | None, Query(max_length=500, description="Comma-separated event types, e.g. activity.adopted")
    ] = None,
) -> EventPage:
    """Reads the event feed in order from the cursor on. A local government's callers read their own gap-free
    stream; other roles read the global feed within their area. An empty page means the caller has caught
    up: poll again later with the same `next_cursor`.
    """
    return await service.feed(session, actor, page, types)
