"""District forums (เวทีประชาคมอำเภอ): record, read, list, update."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router, location
from app.core.types import MAX_ID, DistrictCode, ProvinceCode, YearQuery
from app.core.uow import SessionDep
from app.forums import service
from app.forums.schemas import ForumCreate, ForumPage, ForumRead, ForumUpdate

router = api_router("forums")

Reader = Annotated[Actor, access("forums.read")]
# The district runs its forums; the province and others follow them.
Manager = Annotated[Actor, access("forums.manage", Role.admin, Role.district_officer)]
ForumId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/forums", response_model=ForumPage, summary="List district forums, newest first")
async def forums_list(
    actor: Reader,
    session: SessionDep,
    page: PageDep,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
    district_code: Annotated[DistrictCode | None, Query()] = None,
    fiscal_year: Annotated[YearQuery | None, Query(description="Thai fiscal year (พ.ศ.) of the date")] = None,
    plan_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Forums that proposed this plan")
    ] = None,
) -> ForumPage:
    """Lists district forums (เวทีประชาคมอำเภอ), newest first, filtered by area, Thai fiscal year (พ.ศ.) or a
    plan they proposed.
    """
    return await service.list_page(
        session,
        actor,
        page,
        province_code=province_code,
        district_code=district_code,
        fiscal_year=fiscal_year,
        plan_id=plan_id,
    )


@router.post(
    "/forums",
    response_model=ForumRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(),
    summary="Record a district forum",
)
async def forums_create(
    actor: Manager, session: SessionDep, body: ForumCreate, response: Response
) -> ForumRead:
    """Records a district forum (เวทีประชาคมอำเภอ): its date, agenda, how many support-team members and
    village representatives took part, its outcomes and the plans it proposes for standard certification.
    """
    forum, etag = await service.create(session, actor, body)
    set_etag(response, etag)
    response.headers["Location"] = location("forums", forum.id)
    return forum


@router.get(
    "/forums/{forum_id}", response_model=ForumRead, responses=problem_responses(404), summary="Get a forum"
)
async def forums_get(actor: Reader, session: SessionDep, forum_id: ForumId, response: Response) -> ForumRead:
    """Returns one district forum with whether it met the participation target and links to the plans it
    proposed.
    """
    forum, etag = await service.get(session, actor, forum_id)
    set_etag(response, etag)
    return forum


@router.patch(
    "/forums/{forum_id}",
    response_model=ForumRead,
    responses=problem_responses(404, 409, 412),
    summary="Update a forum (plan_ids, when given, replaces the list)",
)
async def forums_update(
    actor: Manager,
    session: SessionDep,
    forum_id: ForumId,
    body: ForumUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> ForumRead:
    """Changes a district forum's details; `plan_ids`, when given, replaces its list of proposed plans."""
    forum, etag = await service.update(session, actor, forum_id, body, if_match)
    set_etag(response, etag)
    return forum
