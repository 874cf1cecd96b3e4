"""Tables owned by the core: installation settings and stored idempotent responses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class AppSetting(SQLModel, table=True):
    __tablename__ = "app_setting"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=512)


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (Index("ux_idempotency_record_principal_key", "principal", "key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=64)
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    status_code: int
    content_type: str = Field(max_length=100)
    location: str | None = Field(default=None, max_length=500)
    etag: str | None = Field(default=None, max_length=100)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True)
    )
