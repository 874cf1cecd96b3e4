"""Plans: create, read, list with filters, update while editable, delete while draft; revisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.auth.access import access
from app.book import service as book
from app.book.html import CONTENT_SECURITY_POLICY as BOOK_CSP
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router, location
from app.core.types import MAX_ID, DistrictCode, ProvinceCode, SubdistrictCode, VillageCode, YearQuery
from app.core.uow import SessionDep, writes_on_read
from app.plans import service
from app.plans.schemas import PlanCreate, PlanPage, PlanRead, PlanUpdate, RevisionCreate
from app.plans.vocabulary import PlanStatus

router = api_router("plans")

Reader = Annotated[Actor, access("plans.read")]
Editor = Annotated[Actor, access("plans.edit", Role.admin, Role.village_committee, Role.district_officer)]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/plans", response_model=PlanPage, summary="List plans")
async def plans_list(
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    village_code: Annotated[VillageCode | None, Query()] = None,
    subdistrict_code: Annotated[SubdistrictCode | None, Query()] = None,
    district_code: Annotated[DistrictCode | None, Query()] = None,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
    year: Annotated[YearQuery | None, Query()] = None,
    status: Annotated[PlanStatus | None, Query()] = None,
) -> PlanPage:
    """Lists the community plans (แผนชุมชน) the caller can see, filtered by village, area, plan year (พ.ศ.) or
    workflow status; each carries the workflow actions the caller may take now.
    """
    return await service.list_page(
        session,
        actor,
        page,
        village_code=village_code,
        subdistrict_code=subdistrict_code,
        district_code=district_code,
        province_code=province_code,
        year=year,
        status=status.value if status else None,
    )


@router.post(
    "/plans",
    response_model=PlanRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(409),
    summary="Create a village's plan for a year",
)
async def plans_create(session: SessionDep, actor: Editor, body: PlanCreate, response: Response) -> PlanRead:
    """Starts a village's community plan (แผนชุมชน) for a plan year (พ.ศ.) in `draft`; the household total is
    copied from the village unless given. A village has one plan a year: review an existing one with
    `plans_revise` instead.
    """
    plan, etag = await service.create(session, actor, body)
    set_etag(response, etag)
    response.headers["Location"] = location("plans", plan.id)
    return plan


@router.get(
    "/plans/{plan_id}", response_model=PlanRead, responses=problem_responses(404), summary="Get a plan"
)
async def plans_get(session: SessionDep, actor: Reader, plan_id: PlanId, response: Response) -> PlanRead:
    """Returns one plan with its workflow status, the actions the caller may take now (`allowed_actions`) and
    its `ETag`.
    """
    plan, etag = await service.get(session, actor, plan_id)
    set_etag(response, etag)
    return plan


@router.patch(
    "/plans/{plan_id}",
    response_model=PlanRead,
    responses=problem_responses(404, 409, 412),
    summary="Update a plan (draft or returned only)",
)
async def plans_update(
    session: SessionDep,
    actor: Editor,
    plan_id: PlanId,
    body: PlanUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> PlanRead:
    """Changes a plan's title, household figures, participation flags or book reference while it is `draft` or
    `returned` (409 in any other state).
    """
    plan, etag = await service.update(session, actor, plan_id, body, if_match)
    set_etag(response, etag)
    return plan


@router.delete(
    "/plans/{plan_id}",
    status_code=204,
    responses=problem_responses(404, 409, 412),
    summary="Delete a draft plan",
)
async def plans_delete(
    session: SessionDep, actor: Editor, plan_id: PlanId, if_match: IfMatch = None
) -> Response:
    """Deletes a plan that is still a `draft` (409 once it has been submitted)."""
    await service.delete(session, actor, plan_id, if_match)
    return Response(status_code=204)


@router.post(
    "/plans/{plan_id}/revisions",
    response_model=PlanRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(404, 409),
    summary="Review the plan: a new revision of this year, or next year's plan, with its activities copied",
)
async def plans_revise(
    session: SessionDep, actor: Editor, plan_id: PlanId, body: RevisionCreate, response: Response
) -> PlanRead:
    """The yearly review (ทบทวนและปรับปรุง): makes a new revision of this year's plan, or next year's plan,
    from the newest revision of the year, copying its activities. The new plan starts in `draft`.
    """
    plan, etag = await service.revise(session, actor, plan_id, body)
    set_etag(response, etag)
    response.headers["Location"] = location("plans", plan.id)
    return plan


@router.get(
    "/plans/{plan_id}/book",
    response_class=HTMLResponse,
    responses={
        200: {
            "description": "The plan book (รูปเล่มแผนชุมชน): HTML, or PDF with `Accept: application/pdf`",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(404),
    },
    summary="The written plan (รูปเล่ม): village profile, committee, activities, budget, assessments",
)
@writes_on_read
async def plans_book(session: SessionDep, actor: Reader, plan_id: PlanId, request: Request) -> Response:
    """Renders the written plan book (รูปเล่มแผนชุมชน) from the plan's data (village profile, committee, data
    coverage, activities by working group and kind, budget totals, assessments) as HTML, or as PDF with
    `Accept: application/pdf`. Rendering it records that the book exists.
    """
    wants_pdf = "application/pdf" in request.headers.get("accept", "")
    output = await book.render(session, actor, plan_id, wants_pdf)
    # As the progress page: not kept by caches, not sniffed; one URL for both formats, so Vary: Accept.
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff", "Vary": "Accept"}
    if isinstance(output, bytes):
        return Response(
            output,
            media_type="application/pdf",
            headers={**headers, "Content-Disposition": f'inline; filename="plan-{plan_id}.pdf"'},
        )
    return HTMLResponse(output, headers={**headers, "Content-Security-Policy": BOOK_CSP})
