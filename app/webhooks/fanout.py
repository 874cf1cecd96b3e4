"""Turning an event into one pending delivery per matching subscription, in the event's transaction:
an event that committed has its deliveries, and one that rolled back has none. `install` subscribes the
fan-out to every event the process emits (`app.events.store`); the delivery workers are woken when the
transaction commits (`app.webhooks.wakeup`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import direct
from app.core.db import utcnow
from app.core.reads import ReadStatement
from app.events import store
from app.webhooks import wakeup
from app.webhooks.models import WebhookDelivery, WebhookSubscription

webhook_subscription_table = WebhookSubscription.__table__  # type: ignore[attr-defined]
webhook_delivery_table = WebhookDelivery.__table__  # type: ignore[attr-defined]


_OF_LOCAL_GOVERNMENT = select(
    webhook_subscription_table.c.id, webhook_subscription_table.c.event_types
).where(webhook_subscription_table.c.local_government_code == bindparam("local_government_code"))
_SUBSCRIPTIONS = ReadStatement(_OF_LOCAL_GOVERNMENT)
_ONE_SUBSCRIPTION = ReadStatement(
    _OF_LOCAL_GOVERNMENT.where(webhook_subscription_table.c.id == bindparam("id"))
)


def body(event_type: str, timestamp: dt.datetime, data: dict[str, Any]) -> str:
    """The Standard Webhooks body, serialised once so every retry signs the same bytes."""
    return json.dumps(
        {"type": event_type, "timestamp": timestamp.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def wants(event_types: list[str], event_type: str) -> bool:
    return not event_types or event_type in event_types


async def fan_out(
    session: AsyncSession,
    *,
    event_id: str,
    event_type: str,
    sequence: int | None,
    local_government_code: str | None,
    timestamp: dt.datetime,
    data: dict[str, Any],
    only_subscription: int | None = None,
) -> list[int]:
    if local_government_code is None:
        return []
    if only_subscription is None:
        found = await direct.fetch(session, _SUBSCRIPTIONS, local_government_code=local_government_code)
    else:
        found = await direct.fetch(
            session, _ONE_SUBSCRIPTION, local_government_code=local_government_code, id=only_subscription
        )
    matching = [row.id for row in found if wants(row.event_types, event_type)]
    if not matching:
        return []
    payload = body(event_type, timestamp, data)
    now = utcnow()
    rows = [
        {
            "subscription_id": sub_id,
            "event_id": event_id,
            "event_type": event_type,
            "event_sequence": sequence,  # in the local government's stream: its feed's `sequence`
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for sub_id in matching
    ]
    result = await session.execute(
        webhook_delivery_table.insert().returning(webhook_delivery_table.c.id), rows
    )
    await wakeup.announce(session)
    return [int(r[0]) for r in result.all()]


async def on_emit(session: AsyncSession, event: store.Emitted) -> list[int]:
    return await fan_out(
        session,
        event_id=event.id,
        event_type=event.type,
        sequence=event.stream_sequence,
        local_government_code=event.subject.local_government_code,
        timestamp=event.created_at,
        data=event.data,
    )


def install() -> None:
    """Give every event emitted in this process its deliveries. Called by `create_app` and by the `cplan`
    command before any of its subcommands; more calls change nothing."""
    store.subscribe(on_emit)
