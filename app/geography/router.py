"""Read-only geography: provinces, districts, subdistricts (DOPA codes, from `geothai`)."""

from __future__ import annotations

from typing import Annotated

import geothai
from fastapi import Path, Query, Response

from app.auth.access import access
from app.core.errors import problem_responses
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.types import DistrictCode, ProvinceCode, SubdistrictCode
from app.core.uow import SessionDep
from app.geography import service
from app.geography.models import District, Province, Subdistrict
from app.geography.schemas import (
    DistrictPage,
    DistrictRead,
    ProvincePage,
    ProvinceRead,
    SubdistrictPage,
    SubdistrictRead,
)

router = api_router("geography")
READ = [access("geography.read")]

DATA_VERSION_HEADER = "Geography-Data-Version"


def _headers(response: Response) -> None:
    response.headers[DATA_VERSION_HEADER] = geothai.DATA_VERSION
    response.headers["Cache-Control"] = "private, max-age=3600"


@router.get(dependencies=READ, path="/provinces", response_model=ProvincePage, summary="List provinces")
async def provinces_list(session: SessionDep, page: PageDep, response: Response) -> ProvincePage:
    """Lists the provinces (จังหวัด) with their 2-digit DOPA codes and Thai and English names."""
    _headers(response)
    return await service.list_areas(session, Province, page, ProvincePage)


@router.get(
    dependencies=READ,
    path="/provinces/{code}",
    response_model=ProvinceRead,
    responses=problem_responses(404),
    summary="Get a province",
)
async def provinces_get(
    session: SessionDep, code: Annotated[ProvinceCode, Path()], response: Response
) -> ProvinceRead:
    """Returns one province (จังหวัด) by its 2-digit DOPA code, with its Thai and English names."""
    _headers(response)
    return await service.get_area(session, Province, code, ProvinceRead)


@router.get(
    dependencies=READ, path="/districts", response_model=DistrictPage, summary="List districts (อำเภอ)"
)
async def districts_list(
    session: SessionDep,
    page: PageDep,
    response: Response,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
) -> DistrictPage:
    """Lists districts (อำเภอ) with their 4-digit DOPA codes, optionally only those of one province."""
    _headers(response)
    return await service.list_areas(session, District, page, DistrictPage, province_code=province_code)


@router.get(
    dependencies=READ,
    path="/districts/{code}",
    response_model=DistrictRead,
    responses=problem_responses(404),
    summary="Get a district",
)
async def districts_get(
    session: SessionDep, code: Annotated[DistrictCode, Path()], response: Response
) -> DistrictRead:
    """Returns one district (อำเภอ) by its 4-digit DOPA code, with its Thai and English names."""
    _headers(response)
    return await service.get_area(session, District, code, DistrictRead)


@router.get(
    dependencies=READ,
    path="/subdistricts",
    response_model=SubdistrictPage,
    summary="List subdistricts (ตำบล)",
)
async def subdistricts_list(
    session: SessionDep,
    page: PageDep,
    response: Response,
    district_code: Annotated[DistrictCode | None, Query()] = None,
    province_code: Annotated[ProvinceCode | None, Query()] = None,
) -> SubdistrictPage:
    """Lists subdistricts (ตำบล) with their 6-digit DOPA codes, optionally only those of one district or
    province.
    """
    _headers(response)
    return await service.list_areas(
        session,
        Subdistrict,
        page,
        SubdistrictPage,
        district_code=district_code,
        province_code=province_code,
    )


@router.get(
    dependencies=READ,
    path="/subdistricts/{code}",
    response_model=SubdistrictRead,
    responses=problem_responses(404),
    summary="Get a subdistrict",
)
async def subdistricts_get(
    session: SessionDep, code: Annotated[SubdistrictCode, Path()], response: Response
) -> SubdistrictRead:
    """Returns one subdistrict (ตำบล) by its 6-digit DOPA code, with its Thai and English names."""
    _headers(response)
    return await service.get_area(session, Subdistrict, code, SubdistrictRead)
