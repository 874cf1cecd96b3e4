"""The event types outside systems can receive. Code names them by these constants, never by literal."""

from __future__ import annotations

from typing import Final, Literal

ACTIVITY_ADOPTED: Final = "activity.adopted"
ACTIVITY_ADOPTION_UPDATED: Final = "activity.adoption_updated"
ACTIVITY_ADOPTION_WITHDRAWN: Final = "activity.adoption_withdrawn"
PLAN_STATUS_CHANGED: Final = "plan.status_changed"
PLAN_CERTIFIED: Final = "plan.certified"
SUBSCRIPTION_DISABLED: Final = "webhook_subscription.disabled"

# What `emit` takes: mypy refuses any other string.
EventType = Literal[
    "activity.adopted",
    "activity.adoption_updated",
    "activity.adoption_withdrawn",
    "plan.status_changed",
    "plan.certified",
    "webhook_subscription.disabled",
]

EVENT_TYPES: tuple[EventType, ...] = (
    ACTIVITY_ADOPTED,
    ACTIVITY_ADOPTION_UPDATED,
    ACTIVITY_ADOPTION_WITHDRAWN,
    PLAN_STATUS_CHANGED,
    PLAN_CERTIFIED,
    SUBSCRIPTION_DISABLED,
)
