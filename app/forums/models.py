"""District forums (เวทีประชาคมอำเภอ) of the learning network, and the plans each proposed for
certification."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow

_forum_version = Column("version", Integer, nullable=False)


class Forum(SQLModel, table=True):
    __tablename__ = "forum"
    __table_args__ = (
        CheckConstraint("support_team_count >= 0", name="support_team_count_non_negative"),
        CheckConstraint("village_representative_count >= 0", name="representatives_non_negative"),
        # Reports count a year's forums per district or province; lists run newest first.
        Index("ix_forum_district_code_fiscal_year", "district_code", "fiscal_year"),
        Index("ix_forum_province_code_fiscal_year", "province_code", "fiscal_year"),
        Index("ix_forum_date_id", "date", "id"),
    )
    __mapper_args__ = {"version_id_col": _forum_version}

    id: int | None = Field(default=None, primary_key=True)
    district_code: str = Field(foreign_key="district.code", max_length=4)
    # Derived from the district code, kept so that area filters need no join.
    province_code: str = Field(foreign_key="province.code", max_length=2)
    date: dt.date = Field(sa_column=Column("date", Date, nullable=False))
    # The Thai fiscal year (พ.ศ.) the date falls in: the year whose targets the forum counts towards.
    fiscal_year: int
    title: str = Field(max_length=300)
    agenda: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    support_team_count: int = 0
    village_representative_count: int = 0
    outcomes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = Field(default=1, sa_column=_forum_version)


class ForumPlan(SQLModel, table=True):
    """A plan the forum proposed to the province for standard certification."""

    __tablename__ = "forum_plan"

    forum_id: int = Field(
        sa_column=Column(Integer, ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True)
    )
    plan_id: int = Field(
        sa_column=Column(Integer, ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
