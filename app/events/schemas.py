"""What the event feed answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from app.core.pagination import Page


class EventRead(BaseModel):
    """An event, numbered in the caller's own feed: the numbers count only events the caller can see."""

    id: str = Field(description="Also the `webhook-id` of every delivery of this event")
    type: str
    timestamp: dt.datetime
    sequence: int = Field(
        description="Position in the caller's feed: 1, 2, 3, … with no gaps, in the order of the feed. "
        "The feed is the caller's stream: the whole country's for an admin, the local government's own "
        "for its planners and keys, the province's, district's or village's for its officers and committee. "
        "Filtering by `types` leaves out the other types' numbers"
    )
    stream: str = Field(
        description="The stream `stream_sequence` counts in: for an admin and for a local government's "
        "callers, the event's local government (`local_government:<code>`, or `local_government:none` for a "
        "village without one); for an area's officers and committee, whose feed mixes local governments, "
        "their area's (`province:<code>`, `district:<code>`, `village:<code>`)"
    )
    stream_sequence: int = Field(
        description="Position in `stream`: 1, 2, 3, … with no gaps (for all but admins, equal to `sequence`)"
    )
    data: dict[str, Any] = Field(description="The full resource after the change")


class EventPage(Page[EventRead]):
    """`next_cursor` always points after the last event returned: poll with it again later.
    An empty `items` means the caller has caught up."""
