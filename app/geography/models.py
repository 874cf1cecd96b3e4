"""Provinces, districts and subdistricts (reference data from `geothai`)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Province(SQLModel, table=True):
    __tablename__ = "province"

    code: str = Field(primary_key=True, max_length=2)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)


class District(SQLModel, table=True):
    __tablename__ = "district"

    code: str = Field(primary_key=True, max_length=4)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    province_code: str = Field(foreign_key="province.code", index=True, max_length=2)


class Subdistrict(SQLModel, table=True):
    __tablename__ = "subdistrict"

    code: str = Field(primary_key=True, max_length=6)
    name_th: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=4)
    province_code: str = Field(foreign_key="province.code", index=True, max_length=2)
