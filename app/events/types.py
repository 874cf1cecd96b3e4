"""The event types outside systems can receive."""

from __future__ import annotations

ACTIVITY_ADOPTED = "activity.adopted"
ACTIVITY_ADOPTION_UPDATED = "activity.adoption_updated"
ACTIVITY_ADOPTION_WITHDRAWN = "activity.adoption_withdrawn"
PLAN_STATUS_CHANGED = "plan.status_changed"
PLAN_CERTIFIED = "plan.certified"
SUBSCRIPTION_DISABLED = "webhook_subscription.disabled"

EVENT_TYPES: tuple[str, ...] = (
    ACTIVITY_ADOPTED,
    ACTIVITY_ADOPTION_UPDATED,
    ACTIVITY_ADOPTION_WITHDRAWN,
    PLAN_STATUS_CHANGED,
    PLAN_CERTIFIED,
    SUBSCRIPTION_DISABLED,
)
