"""What a bulk job shows: `GET /api/v1/bulk-jobs/{id}` and the `202` answer to a large upload."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.bulk import service
from app.bulk.models import BulkJob
from app.core.errors import FieldError, Problem

JobStatus = Literal["queued", "running", "succeeded", "failed"]
_COMMITTED = (
    "Rows committed so far (a dry run: rows that would be). An atomic job commits every row at once when "
    "it succeeds, so this stays 0 while it runs: until then a failure or a restart takes its writes back"
)
# The counts an atomic job shows only once its one transaction has committed.
UNCOMMITTED = {"created": 0, "updated": 0, "skipped": 0}


def all_at_once(job: BulkJob) -> bool:
    """An atomic job that writes: nothing it does is kept until its single commit."""
    return job.mode == "atomic" and not job.dry_run


class BulkJobRead(BaseModel):
    id: str
    status: JobStatus = Field(description="queued → running → succeeded or failed")
    kind: str
    mode: service.Mode
    dry_run: bool
    on_conflict: service.OnConflict
    rows_expected: int = Field(description="Lines in the file (an estimate: a quoted cell may hold one)")
    rows_done: int = Field(
        description="Rows read and checked so far. For an atomic job (`mode=atomic`, not a dry run) these "
        "are not yet written for good: see `created`"
    )
    received: int
    created: int = Field(description=_COMMITTED)
    updated: int = Field(description=_COMMITTED)
    skipped: int = Field(description=_COMMITTED)
    rejected: int
    errors: list[FieldError] = Field(description="Rejected rows so far: row, field, reason")
    errors_truncated: bool
    problem: Problem | None = Field(
        default=None, description="Why a failed job failed (the answer a small upload would have had)"
    )
    attempts: int = Field(description="How many times a runner has started on it")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def job_read(job: BulkJob, live: tuple[int, service.BulkReport] | None = None) -> BulkJobRead:
    """The job as stored, or with the progress of the runner working on it in this process."""
    fields: dict[str, Any] = {
        name: getattr(job, name)
        for name in (
            "id status kind mode dry_run on_conflict rows_expected rows_done received created updated "
            "skipped rejected errors errors_truncated problem attempts created_at started_at finished_at"
        ).split()
    }
    if live is not None and job.status == "running":
        position, report = live
        fields.update(report.model_dump(include={"received", "created", "updated", "skipped", "rejected"}))
        if all_at_once(job):
            fields.update(UNCOMMITTED)
        fields["errors"] = [e.model_dump() for e in report.errors]
        fields["errors_truncated"] = report.errors_truncated
        fields["rows_done"] = max(position, job.rows_done)
    return BulkJobRead.model_validate(fields)
