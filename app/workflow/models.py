"""The audit trail of a plan's workflow: one row per transition."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class PlanTransition(SQLModel, table=True):
    __tablename__ = "plan_transition"
    __table_args__ = (Index("ix_plan_transition_plan_id_id", "plan_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=Column(Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False))
    action: str = Field(max_length=32)
    from_status: str = Field(max_length=32)
    to_status: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    actor_name: str = Field(max_length=200)
    actor_role: str = Field(max_length=32)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
