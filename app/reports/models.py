"""The progress report's figures as the database keeps them (migration 5d1e8a7c3b90 writes them, by triggers
in every transaction that moves them): per village and plan year, per area's villages, per district's forums.
Nothing in the application writes these tables except `app.reports.tally.rebuild`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String
from sqlmodel import Field, SQLModel


def _count(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default="0")


class ProgressUnit(SQLModel, table=True):
    """A village's current plan of a year (its newest revision) and what it counts towards the report."""

    __tablename__ = "progress_unit"
    __table_args__ = (
        Index("ix_progress_unit_plan_id", "plan_id"),
        Index("ix_progress_unit_year_province_code", "year", "province_code"),
        Index("ix_progress_unit_year_district_code", "year", "district_code"),
    )

    year: int = Field(primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": False})
    village_code: str = Field(primary_key=True, max_length=8)
    plan_id: int | None = None
    # The plan's own area codes, and its village's tambon (the first six digits of the village code).
    province_code: str = Field(sa_column=Column(String(2), nullable=False, server_default=""))
    district_code: str = Field(sa_column=Column(String(4), nullable=False, server_default=""))
    subdistrict_code: str = Field(sa_column=Column(String(6), nullable=False, server_default=""))
    assessed: int = Field(sa_column=_count("assessed"))
    grade_a: int = Field(sa_column=_count("grade_a"))
    certified: int = Field(sa_column=_count("certified"))
    activities: int = Field(sa_column=_count("activities"))
    self_reliance: int = Field(sa_column=_count("self_reliance"))
    joint: int = Field(sa_column=_count("joint"))
    external_support: int = Field(sa_column=_count("external_support"))
    completed: int = Field(sa_column=_count("completed"))
    adopted: int = Field(sa_column=_count("adopted"))
    adopted_budget_satang: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))


class ProgressPending(SQLModel, table=True):
    """PostgreSQL: the units a transaction's writes touched, recounted (and these rows deleted) when it
    commits. Always empty outside a transaction; unused on SQLite, where triggers recount at once."""

    __tablename__ = "progress_pending"

    txid: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    year: int = Field(primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": False})
    village_code: str = Field(primary_key=True, max_length=8)


class ProgressVillage(SQLModel, table=True):
    """Villages by area (the village's own area codes)."""

    __tablename__ = "progress_village"

    province_code: str = Field(primary_key=True, max_length=2)
    district_code: str = Field(primary_key=True, max_length=4)
    subdistrict_code: str = Field(primary_key=True, max_length=6)
    villages: int = Field(sa_column=_count("villages"))


class ProgressForum(SQLModel, table=True):
    """District forums of a fiscal year, and those with the full target group."""

    __tablename__ = "progress_forum"

    fiscal_year: int = Field(primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": False})
    province_code: str = Field(primary_key=True, max_length=2)
    district_code: str = Field(primary_key=True, max_length=4)
    held: int = Field(sa_column=_count("held"))
    full_participation: int = Field(sa_column=_count("full_participation"))
