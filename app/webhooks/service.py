"""Managing webhook subscriptions: each belongs to one local government, is managed by its planners and
keys (and admins), and receives only events about that local government's villages."""

from __future__ import annotations

import datetime as dt
import uuid

from cryptography.fernet import MultiFernet
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.audit.recorder import AuditAction, AuditResource, as_action, record
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import FieldIssue, Forbidden, Invalid, NotFound
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.core.scope import Scope
from app.events.models import Event
from app.events.types import EVENT_TYPES
from app.local_governments import service as local_governments
from app.webhooks import secrets, wakeup
from app.webhooks.fanout import body, fan_out
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.webhooks.schemas import (
    AttemptRead,
    DeliveryPage,
    DeliveryRead,
    Queued,
    Replay,
    RotateSecret,
    SecretRotated,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPage,
    SubscriptionRead,
    SubscriptionUpdate,
)
from app.webhooks.targets import TargetRefused, check_syntax, parse_networks, resolve

RESOURCE = "Webhook subscription"
PING = "webhook.test"


def _visible(actor: Actor) -> ColumnElement[bool]:
    return Scope.of(actor).own_condition(col(WebhookSubscription.local_government_code))


def _read(sub: WebhookSubscription) -> SubscriptionRead:
    return SubscriptionRead.model_validate(sub.model_dump())


def _check_event_types(types: list[str]) -> list[str]:
    issues = [
        FieldIssue(f"event_types.{i}", "field.unknown_event_type", type=t[:64])
        for i, t in enumerate(types)
        if t not in EVENT_TYPES
    ]
    if issues:
        raise Invalid(*issues)
    return sorted(set(types))


async def _check_url(url: str, allowed_networks: str) -> None:
    try:
        check_syntax(url)
        await resolve(url, parse_networks(allowed_networks))
    except TargetRefused as refused:
        raise Invalid(FieldIssue("url", refused.reason, **refused.params)) from refused


async def load(
    session: AsyncSession, actor: Actor, sub_id: int, *, for_update: bool = False
) -> WebhookSubscription:
    query = select(WebhookSubscription).where(col(WebhookSubscription.id) == sub_id, _visible(actor))
    if for_update:
        query = query.with_for_update()
    sub = (await session.execute(query)).scalar_one_or_none()
    if sub is None:
        raise NotFound(RESOURCE, sub_id)
    return sub


async def create(
    session: AsyncSession,
    actor: Actor,
    data: SubscriptionCreate,
    fernet: MultiFernet,
    allowed_networks: str,
) -> tuple[SubscriptionCreated, str]:
    if Scope.of(actor).is_other_local_government(data.local_government_code):
        raise Forbidden("detail.outside_scope", code=data.local_government_code)
    await local_governments.get(session, actor, data.local_government_code)  # exists, and is the caller's
    event_types = _check_event_types(data.event_types)
    await _check_url(data.url, allowed_networks)
    secret = secrets.new_secret()
    sub = WebhookSubscription(
        local_government_code=data.local_government_code,
        url=data.url,
        description=data.description,
        event_types=event_types,
        secret_cipher=secrets.encrypt(fernet, secret),
    )
    session.add(sub)
    await session.flush()
    return SubscriptionCreated.model_validate({**sub.model_dump(), "secret": secret}), etag_of(sub)


async def get(session: AsyncSession, actor: Actor, sub_id: int) -> tuple[SubscriptionRead, str]:
    sub = await load(session, actor, sub_id)
    return _read(sub), etag_of(sub)


async def list_page(session: AsyncSession, actor: Actor, page: PageParams) -> SubscriptionPage:
    query = select(WebhookSubscription).where(_visible(actor))
    if page.after:
        query = query.where(col(WebhookSubscription.id) > int(page.after[0]))
    rows = list(
        (await session.execute(query.order_by(col(WebhookSubscription.id)).limit(page.limit + 1))).scalars()
    )
    return SubscriptionPage(
        items=[_read(s) for s in rows[: page.limit]], next_cursor=page.next_cursor(rows, lambda s: (s.id,))
    )


async def update_subscription(
    session: AsyncSession,
    actor: Actor,
    sub_id: int,
    data: SubscriptionUpdate,
    if_match: str | None,
    allowed_networks: str,
) -> tuple[SubscriptionRead, str]:
    sub = await load(session, actor, sub_id, for_update=True)
    check_if_match(if_match, sub)
    given = data.model_fields_set
    if data.url is not None:
        await _check_url(data.url, allowed_networks)
        sub.url = data.url
    if data.event_types is not None:
        sub.event_types = _check_event_types(data.event_types)
    if "description" in given:
        sub.description = data.description
    if data.status is not None and data.status != sub.status:
        if sub.status == "disabled" and data.status == "active":
            # Re-enabled: everything that gave up while it was failing is tried again.
            await session.execute(
                update(WebhookDelivery)
                .where(
                    col(WebhookDelivery.subscription_id) == sub_id, col(WebhookDelivery.status) == "failed"
                )
                .values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None)
            )
            await wakeup.announce(session)
            sub.failing_since, sub.disabled_reason = None, None
        sub.status = data.status
    sub.updated_at = utcnow()
    await session.flush()
    return _read(sub), etag_of(sub)


