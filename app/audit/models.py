"""One audit entry per write: who, when, which request, what was done to which resource, and the hash
chain that makes an edit after the fact visible (`app.audit.chain`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, SmallInteger
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_chain_id", "chain", "id"),
        Index("ix_audit_entry_resource", "resource_type", "resource_id", "id"),
        Index("ix_audit_entry_province_code_id", "province_code", "id"),
        Index("ix_audit_entry_district_code_id", "district_code", "id"),
        Index("ix_audit_entry_actor_id_id", "actor_id", "id"),
        Index("ix_audit_entry_request_id", "request_id"),
        Index("ix_audit_entry_at", "at"),
    )

    # In the order entries were written (a sequence; SQLite's rowid).
    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    )
    # Which of the log's chains the entry links into (`app.audit.chain.CHAINS`): within a chain, ids are
    # handed out under the chain's lock, so id order is the chain's order.
    chain: int = Field(sa_column=Column(SmallInteger, nullable=False))
    at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor_id: str | None = Field(default=None, max_length=64)
    actor_name: str | None = Field(default=None, max_length=200)
    actor_role: str | None = Field(default=None, max_length=32)
    request_id: str | None = Field(default=None, max_length=128)
    action: str = Field(max_length=32)
    resource_type: str = Field(max_length=40)
    resource_id: str | None = Field(default=None, max_length=64)
    # Where the resource lies, so that an officer is shown only its own area's entries.
    province_code: str | None = Field(default=None, max_length=2)
    district_code: str | None = Field(default=None, max_length=4)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
