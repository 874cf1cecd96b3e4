"""Local governments (อปท.) and the subdistricts each covers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.core.types import Vocabulary


class LocalGovernmentKind(Vocabulary):
    provincial_administration = "provincial_administration"  # อบจ.
    city_municipality = "city_municipality"  # เทศบาลนคร
    town_municipality = "town_municipality"  # เทศบาลเมือง
    subdistrict_municipality = "subdistrict_municipality"  # เทศบาลตำบล
    subdistrict_administration = "subdistrict_administration"  # อบต.
    special = "special"  # กทม., พัทยา


_KINDS = ", ".join(f"'{k.value}'" for k in LocalGovernmentKind)
_lgo_version = Column("version", Integer, nullable=False)


class LocalGovernment(SQLModel, table=True):
    __tablename__ = "local_government"
    __table_args__ = (CheckConstraint(f"kind IN ({_KINDS})", name="kind"),)
    __mapper_args__ = {"version_id_col": _lgo_version}

    code: str = Field(primary_key=True, max_length=7)
    name_th: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=32)
    province_code: str = Field(foreign_key="province.code", index=True, max_length=2)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    # The bulk upload that created the row (its audit-log entry: resource `bulk_upload`, this id).
    upload_id: str | None = Field(default=None, max_length=32)
    version: int = Field(default=1, sa_column=_lgo_version)


class LocalGovernmentSubdistrict(SQLModel, table=True):
    __tablename__ = "local_government_subdistrict"

    local_government_code: str = Field(
        sa_column=Column(String(7), ForeignKey("local_government.code", ondelete="CASCADE"), primary_key=True)
    )
    subdistrict_code: str = Field(
        sa_column=Column(String(6), ForeignKey("subdistrict.code"), primary_key=True, index=True)
    )
