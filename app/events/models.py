"""The event store (transactional outbox): every change outside systems care about, in commit order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (
        Index("ux_event_stream_sequence", "stream", "stream_sequence", unique=True),
        Index("ux_event_province_code_province_sequence", "province_code", "province_sequence", unique=True),
        Index("ux_event_district_code_district_sequence", "district_code", "district_sequence", unique=True),
        Index("ux_event_village_code_village_sequence", "village_code", "village_sequence", unique=True),
    )

    # The global sequence doubles as the key: numbers are handed out under a lock held to commit,
    # so they become visible in order and a reader paging by it never skips one.
    sequence: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    id: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    type: str = Field(max_length=64)
    stream: str = Field(max_length=40)
    stream_sequence: int = Field(sa_column=Column(BigInteger, nullable=False))
    local_government_code: str | None = Field(default=None, max_length=7)
    village_code: str | None = Field(default=None, max_length=8)
    district_code: str | None = Field(default=None, max_length=4)
    province_code: str | None = Field(default=None, max_length=2)
    # The event's number in its province's, district's and village's own streams (null without a village):
    # an officer or committee of that area reads its feed by it, so its numbers count only what it can see.
    province_sequence: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    district_sequence: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    village_sequence: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class EventCounter(SQLModel, table=True):
    """The last sequence handed out per stream: "all", one per local government (`local_government:<code>`)
    and one per province, district and village (`province:<code>`, `district:<code>`, `village:<code>`)."""

    __tablename__ = "event_counter"

    stream: str = Field(primary_key=True, max_length=40)
    last_sequence: int = Field(sa_column=Column(BigInteger, nullable=False))
