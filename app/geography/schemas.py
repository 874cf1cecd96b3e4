"""What the geography endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel

from app.core.pagination import Page


class ProvinceRead(BaseModel):
    code: str
    name_th: str
    name_en: str


class DistrictRead(BaseModel):
    code: str
    name_th: str
    name_en: str
    province_code: str


class SubdistrictRead(BaseModel):
    code: str
    name_th: str
    name_en: str
    district_code: str
    province_code: str


class ProvincePage(Page[ProvinceRead]):
    pass


class DistrictPage(Page[DistrictRead]):
    pass


class SubdistrictPage(Page[SubdistrictRead]):
    pass
