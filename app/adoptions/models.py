"""A local government's adoption of an activity into its development plan and budget."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow

_adoption_version = Column("version", Integer, nullable=False)


class Adoption(SQLModel, table=True):
    __tablename__ = "adoption"
    __table_args__ = (
        CheckConstraint("budget_satang >= 0", name="budget_non_negative"),
        # The pull endpoint's keyset: a local government's adoptions in order of last change.
        Index("ix_adoption_lgo_updated_activity", "local_government_code", "updated_at", "activity_id"),
    )
    __mapper_args__ = {"version_id_col": _adoption_version}

    activity_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    local_government_code: str = Field(foreign_key="local_government.code", max_length=7)
    fiscal_year: int
    budget_satang: int = Field(sa_column=Column(BigInteger, nullable=False))
    lgo_project_ref: str | None = Field(default=None, max_length=100)
    adopted_by: str = Field(max_length=64)
    adopted_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = Field(default=1, sa_column=_adoption_version)
