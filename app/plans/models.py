"""Community plans (แผนชุมชน): one per village, year and revision."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.plans.vocabulary import PlanStatus, check_values

_plan_version = Column("version", Integer, nullable=False)


class Plan(SQLModel, table=True):
    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("village_code", "year", "revision", name="uq_plan_village_year_revision"),
        CheckConstraint(f"status IN ({check_values(PlanStatus)})", name="status"),
        CheckConstraint("households_total >= 0", name="households_total_non_negative"),
        CheckConstraint("households_contributing_data >= 0", name="contributing_non_negative"),
        CheckConstraint("participating_households >= 0", name="participating_non_negative"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        Index("ix_plan_district_code_id", "district_code", "id"),
        Index("ix_plan_province_code_id", "province_code", "id"),
        Index("ix_plan_status_id", "status", "id"),
    )
    __mapper_args__ = {"version_id_col": _plan_version}

    id: int | None = Field(default=None, primary_key=True)
    village_code: str = Field(foreign_key="village.code", max_length=8)
    # Derived from the village code, which never changes: kept here so area filters need no join.
    district_code: str = Field(max_length=4)
    province_code: str = Field(max_length=2)
    year: int
    revision: int = 1
    title: str = Field(max_length=300)
    status: str = Field(default=PlanStatus.draft.value, max_length=32)
    households_total: int = 0
    households_contributing_data: int = 0
    participating_households: int = 0
    lgo_participated_from_start: bool = False
    sufficiency_economy_process: bool = False
    book_file_ref: str | None = Field(default=None, max_length=500)
    book_produced_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    previous_plan_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("plan.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # The bulk upload that created the row (its audit-log entry: resource `bulk_upload`, this id).
    upload_id: str | None = Field(default=None, max_length=32)
    version: int = Field(default=1, sa_column=_plan_version)
