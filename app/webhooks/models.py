"""Webhook subscriptions, their deliveries (one per event and subscription) and every attempt."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.core.logs import current_request_id

_subscription_version = Column("version", Integer, nullable=False)


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscription"
    __table_args__ = (CheckConstraint("status IN ('active', 'paused', 'disabled')", name="status"),)
    __mapper_args__ = {"version_id_col": _subscription_version}

    id: int | None = Field(default=None, primary_key=True)
    local_government_code: str = Field(foreign_key="local_government.code", max_length=7, index=True)
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=200)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="active", max_length=16)
    disabled_reason: str | None = Field(default=None, max_length=200)
    failing_since: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # Secrets are kept encrypted with a key derived from the installation's secret, never in plain text.
    secret_cipher: str = Field(sa_column=Column(Text, nullable=False))
    previous_secret_cipher: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    previous_secret_expires_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = Field(default=1, sa_column=_subscription_version)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
        Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_subscription_id_id", "subscription_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_subscription.id", ondelete="CASCADE"), nullable=False)
    )
    event_id: str = Field(max_length=64, description="The webhook-id: the same on every retry")
    event_type: str = Field(max_length=64)
    event_sequence: int | None = None
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    lease_until: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    delivered_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # The X-Request-ID of the request whose change made the delivery: the worker logs its attempts with it.
    request_id: str | None = Field(
        default_factory=current_request_id,
        sa_column=Column(String(128), nullable=True, default=current_request_id),
    )


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"
    __table_args__ = (Index("ix_webhook_attempt_delivery_id_id", "delivery_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_delivery.id", ondelete="CASCADE"), nullable=False)
    )
    attempted_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    status_code: int | None = None
    duration_ms: int
    error: str | None = Field(default=None, max_length=500)
    response_excerpt: str | None = Field(default=None, max_length=500)
