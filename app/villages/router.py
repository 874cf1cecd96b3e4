"""Villages: create, read, list with filters, update, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from app.auth.access import access
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.responses import json_response
from app.core.routing import api_router, location
from app.core.types import DistrictCode, LocalGovernmentCode, ProvinceCode, SubdistrictCode, VillageCode
from app.core.uow import ReadsDep, SessionDep
from app.villages import service
from app.villages.schemas import VillageCreate, VillagePage, VillageRead, VillageUpdate

router = api_router("villages")

Reader = Annotated[Actor, access("villages.read")]
Manager = Annotated[
    Actor, access("villages.manage", Role.admin, Role.provincial_officer, Role.district_officer)
]
Editor = Annotated[
    Actor,
    access(
        "villages.update", Role.admin, Role.provincial_officer, Role.district_officer, Role.village_committee
    ),
]

CodePath = Annotated[VillageCode, Path(description="DOPA 8-digit village code")]


@router.get("/villages", response_model=VillagePage, summary="List villages")
async def villages_list(
    reads: ReadsDep,
    actor: Reader,
    page: PageDep,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
    district_code: Annotated[DistrictCode | None, Query()] = None,
    subdistrict_code: Annotated[SubdistrictCode | None, Query()] = None,
    local_government_code: Annotated[LocalGovernmentCode | None, Query()] = None,
) -> Response:
    """Lists the villages (หมู่บ้าน) the caller can see, by code, filtered by province, district, subdistrict
    or local government (อปท.). This is the list planning systems poll.
    """
    villages = await service.list_page(
        reads,
        actor,
        page,
        province_code=province_code,
        district_code=district_code,
        subdistrict_code=subdistrict_code,
        local_government_code=local_government_code,
    )
    return json_response(villages)


@router.post(
    "/villages",
    response_model=VillageRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(409),
    summary="Create a village",
)
async def villages_create(
    session: SessionDep, actor: Manager, body: VillageCreate, response: Response
) -> VillageRead:
    """Registers a village by its DOPA 8-digit code: its subdistrict, district and province come from the code
    and its หมู่ที่ (moo) from the last two digits; the code's subdistrict must exist.
    """
    village, etag = await service.create(session, actor, body)
    set_etag(response, etag)
    response.headers["Location"] = location("villages", village.code)
    return village


@router.get(
    "/villages/{code}", response_model=VillageRead, responses=problem_responses(404), summary="Get a village"
)
async def villages_get(reads: ReadsDep, actor: Reader, code: CodePath) -> Response:
    """Returns one village by its DOPA code, with the `ETag` to send as `If-Match` when changing it."""
    village, etag = await service.get(reads, actor, code)
    return json_response(village, {"ETag": etag})


@router.patch(
    "/villages/{code}",
    response_model=VillageRead,
    responses=problem_responses(404, 409, 412),
    summary="Update a village",
)
async def villages_update(
    session: SessionDep,
    actor: Editor,
    code: CodePath,
    body: VillageUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> VillageRead:
    """Changes a village's names, household and population counts or its local government (อปท.). Send the
    `ETag` you read as `If-Match` so that a concurrent change is never overwritten.
    """
    village, etag = await service.update(session, actor, code, body, if_match)
    set_etag(response, etag)
    return village


@router.delete(
    "/villages/{code}",
    status_code=204,
    responses=problem_responses(404, 409, 412),
    summary="Delete a village",
)
async def villages_delete(
    session: SessionDep, actor: Manager, code: CodePath, if_match: IfMatch = None
) -> Response:
    """Deletes a village; refused with 409 while a plan still belongs to it."""
    await service.delete(session, actor, code, if_match)
    return Response(status_code=204)
