"""Activities: under a plan, and across plans with filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from app.activities import service
from app.activities.schemas import ActivityCreate, ActivityPage, ActivityRead, ActivityUpdate
from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.responses import json_response
from app.core.routing import api_router, location
from app.core.types import MAX_ID, DistrictCode, ProvinceCode, SubdistrictCode, VillageCode, YearQuery
from app.core.uow import ReadsDep, SessionDep
from app.plans.vocabulary import ActivityKind, ActivityStatus, WorkingGroup

router = api_router("activities")

Reader = Annotated[Actor, access("activities.read")]
Editor = Annotated[
    Actor, access("activities.edit", Role.admin, Role.village_committee, Role.district_officer)
]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get(
    "/plans/{plan_id}/activities",
    response_model=ActivityPage,
    responses=problem_responses(404),
    summary="List a plan's activities",
)
async def plans_activities_list(reads: ReadsDep, actor: Reader, plan_id: Id, page: PageDep) -> Response:
    """Lists the activities (กิจกรรม/โครงการ) of one plan, each with its adoption by a local government
    (อปท.), if any.
    """
    return json_response(await service.list_for_plan(reads, actor, plan_id, page))


@router.post(
    "/plans/{plan_id}/activities",
    response_model=ActivityRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(404, 409),
    summary="Add an activity to a plan (draft or returned)",
)
async def plans_activities_create(
    session: SessionDep, actor: Editor, plan_id: Id, body: ActivityCreate, response: Response
) -> ActivityRead:
    """Adds an activity (กิจกรรม/โครงการ) to a plan in `draft` or `returned`: its working group, kind (ทำเอง,
    ทำร่วม or ขอรับการสนับสนุน), budget in THB as a decimal string, priority and fiscal year.
    """
    activity, etag = await service.create(session, actor, plan_id, body)
    set_etag(response, etag)
    response.headers["Location"] = location("activities", activity.id)
    return activity


@router.get("/activities", response_model=ActivityPage, summary="List activities across plans")
async def activities_list(
    reads: ReadsDep,
    actor: Reader,
    page: PageDep,
    plan_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    village_code: Annotated[VillageCode | None, Query()] = None,
    subdistrict_code: Annotated[SubdistrictCode | None, Query()] = None,
    district_code: Annotated[DistrictCode | None, Query()] = None,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
    working_group: Annotated[WorkingGroup | None, Query()] = None,
    kind: Annotated[ActivityKind | None, Query()] = None,
    status: Annotated[ActivityStatus | None, Query()] = None,
    fiscal_year: Annotated[YearQuery | None, Query()] = None,
    adopted: Annotated[bool | None, Query(description="Only adopted (true) or not adopted (false)")] = None,
) -> Response:
    """Lists activities across every plan the caller can see, filtered by plan, area, working group, kind,
    progress status, fiscal year (พ.ศ.) or whether a local government adopted them.
    """
    page_of_activities = await service.list_page(
        reads,
        actor,
        page,
        plan_id=plan_id,
        village_code=village_code,
        subdistrict_code=subdistrict_code,
        district_code=district_code,
        province_code=province_code,
        working_group=working_group.value if working_group else None,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        fiscal_year=fiscal_year,
        adopted=adopted,
    )
    return json_response(page_of_activities)


@router.get(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    responses=problem_responses(404),
    summary="Get an activity",
)
async def activities_get(
    session: SessionDep, actor: Reader, activity_id: Id, response: Response
) -> ActivityRead:
    """Returns one activity with its adoption record (or null) and its `ETag`."""
    activity, etag = await service.get(session, actor, activity_id)
    set_etag(response, etag)
    return activity


@router.patch(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    responses=problem_responses(404, 409, 412),
    summary="Update an activity (only its status once the plan has left draft)",
)
async def activities_update(
    session: SessionDep,
    actor: Editor,
    activity_id: Id,
    body: ActivityUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> ActivityRead:
    """Changes an activity. Once its plan has left `draft` and `returned`, only the progress `status` may
    still change (409 for anything else).
    """
    activity, etag = await service.update(session, actor, activity_id, body, if_match)
    set_etag(response, etag)
    return activity


@router.delete(
    "/activities/{activity_id}",
    status_code=204,
    responses=problem_responses(404, 409, 412),
    summary="Delete an activity (plan in draft or returned)",
)
async def activities_delete(
    session: SessionDep, actor: Editor, activity_id: Id, if_match: IfMatch = None
) -> Response:
    """Deletes an activity from a plan that is in `draft` or `returned`."""
    await service.delete(session, actor, activity_id, if_match)
    return Response(status_code=204)
