"""Assessments of plans and the rubrics they are scored against."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from app.assessments import service
from app.assessments.schemas import AssessmentCreate, AssessmentPage, AssessmentRead, RubricList
from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router, location
from app.core.types import MAX_ID
from app.core.uow import SessionDep

router = api_router("assessments")

Reader = Annotated[Actor, access("assessments.read")]
Assessor = Annotated[
    Actor,
    access(
        "assessments.create",
        Role.admin,
        Role.village_committee,
        Role.district_officer,
        Role.provincial_officer,
    ),
]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post(
    "/plans/{plan_id}/assessments",
    response_model=AssessmentRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(404),
    summary="Assess a plan: quality (from its data) or standard (from scores)",
)
async def plans_assessments_create(
    session: SessionDep, actor: Assessor, plan_id: Id, body: AssessmentCreate, response: Response
) -> AssessmentRead:
    """Assesses a plan against the current rubric: `quality` is computed entirely from the plan's data (grade
    A, B or C); `standard` from the assessors' scores for each indicator (level excellent, good or not
    certified). The newest assessment of each kind is the one the workflow counts.
    """
    assessment = await service.assess(session, actor, plan_id, body)
    response.headers["Location"] = location("assessments", assessment.id)
    return assessment


@router.get(
    "/plans/{plan_id}/assessments",
    response_model=AssessmentPage,
    responses=problem_responses(404),
    summary="A plan's assessments, newest first",
)
async def plans_assessments_list(
    session: SessionDep, actor: Reader, plan_id: Id, page: PageDep
) -> AssessmentPage:
    """Lists a plan's assessments, newest first, each with every indicator's value, threshold or maximum, and
    whether it passed.
    """
    return await service.list_for_plan(session, actor, plan_id, page)


@router.get(
    "/assessments/{assessment_id}",
    response_model=AssessmentRead,
    responses=problem_responses(404),
    summary="Get an assessment",
)
async def assessments_get(session: SessionDep, actor: Reader, assessment_id: Id) -> AssessmentRead:
    """Returns one assessment with its indicators, the rubric version it was scored against and its grade or
    level.
    """
    return await service.get(session, actor, assessment_id)


@router.get("/rubrics", response_model=RubricList, summary="The rubrics assessments are scored against")
async def rubrics_list(actor: Reader) -> RubricList:
    """Lists the rubrics assessments are scored against (indicators, thresholds or items, points and levels),
    stored as versioned data.
    """
    return service.list_rubrics()
