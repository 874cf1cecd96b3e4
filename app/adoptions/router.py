"""Adoption of activities into local-government budgets, and the pull endpoint for planning systems."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from app.activities.schemas import ActivityPage, ActivityRead
from app.adoptions import service
from app.adoptions.schemas import AdoptionPut
from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.responses import json_response
from app.core.routing import api_router
from app.core.types import MAX_ID, Instant, LocalGovernmentCode, YearQuery
from app.core.uow import ReadsDep, SessionDep

router = api_router("adoption")

Adopter = Annotated[Actor, access("adoption.write", Role.admin, Role.lgo_planner)]
Reader = Annotated[Actor, access("adoption.read")]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.put(
    "/activities/{activity_id}/adoption",
    response_model=ActivityRead,
    dependencies=[IdempotencyDep],
    responses={**problem_responses(404, 409, 412), 201: {"description": "Adopted", "model": ActivityRead}},
    summary="Adopt the activity into the local government's plan and budget, or change the adoption",
)
async def activities_adopt(
    session: SessionDep,
    actor: Adopter,
    activity_id: Id,
    body: AdoptionPut,
    response: Response,
    if_match: IfMatch = None,
) -> ActivityRead:
    """Records that the village's local government (อปท.) took the activity into its local development plan
    and budget (งบประมาณ) for a fiscal year, or changes that record; allowed once the district has approved
    the plan. Answers 201 the first time and 200 afterwards, and emits `activity.adopted` or
    `activity.adoption_updated`.
    """
    activity, etag, created = await service.put(session, actor, activity_id, body, if_match)
    set_etag(response, etag)
    if created:
        response.status_code = 201
    return activity


@router.delete(
    "/activities/{activity_id}/adoption",
    status_code=204,
    responses=problem_responses(404, 412),
    summary="Withdraw the adoption",
)
async def activities_withdraw_adoption(
    session: SessionDep, actor: Adopter, activity_id: Id, if_match: IfMatch = None
) -> Response:
    """Withdraws the local government's adoption of the activity and emits `activity.adoption_withdrawn`."""
    await service.withdraw(session, actor, activity_id, if_match)
    return Response(status_code=204)


@router.get(
    "/local-governments/{code}/adopted-activities",
    response_model=ActivityPage,
    responses=problem_responses(404),
    summary="A local government's adopted activities, in order of last change (for polling)",
)
async def local_governments_adopted_activities(
    reads: ReadsDep,
    actor: Reader,
    code: Annotated[LocalGovernmentCode, Path()],
    page: PageDep,
    fiscal_year: Annotated[YearQuery | None, Query()] = None,
    updated_after: Annotated[
        Instant | None,
        Query(description="Only adoptions changed after this time (UTC when no offset is given)"),
    ] = None,
) -> Response:
    """Lists the activities a local government (อปท.) has adopted, in the order of their last change, for a
    planning system to poll with the cursor or `updated_after`; filter by fiscal year (พ.ศ.).
    """
    return json_response(
        await service.adopted_activities(reads, actor, code, page, fiscal_year, updated_after)
    )
