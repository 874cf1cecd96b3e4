"""Bulk uploads from spreadsheets and scripts: CSV (UTF-8 or Windows-874) or NDJSON, streamed."""

from __future__ import annotations

import csv
import enum
import io
from typing import Annotated, Literal

from fastapi import Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from app.auth.access import access
from app.bulk import service, submission
from app.bulk.examples import example_rows
from app.bulk.kinds import KINDS
from app.bulk.models import BulkJob
from app.bulk.parsing import media_type, spool
from app.bulk.schemas import BulkJobRead, job_read
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.i18n import language
from app.core.idempotency import IdempotencyKey, begin
from app.core.routing import api_router, location
from app.core.types import MAX_ID
from app.core.uow import SessionDep

router = api_router("bulk")

Uploader = Annotated[
    Actor,
    access("bulk.upload", Role.admin, Role.provincial_officer, Role.district_officer, Role.village_committee),
]
Reader = Annotated[Actor, access("bulk.template")]
JobReader = Annotated[Actor, access("bulk.job")]


class BulkKind(enum.StrEnum):
    villages = "villages"
    local_governments = "local-governments"
    plans = "plans"
    activities = "activities"


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/x-ndjson": {"schema": {"type": "string", "format": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/bulk/{kind}",
    response_model=service.BulkReport,
    openapi_extra=UPLOAD_BODY,
    status_code=200,
    responses={
        202: {
            "model": BulkJobRead,
            "description": "A large upload (or one sent with `Prefer: respond-async`) became a job; "
            "follow `Location` to watch it",
        },
        **problem_responses(413, 415),
    },
    summary="Upload many rows at once (CSV with a header row, or NDJSON); every rejected row is reported",
    description="Creates or updates many rows of one kind (villages, local governments, plans or activities) "
    "from a CSV or NDJSON file, each row checked by the same rules as the single-row API, and reports every "
    "rejected row with its row number, field and reason. "
    "Small uploads are answered when done. Uploads over the size or row threshold, or sent "
    "with `Prefer: respond-async`, are checked (encoding, header) and answered `202` with a job at "
    "`GET /api/v1/bulk-jobs/{id}`, which survives a restart of the server.",
)
async def bulk_upload(
    request: Request,
    session: SessionDep,
    actor: Uploader,
    kind: Annotated[BulkKind, Path()],
    mode: Annotated[
        service.Mode, Query(description="atomic: all rows or none; partial: the valid ones")
    ] = "atomic",
    dry_run: Annotated[bool, Query(description="Check only; write nothing")] = False,
    on_conflict: Annotated[service.OnConflict, Query(description="Rows that already exist")] = "error",
    idempotency_key: IdempotencyKey = None,
    prefer: Annotated[
        str | None, Header(description="`respond-async`: answer 202 with a job whatever the size")
    ] = None,
    format: Annotated[
        Literal["csv", "ndjson"] | None,
        Query(description="Only for Content-Type application/octet-stream: what the bytes are"),
    ] = None,
) -> service.BulkReport | Response:
    file_kind, charset = media_type(request.headers.get("content-type", ""), format)
    prefix = f"{request.method} {request.url.path}?{request.url.query}\0".encode()
    spooled = await spool(request.stream(), request.app.state.settings.bulk_max_bytes, prefix)
    try:
        if idempotency_key is not None:
            await begin(request, session, actor.principal, idempotency_key, spooled.sha256)
        result = await submission.receive(
            session,
            request.app.state.settings,
            actor,
            kind.value,
            spooled,
            file_kind,
            charset,
            prefer=prefer,
            mode=mode,
            dry_run=dry_run,
            on_conflict=on_conflict,
            lang=language(request),
        )
        if isinstance(result, BulkJob):
            runner = getattr(request.app.state, "job_runner", None)
            return JSONResponse(
                job_read(result).model_dump(mode="json"),
                status_code=202,
                headers={"Location": location("bulk-jobs", result.id)},
                # After the response, so after the commit: the runner in this process starts at once.
                background=BackgroundTask(runner.wake) if runner is not None else None,
            )
        return result
    finally:
        spooled.close()


@router.get(
    "/bulk/{kind}/template.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The header row, and example rows when asked for",
        }
    },
    summary="A CSV with the header row the upload expects (and example rows with ?examples=true)",
)
async def bulk_template(
    actor: Reader,
    kind: Annotated[BulkKind, Path()],
    examples: Annotated[
        bool, Query(description="Add example rows after the header, to edit or to import as they are")
    ] = False,
    plan_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Activities: the plan the example rows belong to"),
    ] = None,
) -> Response:
    """Downloads the CSV header row an upload of this kind expects (UTF-8 with a BOM, so Thai Excel opens it
    correctly), with example rows to edit when asked for.
    """
    columns = KINDS[kind.value].columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    if examples:
        writer.writerows(example_rows(kind.value, columns, plan_id))
    return Response(
        ("\ufeff" + out.getvalue()).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind.value}-template.csv"'},
    )


@router.get(
    "/bulk-jobs/{job_id}",
    response_model=BulkJobRead,
    responses=problem_responses(404),
    summary="A bulk job: its status, rows done and rows rejected so far",
)
async def bulk_jobs_get(
    request: Request, session: SessionDep, actor: JobReader, job_id: Annotated[str, Path(max_length=64)]
) -> BulkJobRead:
    """Shows a bulk job's progress: its status, the rows read, created, updated and rejected so far, and every
    rejected row with its reason.
    """
    job = await submission.get_job(session, actor, job_id)
    runner = getattr(request.app.state, "job_runner", None)
    return job_read(job, runner.progress(job.id) if runner is not None else None)
