"""What a subscriber receives: one OpenAPI 3.1 webhook per event type, each a POST of the Standard Webhooks
envelope `{type, timestamp, data}` with that type's `data`, and the three signature headers.

The envelopes are models, so generated clients type what they receive;
`tests/contract/test_openapi_contract.py` checks that the events the services really emit are exactly
these shapes.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Header, Response
from pydantic import BaseModel, Field, create_model

from app.activities.schemas import ActivityRead
from app.events import types
from app.plans.schemas import PlanRead
from app.plans.vocabulary import PlanStatus
from app.webhooks.service import PING
from app.workflow.table import Action

# An activity as its create example and its events show it (the create body is its writable part).
ACTIVITY_EXAMPLE: dict[str, Any] = {
    "title": "ปลูกผักสวนครัวปลอดสารพิษ",
    "description": "ครัวเรือนปลูกผักปลอดสารพิษไว้กินเองและขายส่วนที่เหลือในตลาดชุมชน",
    "working_group": "economy",
    "kind": "self_reliance",
    "budget": "15000.00",
    "funding_source": "กองทุนหมู่บ้าน",
    "priority": 1,
    "fiscal_year": 2569,
    "status": "completed",
}


class PlanTransitionSummary(BaseModel):
    """The workflow step that changed the plan's status."""

    action: Action = Field(description="The action taken")
    from_status: PlanStatus = Field(description="The plan's status before")
    to_status: PlanStatus = Field(description="The plan's status after")
    comment: str | None = Field(description="The comment given with the action, if any")
    actor_role: str = Field(description="The role of whoever took the action")


# A plan as the event tells it: the plan after the change (without `allowed_actions`, which belong to a
# caller), with the step that changed it. Built from PlanRead so the two cannot drift apart.
PlanEventData: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "PlanEventData",
    __doc__="The plan after the change (as `plans_get` answers it, without `allowed_actions`, which depend "
    "on the caller) and the workflow step that changed it.",
    **{
        name: (field.annotation, field)
        for name, field in PlanRead.model_fields.items()
        if name != "allowed_actions"
    },
    transition=(PlanTransitionSummary, Field(description="The workflow step that changed the plan")),
)


class SubscriptionDisabledData(BaseModel):
    """The subscription that was disabled, and why."""

    id: int = Field(description="The subscription's id")
    url: str = Field(description="The endpoint that kept failing")
    local_government_code: str = Field(description="The local government (อปท.) it belongs to")
    status: Literal["disabled"]
    disabled_reason: str = Field(description="Why: the endpoint answered 410 Gone, or failed for 5 days")
    failing_since: dt.datetime = Field(description="When its endpoint began to fail")


class WebhookTestData(BaseModel):
    """The subscription the ping was sent for."""

    subscription_id: int
    local_government_code: str = Field(description="The local government (อปท.) it belongs to")


def _envelope(event_type: str, name: str, data: type[BaseModel], doc: str) -> type[BaseModel]:
    literal: Any = Literal[event_type]  # a type made at run time: one literal per event type
    model: type[BaseModel] = create_model(
        name,
        __doc__=doc,
        type=(literal, Field(description="The event type")),
        timestamp=(dt.datetime, Field(description="When the event happened (UTC)")),
        data=(data, Field(description="What the event is about, after the change")),
    )
    return model


