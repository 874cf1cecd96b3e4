"""Activities (กิจกรรม/โครงการ) of a plan. Money is kept in whole satang: exact on every database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.plans.vocabulary import ActivityKind, ActivityStatus, WorkingGroup, check_values

_activity_version = Column("version", Integer, nullable=False)


class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint(f"working_group IN ({check_values(WorkingGroup)})", name="working_group"),
        CheckConstraint(f"kind IN ({check_values(ActivityKind)})", name="kind"),
        CheckConstraint(f"status IN ({check_values(ActivityStatus)})", name="status"),
        CheckConstraint("budget_satang >= 0", name="budget_non_negative"),
        Index("ix_activity_plan_id_id", "plan_id", "id"),
        Index("ix_activity_district_code_id", "district_code", "id"),
        Index("ix_activity_province_code_id", "province_code", "id"),
        Index("ix_activity_village_code_id", "village_code", "id"),
    )
    __mapper_args__ = {"version_id_col": _activity_version}

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=Column(Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False))
    village_code: str = Field(max_length=8)
    district_code: str = Field(max_length=4)
    province_code: str = Field(max_length=2)
    title: str = Field(max_length=300)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    working_group: str = Field(max_length=40)
    kind: str = Field(max_length=20)
    budget_satang: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    funding_source: str | None = Field(default=None, max_length=200)
    priority: int | None = None
    fiscal_year: int | None = None
    status: str = Field(default=ActivityStatus.planned.value, max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # The bulk upload that created the row (its audit-log entry: resource `bulk_upload`, this id).
    upload_id: str | None = Field(default=None, max_length=32)
    version: int = Field(default=1, sa_column=_activity_version)
