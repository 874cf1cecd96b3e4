"""Input and output shapes of local governments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.pagination import Page
from app.core.schemas import RequestModel, UpdateModel
from app.core.types import LocalGovernmentCode, Name, ProvinceCode, SubdistrictCode
from app.local_governments.models import LocalGovernmentKind

SubdistrictCodes = Annotated[list[SubdistrictCode], Field(max_length=2000)]


class LocalGovernmentCreate(RequestModel):
    code: LocalGovernmentCode = Field(description="DLA 7-digit code", examples=["6840101"])
    name_th: Name = Field(examples=["องค์การบริหารส่วนตำบลท่าทองใหม่"])
    name_en: Name | None = None
    kind: LocalGovernmentKind
    province_code: ProvinceCode
    subdistrict_codes: SubdistrictCodes = Field(default_factory=list, description="The tambons it covers")


class LocalGovernmentUpdate(UpdateModel):
    clearable = frozenset({"name_en"})

    name_th: Name | None = None
    name_en: Name | None = None
    kind: LocalGovernmentKind | None = None
    subdistrict_codes: SubdistrictCodes | None = None


class LocalGovernmentRead(BaseModel):
    code: str
    name_th: str
    name_en: str | None
    kind: LocalGovernmentKind
    province_code: str
    subdistrict_codes: list[str]
    upload_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class LocalGovernmentPage(Page[LocalGovernmentRead]):
    pass