# event type -> (envelope model name, data model, summary, what it tells)
EVENTS: dict[str, tuple[str, type[BaseModel], str, str]] = {
    types.ACTIVITY_ADOPTED: (
        "ActivityAdoptedEvent",
        ActivityRead,
        "An activity was adopted into a local government's plan and budget",
        "A local government (อปท.) adopted an activity into its local development plan and budget "
        "(`activities_adopt`, the first time). `data` is the activity with its new `adoption`.",
    ),
    types.ACTIVITY_ADOPTION_UPDATED: (
        "ActivityAdoptionUpdatedEvent",
        ActivityRead,
        "An activity's adoption was changed",
        "A local government changed its adoption of an activity: fiscal year, budget or project number "
        "(`activities_adopt` again). `data` is the activity with the adoption as it is now.",
    ),
    types.ACTIVITY_ADOPTION_WITHDRAWN: (
        "ActivityAdoptionWithdrawnEvent",
        ActivityRead,
        "An activity's adoption was withdrawn",
        "A local government withdrew its adoption of an activity (`activities_withdraw_adoption`). `data` "
        "is the activity, whose `adoption` is now null.",
    ),
    types.PLAN_STATUS_CHANGED: (
        "PlanStatusChangedEvent",
        PlanEventData,
        "A plan took a step in the workflow",
        "A plan moved through the workflow (`plans_transition`): submitted, returned, approved, "
        "integrated, proposed for certification, certified or refused. `data` is the plan after the step, "
        "with the step in `transition`.",
    ),
    types.PLAN_CERTIFIED: (
        "PlanCertifiedEvent",
        PlanEventData,
        "A plan's standard was certified",
        "The province certified a plan's standard (sent together with its `plan.status_changed`). `data` "
        "is the certified plan, with the step in `transition`.",
    ),
    types.SUBSCRIPTION_DISABLED: (
        "WebhookSubscriptionDisabledEvent",
        SubscriptionDisabledData,
        "A subscription was disabled after its endpoint kept failing",
        "A subscription of the local government was disabled because its endpoint answered 410 Gone or "
        "kept failing for 5 days; nothing more is delivered to it until it is made active again "
        "(`webhook_subscriptions_update`), which replays its backlog. Sent to its other subscriptions and "
        "kept in the event feed.",
    ),
    PING: (
        "WebhookTestEvent",
        WebhookTestData,
        "A ping to test the endpoint",
        "A ping asked for with `webhook_subscriptions_test`, to check that the endpoint receives and "
        "verifies deliveries. It is not an event of the feed.",
    ),
}

ENVELOPES: dict[str, type[BaseModel]] = {
    event_type: _envelope(
        event_type,
        name,
        data,
        f"What a `{event_type}` delivery carries (the Standard Webhooks envelope): {doc}",
    )
    for event_type, (name, data, _, doc) in EVENTS.items()
}

WebhookId = Annotated[
    str,
    Header(
        alias="webhook-id",
        description="The event's id (`evt_…`; `msg_…` for a ping): the same on every retry and resend, and "
        "the `id` of the event in the feed. Use it to drop a delivery you already processed.",
        examples=["evt_5b0c7f6e2a9d4c1b8e3f0a7d6c5b4a39"],
    ),
]
WebhookTimestamp = Annotated[
    str,
    Header(
        alias="webhook-timestamp",
        pattern=r"^[0-9]+$",
        description="When this attempt was signed, in seconds since the Unix epoch. Refuse deliveries "
        "whose timestamp is more than a few minutes away from your clock (replay attacks).",
        examples=["1764556800"],
    ),
]
WebhookSignature = Annotated[
    str,
    Header(
        alias="webhook-signature",
        description="Space-separated signatures `v1,<base64 HMAC-SHA256>` of "
        "`{webhook-id}.{webhook-timestamp}.{body}`, keyed with the subscription's secret (the part after "
        "`whsec_`, base64-decoded). During a secret rotation's grace period there are two, one per secret: "
        "accept the delivery if any matches. The `standardwebhooks` libraries verify it for you.",
        examples=["v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="],
    ),
]

# What each delivery looks like: the story of `app.contract.examples`, told by its events.
_AT = "2026-11-24T03:12:45.120000Z"
_ADOPTION = {
    "local_government_code": "6840101",
    "fiscal_year": 2570,
    "budget": "15000.00",
    "lgo_project_ref": "2570/015",
    "adopted_by": "key:7",
    "adopted_at": _AT,
    "updated_at": _AT,
}
_ACTIVITY = {
    "id": 1042,
    "plan_id": 311,
    "village_code": "84010101",
    "district_code": "8401",
    "province_code": "84",
    **ACTIVITY_EXAMPLE,
    "adoption": _ADOPTION,
    "upload_id": None,
    "created_at": "2026-06-02T02:30:00Z",
    "updated_at": "2026-06-02T02:30:00Z",
}
_PLAN = {
    "id": 311,
    "village_code": "84010101",
    "subdistrict_code": "840101",
    "district_code": "8401",
    "province_code": "84",
    "year": 2569,
    "revision": 1,
    "title": "แผนชุมชนบ้านดอนเกลี้ยง ปี 2569",
    "status": "district_approved",
    "households_total": 120,
    "households_contributing_data": 100,
    "participating_households": 95,
    "lgo_participated_from_start": True,
    "sufficiency_economy_process": True,
    "book": {"href": "/api/v1/plans/311/book", "produced_at": "2026-06-20T04:00:00Z", "file_ref": None},
    "previous_plan_id": None,
    "upload_id": None,
    "created_at": "2026-06-01T02:00:00Z",
    "updated_at": _AT,
    "transition": {
        "action": "approve",
        "from_status": "submitted",
        "to_status": "district_approved",
        "comment": None,
        "actor_role": "district_officer",
    },
}
_CERTIFIED = {
    **_PLAN,
    "status": "certified",
    "transition": {
        "action": "certify",
        "from_status": "certification_requested",
        "to_status": "certified",
        "comment": "ผ่านการรับรองมาตรฐานระดับดี",
        "actor_role": "provincial_officer",
    },
}
DATA_EXAMPLES: dict[str, dict[str, Any]] = {
    types.ACTIVITY_ADOPTED: _ACTIVITY,
    types.ACTIVITY_ADOPTION_UPDATED: {**_ACTIVITY, "adoption": {**_ADOPTION, "budget": "12000.00"}},
    types.ACTIVITY_ADOPTION_WITHDRAWN: {**_ACTIVITY, "adoption": None},
    types.PLAN_STATUS_CHANGED: _PLAN,
    types.PLAN_CERTIFIED: _CERTIFIED,
    types.SUBSCRIPTION_DISABLED: {
        "id": 12,
        "url": "https://plan.example-lgo.go.th/hooks/cplan",
        "local_government_code": "6840101",
        "status": "disabled",
        "disabled_reason": "the endpoint has failed for 5 days",
        "failing_since": "2026-11-19T03:12:45.120000Z",
    },
    PING: {"subscription_id": 12, "local_government_code": "6840101"},
}


