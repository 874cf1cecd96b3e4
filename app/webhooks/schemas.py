"""Input and output shapes of webhook subscriptions and deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.core.pagination import Page
from app.core.schemas import RequestModel, UpdateModel
from app.core.types import Instant, LocalGovernmentCode, Name

Url = Annotated[str, StringConstraints(min_length=8, max_length=2000, pattern=r"^[^\x00-\x20\x7f]+$")]
EventTypes = Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=20)]


class SubscriptionCreate(RequestModel):
    url: Url = Field(examples=["https://plan.example-lgo.go.th/hooks/cplan"])
    local_government_code: LocalGovernmentCode
    event_types: EventTypes = Field(default_factory=list, description="Empty for every event type")
    description: Name | None = None


class SubscriptionUpdate(UpdateModel):
    clearable = frozenset({"description"})

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Name | None = None
    status: Literal["active", "paused"] | None = Field(
        default=None,
        description="paused holds deliveries; active resumes (and re-enables a disabled endpoint, "
        "replaying its backlog)",
    )


class SubscriptionRead(BaseModel):
    id: int
    url: str
    local_government_code: str
    event_types: list[str]
    description: str | None
    status: Literal["active", "paused", "disabled"]
    disabled_reason: str | None
    failing_since: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(description="The signing secret (whsec_…). Shown only in this answer.")


class SecretRotated(BaseModel):
    secret: str = Field(description="The new signing secret, shown only in this answer")
    previous_secret_expires_at: dt.datetime = Field(description="Until then the old secret also signs")


class RotateSecret(RequestModel):
    grace_seconds: int = Field(default=86_400, ge=0, le=7 * 86_400)


class Replay(RequestModel):
    since: Instant = Field(
        description="Every matching event from this time on is delivered again (UTC when no offset is given)"
    )


class Queued(BaseModel):
    queued: int
    delivery_ids: list[int]


class SubscriptionPage(Page[SubscriptionRead]):
    pass


class AttemptRead(BaseModel):
    attempted_at: dt.datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class DeliveryRead(BaseModel):
    id: int
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    attempt_log: list[AttemptRead]


class DeliveryPage(Page[DeliveryRead]):
    pass
