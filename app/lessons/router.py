"""Lessons learned (ถอดบทเรียน): record, read, search, update."""

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
from app.core.types import MAX_ID, DistrictCode, ProvinceCode
from app.core.uow import SessionDep
from app.lessons import service
from app.lessons.schemas import LessonCreate, LessonPage, LessonRead, LessonUpdate, ScopeLevel

router = api_router("lessons")

Reader = Annotated[Actor, access("lessons.read")]
Writer = Annotated[
    Actor,
    access(
        "lessons.write", Role.admin, Role.provincial_officer, Role.district_officer, Role.village_committee
    ),
]
LessonId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/lessons", response_model=LessonPage, summary="List and search lessons learned, newest first")
async def lessons_list(
    actor: Reader,
    session: SessionDep,
    page: PageDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Words that must all occur in the title, body or tags (Thai or any case of Latin)",
        ),
    ] = None,
    scope_level: Annotated[ScopeLevel | None, Query()] = None,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
    district_code: Annotated[DistrictCode | None, Query()] = None,
) -> LessonPage:
    """Lists and searches lessons learned (ถอดบทเรียน), newest first: every word of `q` must occur in the
    title, the text or the tags.
    """
    return await service.list_page(
        session,
        actor,
        page,
        q,
        scope_level=scope_level.value if scope_level else None,
        province_code=province_code,
        district_code=district_code,
    )


@router.post(
    "/lessons",
    response_model=LessonRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(),
    summary="Record a lesson learned at a village, tambon, district or province",
)
async def lessons_create(
    actor: Writer, session: SessionDep, body: LessonCreate, response: Response
) -> LessonRead:
    """Records a lesson learned (ถอดบทเรียน) at a village, subdistrict (ตำบล), district or province, with
    keywords to find it by.
    """
    lesson, etag = await service.create(session, actor, body)
    set_etag(response, etag)
    response.headers["Location"] = location("lessons", lesson.id)
    return lesson


@router.get(
    "/lessons/{lesson_id}",
    response_model=LessonRead,
    responses=problem_responses(404),
    summary="Get a lesson",
)
async def lessons_get(
    actor: Reader, session: SessionDep, lesson_id: LessonId, response: Response
) -> LessonRead:
    """Returns one lesson learned (ถอดบทเรียน) with its scope, the areas it belongs to and its tags."""
    lesson, etag = await service.get(session, actor, lesson_id)
    set_etag(response, etag)
    return lesson


@router.patch(
    "/lessons/{lesson_id}",
    response_model=LessonRead,
    responses=problem_responses(404, 409, 412),
    summary="Update a lesson",
)
async def lessons_update(
    actor: Writer,
    session: SessionDep,
    lesson_id: LessonId,
    body: LessonUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> LessonRead:
    """Changes a lesson learned: its title, text, scope or tags (the tags given replace the old ones)."""
    lesson, etag = await service.update(session, actor, lesson_id, body, if_match)
    set_etag(response, etag)
    return lesson