def example(event_type: str) -> dict[str, Any]:
    """A delivery's body, as the service writes it (the data as its schema serialises it, the envelope's
    timestamp in Python's ISO format)."""
    return {
        "type": event_type,
        "timestamp": "2026-11-24T03:12:45.120000+00:00",
        "data": DATA_EXAMPLES[event_type],
    }


def request_examples() -> dict[str, dict[str, Any]]:
    """operationId -> the examples of its request body. Added to the finished document (FastAPI drops the
    nulls of examples it is given, and a delivery has some)."""
    return {
        operation_id(event_type): {"delivery": {"summary": "A delivery", "value": example(event_type)}}
        for event_type in ENVELOPES
    }


RECEIVER_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Received. Any 2xx status acknowledges the delivery; the body is ignored."},
    410: {"description": "Gone: the subscription is disabled at once and nothing more is sent to it."},
    "default": {
        "description": "Any other answer, or none within the timeout, is retried with back-off (about 5 s, "
        "5 min, 30 min, 2 h, 5 h, 10 h, 10 h, with jitter, honouring `Retry-After`); an endpoint that "
        "fails for 5 days is disabled. Redirects are not followed."
    },
}

RECEIVING = (
    "POSTed as JSON to the subscription's URL. Verify `webhook-signature` before trusting the body, answer "
    "2xx quickly and do the work afterwards; a delivery may come more than once (`webhook-id` tells)."
)
FANOUT = (
    "Every subscription of the local government (อปท.) that wants this type gets its own delivery; the "
    "event feed (`events_list`) has the same events in order, for a receiver that was down."
)

router = APIRouter(tags=["webhooks"])


def _receiver(event_type: str, envelope: type[BaseModel]) -> Callable[..., Any]:
    async def receive(**_: Any) -> None:
        return None

    parameter = inspect.Parameter.KEYWORD_ONLY
    receive.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("body", parameter, annotation=envelope),
            inspect.Parameter("webhook_id", parameter, annotation=WebhookId),
            inspect.Parameter("webhook_timestamp", parameter, annotation=WebhookTimestamp),
            inspect.Parameter("webhook_signature", parameter, annotation=WebhookSignature),
        ],
        return_annotation=None,
    )
    receive.__name__ = "webhooks_" + event_type.replace(".", "_")
    return receive


def operation_id(event_type: str) -> str:
    return "webhooks_" + event_type.replace(".", "_")


for _event_type, _envelope_model in ENVELOPES.items():
    router.add_api_route(
        _event_type,
        _receiver(_event_type, _envelope_model),
        methods=["POST"],
        operation_id=operation_id(_event_type),
        summary=EVENTS[_event_type][2],
        description=f"{EVENTS[_event_type][3]}\n\n{RECEIVING}"
        + ("" if _event_type == PING else f"\n\n{FANOUT}"),
        responses=RECEIVER_ANSWERS,
        status_code=200,
        response_class=Response,
    )


def install(app: FastAPI) -> None:
    """Document the deliveries in the app's `webhooks` (FastAPI's router for them: nothing is served)."""
    app.webhooks.include_router(router)
