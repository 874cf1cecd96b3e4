"""Reading provinces, districts and subdistricts."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.pagination import Page, PageParams
from app.geography import repository
from app.geography.repository import AreaModel

P = TypeVar("P", bound=Page[Any])
R = TypeVar("R", bound=BaseModel)

_NAMES = {"province": "Province", "district": "District", "subdistrict": "Subdistrict"}


async def list_areas(
    session: AsyncSession,
    model: AreaModel,
    page: PageParams,
    page_type: type[P],
    **filters: str | None,
) -> P:
    rows = await repository.list_areas(session, model, page, filters)
    return page_type.model_validate(
        {
            "items": [r._asdict() for r in rows[: page.limit]],
            "next_cursor": page.next_cursor(rows, lambda r: (r.code,)),
        }
    )


async def get_area(session: AsyncSession, model: AreaModel, code: str, read_type: type[R]) -> R:
    row = await repository.get_area(session, model, code)
    if row is None:
        raise NotFound(_NAMES[str(model.__tablename__)], code)
    return read_type.model_validate(row._asdict())