async def delete(session: AsyncSession, actor: Actor, sub_id: int, if_match: str | None) -> None:
    sub = await load(session, actor, sub_id, for_update=True)
    check_if_match(if_match, sub)
    await session.delete(sub)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, actor: Actor, sub_id: int, data: RotateSecret, fernet: MultiFernet
) -> SecretRotated:
    sub = await load(session, actor, sub_id, for_update=True)
    secret = secrets.new_secret()
    expires = utcnow() + dt.timedelta(seconds=data.grace_seconds)
    sub.previous_secret_cipher, sub.previous_secret_expires_at = sub.secret_cipher, expires
    sub.secret_cipher = secrets.encrypt(fernet, secret)
    sub.updated_at = utcnow()
    as_action(sub, AuditAction.rotate_secret)
    await session.flush()
    return SecretRotated(secret=secret, previous_secret_expires_at=expires)


async def test(session: AsyncSession, actor: Actor, sub_id: int) -> Queued:
    """Queue a ping (`webhook.test`) to the endpoint; the worker sends it like any delivery."""
    sub = await load(session, actor, sub_id)
    now = utcnow()
    delivery = WebhookDelivery(
        subscription_id=sub_id,
        event_id=f"msg_{uuid.uuid4().hex}",
        event_type=PING,
        payload=body(
            PING, now, {"subscription_id": sub_id, "local_government_code": sub.local_government_code}
        ),
    )
    session.add(delivery)
    await session.flush()
    await wakeup.announce(session)
    assert delivery.id is not None
    _record_sending(session, AuditAction.test, sub, [delivery.id])
    return Queued(queued=1, delivery_ids=[delivery.id])


async def deliveries(session: AsyncSession, actor: Actor, sub_id: int, page: PageParams) -> DeliveryPage:
    await load(session, actor, sub_id)
    query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == sub_id)
    if page.after:
        query = query.where(col(WebhookDelivery.id) < int(page.after[0]))
    rows = list(
        (
            await session.execute(query.order_by(col(WebhookDelivery.id).desc()).limit(page.limit + 1))
        ).scalars()
    )
    shown = rows[: page.limit]
    attempts: dict[int, list[AttemptRead]] = {d.id: [] for d in shown if d.id is not None}
    if attempts:
        found = await session.execute(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(list(attempts)))
            .order_by(col(WebhookAttempt.id))
        )
        for attempt in found.scalars():
            attempts[attempt.delivery_id].append(AttemptRead.model_validate(attempt.model_dump()))
    items = [
        DeliveryRead.model_validate(
            {
                **d.model_dump(),
                "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
                "attempt_log": attempts.get(d.id or 0, []),
            }
        )
        for d in shown
    ]
    return DeliveryPage(items=items, next_cursor=page.next_cursor(rows, lambda d: (d.id,)))


async def resend(session: AsyncSession, actor: Actor, sub_id: int, delivery_id: int) -> Queued:
    """Send a delivery again as a new delivery: same webhook-id and body, fresh attempts."""
    sub = await load(session, actor, sub_id)
    query = select(WebhookDelivery).where(
        col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.subscription_id) == sub_id
    )
    original = (await session.execute(query)).scalar_one_or_none()
    if original is None:
        raise NotFound("Delivery", delivery_id)
    copy = WebhookDelivery(
        subscription_id=sub_id,
        event_id=original.event_id,
        event_type=original.event_type,
        event_sequence=original.event_sequence,
        payload=original.payload,
    )
    session.add(copy)
    await session.flush()
    await wakeup.announce(session)
    assert copy.id is not None
    _record_sending(session, AuditAction.resend, sub, [copy.id], resent=delivery_id)
    return Queued(queued=1, delivery_ids=[copy.id])


async def replay(session: AsyncSession, actor: Actor, sub_id: int, data: Replay) -> Queued:
    """Deliver again every event of the subscription's local government since a time."""
    sub = await load(session, actor, sub_id)
    since = data.since if data.since.tzinfo else data.since.replace(tzinfo=dt.UTC)
    events = (
        await session.execute(
            select(Event)
            .where(
                col(Event.local_government_code) == sub.local_government_code, col(Event.created_at) >= since
            )
            .order_by(col(Event.sequence))
            .limit(10_000)
        )
    ).scalars()
    ids: list[int] = []
    for event in events:
        ids += await fan_out(
            session,
            event_id=event.id,
            event_type=event.type,
            sequence=event.stream_sequence,
            local_government_code=event.local_government_code,
            timestamp=event.created_at,
            data=event.data,
            only_subscription=sub_id,
        )
    _record_sending(session, AuditAction.replay, sub, ids, since=since)
    return Queued(queued=len(ids), delivery_ids=ids[:1000])


def _record_sending(
    session: AsyncSession, action: AuditAction, sub: WebhookSubscription, ids: list[int], **more: object
) -> None:
    """A test, resend or replay: deliveries queued for the subscription (at most 1000 of their ids)."""
    changes = {"queued": (None, len(ids)), "delivery_ids": (None, ids[:1000])}
    changes |= {name: (None, value) for name, value in more.items()}
    record(
        session,
        action,
        AuditResource.webhook_subscription,
        sub.id,
        changes,
        located_by={"local_government_code": sub.local_government_code},
    )
