"""Assessments of a plan, each recording the rubric (and its version) it was scored against."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class Assessment(SQLModel, table=True):
    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint("kind IN ('quality', 'standard')", name="kind"),
        Index("ix_assessment_plan_id_kind_id", "plan_id", "kind", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=Column(Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=16)
    rubric_id: str = Field(max_length=64)
    rubric_version: int
    inputs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    indicators: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    passed_count: int
    grade: str | None = Field(default=None, max_length=16)
    total: int | None = None
    level: str | None = Field(default=None, max_length=32)
    assessed_by: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
