"""Members of a village committee and the working group each serves in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.plans.vocabulary import WorkingGroup, check_values

_member_version = Column("version", Integer, nullable=False)


class CommitteeMember(SQLModel, table=True):
    __tablename__ = "committee_member"
    __table_args__ = (
        CheckConstraint(f"working_group IN ({check_values(WorkingGroup)})", name="working_group"),
    )
    __mapper_args__ = {"version_id_col": _member_version}

    id: int | None = Field(default=None, primary_key=True)
    village_code: str = Field(
        sa_column=Column(
            String(8), ForeignKey("village.code", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(max_length=200)
    position: str = Field(max_length=200)
    working_group: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=30)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = Field(default=1, sa_column=_member_version)
