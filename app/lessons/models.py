"""Lessons learned (ถอดบทเรียน), each placed at a village, tambon, district or province."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow

_lesson_version = Column("version", Integer, nullable=False)


class Lesson(SQLModel, table=True):
    __tablename__ = "lesson"
    __table_args__ = (
        CheckConstraint(
            "scope_level IN ('village', 'subdistrict', 'district', 'province')", name="scope_level"
        ),
        Index("ix_lesson_province_code_id", "province_code", "id"),
        Index("ix_lesson_district_code_id", "district_code", "id"),
    )
    __mapper_args__ = {"version_id_col": _lesson_version}

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    scope_level: str = Field(max_length=16)
    scope_code: str = Field(max_length=8)
    # The codes of the scope and of the areas containing it (null below the scope's level), so that a
    # caller's reach is a comparison on one column. Geography is reference data; a village is not
    # referenced, so that a lesson outlives a village record removed by mistake.
    province_code: str = Field(foreign_key="province.code", max_length=2)
    district_code: str | None = Field(default=None, foreign_key="district.code", max_length=4)
    subdistrict_code: str | None = Field(default=None, foreign_key="subdistrict.code", max_length=6)
    village_code: str | None = Field(default=None, max_length=8)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Title, body and tags, NFC-normalised and case-folded: what `?q=` searches.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = Field(default=1, sa_column=_lesson_version)
