"""Bulk jobs: large uploads kept in the database and worked through in the background.

The uploaded file is stored in chunks next to the job (PostgreSQL is the one server: any API process or
worker can pick the job up, and it survives a restart). A runner claims a job with a lease, as the
webhook worker does, and checkpoints its progress so another runner can resume it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.core.logs import current_request_id

JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class BulkJob(SQLModel, table=True):
    __tablename__ = "bulk_job"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES!r}", name="status"),
        Index("ix_bulk_job_status_lease_until", "status", "lease_until"),
    )

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=32)
    mode: str = Field(max_length=16)
    dry_run: bool = False
    on_conflict: str = Field(max_length=16)
    file_kind: str = Field(max_length=16)
    encoding: str = Field(max_length=40)
    lang: str = Field(max_length=8)
    # Who uploaded it: the job runs with the uploader's role and scope, and only they (or an admin) see it.
    principal: str = Field(max_length=64, index=True)
    actor_name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    scope_code: str | None = Field(default=None, max_length=8)
    status: str = Field(default="queued", max_length=16)
    size_bytes: int = 0
    rows_expected: int = 0
    rows_done: int = 0
    received: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    errors_truncated: bool = False
    problem: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    started_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    finished_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    # The X-Request-ID of the upload: the runner logs the job's work with it.
    request_id: str | None = Field(
        default_factory=current_request_id,
        sa_column=Column(String(128), nullable=True, default=current_request_id),
    )


class BulkJobChunk(SQLModel, table=True):
    """The uploaded bytes, in order; deleted when the job finishes."""

    __tablename__ = "bulk_job_chunk"

    job_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("bulk_job.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    seq: int = Field(sa_column=Column(Integer, primary_key=True, nullable=False, autoincrement=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
