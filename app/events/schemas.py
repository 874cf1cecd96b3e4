"""What the event feed answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from app.core.pagination import Page


class EventRead(BaseModel):
    id: str = Field(description="Also the `webhook-id` of every delivery of this event")
    type: str
    timestamp: dt.datetime
    sequence: int = Field(description="Position in the global feed: strictly increasing, never skipped")
    stream: str = Field(description="The local government's stream, `local_government:<code>`")
    stream_sequence: int = Field(description="Position in the stream: 1, 2, 3, … with no gaps")
    data: dict[str, Any] = Field(description="The full resource after the change")


class EventPage(Page[EventRead]):
    """`next_cursor` always points after the last event returned: poll with it again later.
    An empty `items` means the caller has caught up."""
