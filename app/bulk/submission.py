"""Receiving an upload: answered at once, or (large, or asked for with `Prefer: respond-async`) checked up
front and kept with a new job for a runner (`app.bulk.runner`) to work through; and finding a caller's job.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.recorder import AuditAction, AuditResource, record
from app.bulk import service
from app.bulk.kinds import KINDS
from app.bulk.models import BulkJob, BulkJobChunk
from app.bulk.parsing import Spooled, csv_header, detect_encoding
from app.core.actor import Actor
from app.core.config import Settings
from app.core.errors import Forbidden, NotFound
from app.core.scope import Scope

bulk_job_chunk_table = BulkJobChunk.__table__  # type: ignore[attr-defined]
CHUNK_BYTES = 1_048_576


def wants_job(settings: Settings, spooled: Spooled, file_kind: str, prefer: str | None) -> bool:
    asked = prefer is not None and "respond-async" in prefer.lower()
    return (
        asked
        or spooled.size > settings.bulk_job_threshold_bytes
        or spooled.rows_expected(file_kind) > settings.bulk_job_threshold_rows
    )


async def submit(
    session: AsyncSession,
    actor: Actor,
    kind_name: str,
    spooled: Spooled,
    file_kind: str,
    charset: str | None,
    *,
    mode: service.Mode,
    dry_run: bool,
    on_conflict: service.OnConflict,
    lang: str,
) -> BulkJob:
    """Check what can be checked at once (who, encoding, header), then keep the file with a new job."""
    kind = KINDS[kind_name]
    if actor.role not in kind.roles:
        raise Forbidden("detail.forbidden")
    encoding = detect_encoding(spooled.file, charset)
    if file_kind == "csv":
        service.check_header(kind, csv_header(spooled.file, encoding))
    job = BulkJob(
        id=uuid.uuid4().hex,
        kind=kind_name,
        mode=mode,
        dry_run=dry_run,
        on_conflict=on_conflict,
        file_kind=file_kind,
        encoding=encoding,
        lang=lang,
        principal=actor.principal,
        actor_name=actor.name[:200],
        role=actor.role.value,
        scope_code=actor.scope_code,
        size_bytes=spooled.size,
        rows_expected=spooled.rows_expected(file_kind),
    )
    session.add(job)
    await session.flush()
    spooled.file.seek(0)
    seq = 0
    while chunk := spooled.file.read(CHUNK_BYTES):
        await session.execute(insert(bulk_job_chunk_table).values(job_id=job.id, seq=seq, data=chunk))
        seq += 1
    return job


async def receive(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    kind_name: str,
    spooled: Spooled,
    file_kind: str,
    charset: str | None,
    *,
    prefer: str | None,
    mode: service.Mode,
    dry_run: bool,
    on_conflict: service.OnConflict,
    lang: str,
) -> service.BulkReport | BulkJob:
    """An upload: its report when done at once, or the job it became (large, or `Prefer: respond-async`)."""
    options: dict[str, Any] = {"mode": mode, "dry_run": dry_run, "on_conflict": on_conflict, "lang": lang}
    upload: dict[str, Any] = {
        "kind": kind_name,
        "mode": mode,
        "dry_run": dry_run,
        "on_conflict": on_conflict,
        "file_sha256": spooled.file_sha256,
        "size_bytes": spooled.size,
    }
    result: service.BulkReport | BulkJob
    if wants_job(settings, spooled, file_kind, prefer):
        result = await submit(session, actor, kind_name, spooled, file_kind, charset, **options)
        upload_id = result.id
        upload |= {"job_id": result.id, "rows_expected": result.rows_expected}
    else:
        # The rows it creates carry this id: its entry's resource id (a job's rows carry the job's id).
        upload_id = uuid.uuid4().hex
        result = await service.upload(
            session, actor, kind_name, spooled, file_kind, charset, **options, upload_id=upload_id
        )
        upload |= result.model_dump(include={"received", "created", "updated", "skipped", "rejected"})
    # One entry for the whole upload (its rows are not recorded one by one).
    record(
        session,
        AuditAction.upload,
        AuditResource.bulk_upload,
        upload_id,
        {name: (None, value) for name, value in upload.items()},
        area=_uploader_area(actor),
    )
    return result


def _uploader_area(actor: Actor) -> tuple[str | None, str | None]:
    """An upload's rows lie in its uploader's area: the province and district of the uploader's scope."""
    return Scope.of(actor).area()


async def get_job(session: AsyncSession, actor: Actor, job_id: str) -> BulkJob:
    """The uploader's job (an admin sees every job); anyone else's answers 404."""
    job = await session.get(BulkJob, job_id) if len(job_id) <= 32 else None
    if job is None or (not Scope.of(actor).everything and job.principal != actor.principal):
        raise NotFound("Bulk job", job_id)
    return job
