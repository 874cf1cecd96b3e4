"""Local governments (อปท.): create, read, list with filters, update, delete."""

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
from app.core.types import LocalGovernmentCode, ProvinceCode, SubdistrictCode
from app.core.uow import SessionDep
from app.local_governments import service
from app.local_governments.models import LocalGovernmentKind
from app.local_governments.schemas import (
    LocalGovernmentCreate,
    LocalGovernmentPage,
    LocalGovernmentRead,
    LocalGovernmentUpdate,
)

router = api_router("local-governments")

Reader = Annotated[Actor, access("local_governments.read")]
Manager = Annotated[Actor, access("local_governments.manage", Role.admin, Role.provincial_officer)]
Editor = Annotated[
    Actor, access("local_governments.update", Role.admin, Role.provincial_officer, Role.lgo_planner)
]
CodePath = Annotated[LocalGovernmentCode, Path(description="DLA 7-digit code")]


@router.get("/local-governments", response_model=LocalGovernmentPage, summary="List local governments")
async def local_governments_list(
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
    kind: Annotated[LocalGovernmentKind | None, Query()] = None,
    subdistrict_code: Annotated[
        SubdistrictCode | None, Query(description="Only those covering this subdistrict")
    ] = None,
) -> LocalGovernmentPage:
    """Lists the local governments (องค์กรปกครองส่วนท้องถิ่น, อปท.) the caller can see, filtered by province,
    kind or a subdistrict they cover.
    """
    return await service.list_page(
        session,
        actor,
        page,
        province_code=province_code,
        kind=kind.value if kind else None,
        subdistrict_code=subdistrict_code,
    )


@router.post(
    "/local-governments",
    response_model=LocalGovernmentRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(409),
    summary="Create a local government",
)
async def local_governments_create(
    session: SessionDep, actor: Manager, body: LocalGovernmentCreate, response: Response
) -> LocalGovernmentRead:
    """Registers a local government (อปท.) by its DLA 7-digit code, with its kind (อบจ., เทศบาล, อบต., …)
    stored as given and the subdistricts (ตำบล) it covers.
    """
    lgo, etag = await service.create(session, actor, body)
    set_etag(response, etag)
    response.headers["Location"] = location("local-governments", lgo.code)
    return lgo


@router.get(
    "/local-governments/{code}",
    response_model=LocalGovernmentRead,
    responses=problem_responses(404),
    summary="Get a local government",
)
async def local_governments_get(
    session: SessionDep, actor: Reader, code: CodePath, response: Response
) -> LocalGovernmentRead:
    """Returns one local government (อปท.) with the subdistricts it covers and its `ETag`."""
    lgo, etag = await service.get(session, actor, code)
    set_etag(response, etag)
    return lgo


@router.patch(
    "/local-governments/{code}",
    response_model=LocalGovernmentRead,
    responses=problem_responses(404, 409, 412),
    summary="Update a local government",
)
async def local_governments_update(
    session: SessionDep,
    actor: Editor,
    code: CodePath,
    body: LocalGovernmentUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> LocalGovernmentRead:
    """Changes a local government's names, kind or the subdistricts it covers; a subdistrict where its
    villages lie cannot be dropped (409).
    """
    lgo, etag = await service.update(session, actor, code, body, if_match)
    set_etag(response, etag)
    return lgo


@router.delete(
    "/local-governments/{code}",
    status_code=204,
    responses=problem_responses(404, 409, 412),
    summary="Delete a local government with no villages",
)
async def local_governments_delete(
    session: SessionDep, actor: Manager, code: CodePath, if_match: IfMatch = None
) -> Response:
    """Deletes a local government (อปท.); refused with 409 while villages still belong to it."""
    await service.delete(session, actor, code, if_match)
    return Response(status_code=204)
