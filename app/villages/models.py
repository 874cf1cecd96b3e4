"""Villages (หมู่บ้าน), keyed by their 8-digit DOPA code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Index, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow

_village_version = Column("version", Integer, nullable=False)


class Village(SQLModel, table=True):
    __tablename__ = "village"
    __table_args__ = (
        CheckConstraint("households >= 0", name="households_non_negative"),
        CheckConstraint("population >= 0", name="population_non_negative"),
        CheckConstraint("moo BETWEEN 1 AND 99", name="moo_range"),
        Index("ix_village_district_code_code", "district_code", "code"),
        Index("ix_village_province_code_code", "province_code", "code"),
        Index("ix_village_local_government_code_code", "local_government_code", "code"),
    )
    __mapper_args__ = {"version_id_col": _village_version}

    code: str = Field(primary_key=True, max_length=8)
    moo: int
    name_th: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    subdistrict_code: str = Field(foreign_key="subdistrict.code", max_length=6)
    district_code: str = Field(foreign_key="district.code", max_length=4)
    province_code: str = Field(foreign_key="province.code", max_length=2)
    households: int = 0
    population: int = 0
    local_government_code: str | None = Field(default=None, foreign_key="local_government.code", max_length=7)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # The bulk upload that created the row (its audit-log entry: resource `bulk_upload`, this id).
    upload_id: str | None = Field(default=None, max_length=32)
    version: int = Field(default=1, sa_column=_village_version)
