"""Webhook subscriptions of local governments: create, manage, test, inspect and replay deliveries."""

from __future__ import annotations

from typing import Annotated

from cryptography.fernet import MultiFernet
from fastapi import Depends, Path, Request, Response

from app.auth.access import access
from app.auth.models import Role
from app.auth.service import Actor
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
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
    created, etag = await service.create(session, actor, body, fernet, networks)
    set_etag(response, etag)
    response.headers["Location"] = f"/api/v1{BASE}/{created.id}"
    return created


@router.get(BASE, response_model=SubscriptionPage, summary="List webhook subscriptions")
async def webhook_subscriptions_list(session: SessionDep, actor: Manager, page: PageDep) -> SubscriptionPage:
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
    return await service.rotate_secret(session, actor, subscription_id, body, fernet)


@router.post(
    BASE + "/{subscription_id}/test",
    response_model=Queued,
    status_code=202,
    responses=problem_responses(404),
    summary="Send a ping (webhook.test) to the endpoint",
)
async def webhook_subscriptions_test(session: SessionDep, actor: Manager, subscription_id: Id) -> Queued:
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
    return await service.replay(session, actor, subscription_id, body)
