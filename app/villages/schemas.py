"""Input and output shapes of villages."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.core.pagination import Page
from app.core.schemas import RequestModel, UpdateModel
from app.core.types import Count, LocalGovernmentCode, Name, VillageCode


class VillageCreate(RequestModel):
    code: VillageCode = Field(
        description="DOPA 8-digit code: subdistrict code + หมู่ number", examples=["84010501"]
    )
    moo: StrictInt | None = Field(
        default=None, ge=1, le=99, description="หมู่ที่; derived from the code when left out, else must agree"
    )
    name_th: Name = Field(examples=["บ้านดอนเกลี้ยง"])
    name_en: Name | None = None
    households: Count = 0
    population: Count = 0
    local_government_code: LocalGovernmentCode | None = None


class VillageUpdate(UpdateModel):
    clearable = frozenset({"name_en", "local_government_code"})

    name_th: Name | None = None
    name_en: Name | None = None
    households: Count | None = None
    population: Count | None = None
    local_government_code: LocalGovernmentCode | None = None


class VillageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    moo: int
    name_th: str
    name_en: str | None
    subdistrict_code: str
    district_code: str
    province_code: str
    households: int
    population: int
    local_government_code: str | None
    upload_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class VillagePage(Page[VillageRead]):
    pass
