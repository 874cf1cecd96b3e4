"""Progress against the seed's targets: `/api/v1/reports/progress` as JSON or CSV, and `/reports/progress`,
the same figures as a printable Thai page for people.

The page sits outside `/api/v1` and the OpenAPI document, but is guarded exactly like the API: it needs
`Authorization: Bearer <API key or user token>` (no key in the URL, where it would end up in logs and
browser history), the same access rule and the same scope. A browser reaches it through whatever adds that
header for it (an intranet sign-on gateway, the web client); it answers problem+json when refused.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.db import utcnow
from app.core.errors import problem_responses
from app.core.routing import api_router
from app.core.types import DistrictCode, ProvinceCode, YearQuery
from app.core.uow import SessionDep, TransactionalRoute
from app.reports import export, page, service
from app.reports.schemas import ProgressReport

router = api_router("reports")
# Authenticated by its access rule, like every API route.
page_router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

Reader = Annotated[Actor, access("reports.read", Role.admin, Role.provincial_officer, Role.district_officer)]
ProvinceQuery = Annotated[
    ProvinceCode | None, Query(description="A province's report, broken down by district")
]
DistrictQuery = Annotated[
    DistrictCode | None, Query(description="A district's report, broken down by subdistrict")
]
Year = Annotated[
    YearQuery | None,
    Query(description="Plan year (พ.ศ.); forums count by the Thai fiscal year. Default: this year"),
]


@router.get(
    "/reports/progress",
    response_model=ProgressReport,
    responses={
        200: {
            "description": "The report; CSV (UTF-8 with BOM) with `Accept: text/csv`",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problem_responses(),
    },
    summary="Progress against the seed's targets for an area and year, and for each area one level below",
)
async def reports_progress(
    actor: Reader,
    session: SessionDep,
    request: Request,
    response: Response,
    province_code: ProvinceQuery = None,
    district_code: DistrictQuery = None,
    year: Year = None,
) -> ProgressReport | Response:
    """Progress against the seed's targets for the country, a province or a district in a plan year (พ.ศ.):
    plans reviewed, assessed, grade A and certified; self-reliance, completed and adopted activities; the
    adopted budget; district forums held. The figures are given for the area and for each area one level
    below, as JSON or, with `Accept: text/csv`, as CSV.
    """
    report = await service.progress(session, actor, province_code, district_code, year)
    if "text/csv" in request.headers.get("accept", ""):
        name = f"progress-{report.area.code or 'TH'}-{report.year}.csv"
        return Response(
            export.to_csv(report).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Vary": "Accept"},
        )
    response.headers["Vary"] = "Accept"
    return report


@page_router.get("/reports/progress", response_class=HTMLResponse)
async def reports_progress_page(
    actor: Reader,
    session: SessionDep,
    province_code: ProvinceQuery = None,
    district_code: DistrictQuery = None,
    year: Year = None,
) -> HTMLResponse:
    report = await service.progress(session, actor, province_code, district_code, year)
    html = await run_in_threadpool(page.render, report, utcnow())
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": page.CONTENT_SECURITY_POLICY,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
