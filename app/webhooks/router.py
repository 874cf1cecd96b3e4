"""Webhook subscriptions of local governments: create, manage, test, inspect and replay deliveries."""

from __future__ import annotations

from typing import Annotated

from cryptography.fernet import MultiFernet
from fastapi import Depends, Path, Request, Response

from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router, location
from app.core.secrets import app_keys
from app.core.types import MAX_ID
from app.core.uow import SessionDep
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryPage,
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

router = api_router("webhooks")

Manager = Annotated[Actor, access("webhooks.manage", Role.admin, Role.lgo_planner)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
BASE = "/webhook-subscriptions"


async def _fernet(request: Request) -> MultiFernet:
    return (await app_keys(request.app)).fernet


def _networks(request: Request) -> str:
    return str(request.app.state.settings.webhook_allowed_networks)


Encryption = Annotated[MultiFernet, Depends(_fernet)]
Networks = Annotated[str, Depends(_networks)]


@router.post(
    BASE,
    response_model=SubscriptionCreated,
    status_code=201,
    responses=problem_responses(404),
    summary="Subscribe a URL to a local government's events (the secret is in this answer only)",
)
async def webhook_subscriptions_create(
    session: SessionDep,
    actor: Manager,
    body: SubscriptionCreate,
    response: Response,
    fernet: Encryption,
    networks: Networks,
) -> SubscriptionCreated:
    # No Idempotency-Key: a replay would have to keep the signing secret in plain text.
    """Subscribes a URL to a local government's events (every type, or those listed). Deliveries follow
    Standard Webhooks; the answer holds the signing secret (`whsec_…`), shown this once.
    """
    created, etag = await service.create(session, actor, body, fernet, networks)
    set_etag(response, etag)
    response.headers["Location"] = location(BASE, created.id)
    return created


@router.get(BASE, response_model=SubscriptionPage, summary="List webhook subscriptions")
async def webhook_subscriptions_list(session: SessionDep, actor: Manager, page: PageDep) -> SubscriptionPage:
    """Lists the webhook subscriptions of the local governments the caller manages."""
    return await service.list_page(session, actor, page)


@router.get(
    BASE + "/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(404),
    summary="Get a webhook subscription",
)
async def webhook_subscriptions_get(
    session: SessionDep, actor: Manager, subscription_id: Id, response: Response
) -> SubscriptionRead:
    """Returns one webhook subscription: its URL, event types, status (active, paused, or disabled and why)
    and since when its endpoint has been failing.
    """
    sub, etag = await service.get(session, actor, subscription_id)
    set_etag(response, etag)
    return sub


@router.patch(
    BASE + "/{subscription_id}",
    response_model=SubscriptionRead,
    responses=problem_responses(404, 412),
    summary="Change a subscription; pause it, or (re-)enable it with its backlog",
)
async def webhook_subscriptions_update(
    session: SessionDep,
    actor: Manager,
    subscription_id: Id,
    body: SubscriptionUpdate,
    response: Response,
    networks: Networks,
    if_match: IfMatch = None,
) -> SubscriptionRead:
    """Changes a subscription's URL, event types or description, pauses it, or makes it active again;
    re-enabling a disabled endpoint replays its backlog.
    """
    sub, etag = await service.update_subscription(session, actor, subscription_id, body, if_match, networks)
    set_etag(response, etag)
    return sub


@router.delete(
    BASE + "/{subscription_id}",
    status_code=204,
    responses=problem_responses(404, 412),
    summary="Delete a subscription",
)
async def webhook_subscriptions_delete(
    session: SessionDep, actor: Manager, subscription_id: Id, if_match: IfMatch = None
) -> Response:
    """Deletes a webhook subscription: nothing more is delivered to its URL."""
    await service.delete(session, actor, subscription_id, if_match)
    return Response(status_code=204)


@router.post(
    BASE + "/{subscription_id}/rotate-secret",
    response_model=SecretRotated,
    responses=problem_responses(404),
    summary="A new secret; the old one keeps signing for a grace period",
)
async def webhook_subscriptions_rotate_secret(
    session: SessionDep, actor: Manager, subscription_id: Id, body: RotateSecret, fernet: Encryption
) -> SecretRotated:
    """Issues a new signing secret. During the grace period every delivery is signed with both the new and the
    old secret, so the receiver can switch without rejecting a message.
    """
    return await service.rotate_secret(session, actor, subscription_id, body, fernet)


@router.post(
    BASE + "/{subscription_id}/test",
    response_model=Queued,
    status_code=202,
    responses=problem_responses(404),
    summary="Send a ping (webhook.test) to the endpoint",
)
async def webhook_subscriptions_test(session: SessionDep, actor: Manager, subscription_id: Id) -> Queued:
    """Queues a ping (`webhook.test`) to the subscription's endpoint, delivered, signed and logged like any
    event.
    """
    return await service.test(session, actor, subscription_id)


@router.get(
    BASE + "/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    responses=problem_responses(404),
    summary="Deliveries, newest first, each with every attempt",
)
async def webhook_subscriptions_deliveries(
    session: SessionDep, actor: Manager, subscription_id: Id, page: PageDep
) -> DeliveryPage:
    """Lists the subscription's deliveries, newest first, each with every attempt: when, the status code or
    error, how long it took and an excerpt of the answer.
    """
    return await service.deliveries(session, actor, subscription_id, page)


@router.post(
    BASE + "/{subscription_id}/deliveries/{delivery_id}/resend",
    response_model=Queued,
    status_code=202,
    dependencies=[IdempotencyDep],
    responses=problem_responses(404),
    summary="Send a delivery again",
)
async def webhook_subscriptions_resend(
    session: SessionDep, actor: Manager, subscription_id: Id, delivery_id: Id
) -> Queued:
    """Queues a delivery to be sent again as a new delivery of the same event, with the same `webhook-id` and
    body and fresh attempts.
    """
    return await service.resend(session, actor, subscription_id, delivery_id)


@router.post(
    BASE + "/{subscription_id}/replay",
    response_model=Queued,
    status_code=202,
    dependencies=[IdempotencyDep],
    responses=problem_responses(404),
    summary="Deliver again every event since a time",
)
async def webhook_subscriptions_replay(
    session: SessionDep, actor: Manager, subscription_id: Id, body: Replay
) -> Queued:
    """Queues again every matching event of the subscription's local government since a point in time, in
    order: for a receiver that lost what it had received.
    """
    return await service.replay(session, actor, subscription_id, body)
