"""The plan workflow: take an action, read the history."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from app.auth.access import access
from app.core.actor import Actor
from app.core.errors import problem_responses
from app.core.etag import IfMatch
from app.core.pagination import PageDep
from app.core.responses import json_response
from app.core.routing import api_router
from app.core.types import MAX_ID
from app.core.uow import SessionDep
from app.plans.schemas import PlanRead
from app.workflow import service
from app.workflow.schemas import TransitionCreate, TransitionPage

router = api_router("workflow")

# Every role may ask; the workflow table decides which role each action needs.
Caller = Annotated[Actor, access("plans.transition")]
Reader = Annotated[Actor, access("plans.history")]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post(
    "/plans/{plan_id}/transitions",
    response_model=PlanRead,
    responses=problem_responses(404, 409, 412),
    summary="Move a plan through the workflow (submit, return, approve, integrate, …)",
)
async def plans_transition(
    session: SessionDep,
    actor: Caller,
    plan_id: PlanId,
    body: TransitionCreate,
    if_match: IfMatch = None,
) -> Response:
    """Takes one workflow action on the plan. The caller's role and scope, the plan's state and the action's
    guard are checked; then the plan moves, the step is recorded in its history and `plan.status_changed`
    (and, on certify, `plan.certified`) is emitted, all in one transaction. A refused action changes
    nothing.
    """
    plan, etag = await service.transition(session, actor, plan_id, body, if_match)
    return json_response(plan, {"ETag": etag})


@router.get(
    "/plans/{plan_id}/history",
    response_model=TransitionPage,
    responses=problem_responses(404),
    summary="Every transition of the plan: who, when, from, to, why",
)
async def plans_history(session: SessionDep, actor: Reader, plan_id: PlanId, page: PageDep) -> TransitionPage:
    """The plan's audit trail: every workflow step with who took it (principal, name and role), when, from
    which status to which, and the comment.
    """
    return await service.history(session, actor, plan_id, page)
