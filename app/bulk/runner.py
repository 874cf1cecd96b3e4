"""Large uploads as background jobs: `202 Accepted` with a job at `GET /api/v1/bulk-jobs/{id}`.

The file is checked up front (media type, encoding, header), then stored in the database with the job in
the request's transaction. A runner (in `cplan serve` unless `--no-worker`, and in every `cplan worker`)
claims the oldest job with a lease and works through it with the same code as a synchronous upload:

- `mode=partial` and dry runs commit each batch together with the job's progress, so a runner that dies
  loses at most one batch, and the next one resumes after the last row committed;
- `mode=atomic` writes the whole file in one transaction that also marks the job done; progress is
  published beside it (a separate connection on PostgreSQL, the runner's memory on SQLite, where a second
  writer would wait for the first), and a runner that dies leaves nothing behind: the job starts again.
  Until that commit its progress shows rows read and rejected, never rows created, updated or skipped:
  a rollback could take those back.

A lease is renewed after every batch; a job whose lease runs out is taken over by any runner. Every
write of the job row names the lease owner, so a runner that lost its lease can never overwrite the work
of the one that took over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import tempfile
import uuid
from typing import IO, Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk import service
from app.bulk.models import BulkJob, BulkJobChunk
from app.bulk.schemas import UNCOMMITTED
from app.core.actor import Actor, Role
from app.core.background import idle
from app.core.config import Settings
from app.core.db import Database, utcnow
from app.core.errors import DomainError, FieldError, _Internal
from app.core.logs import bind_request_id
from app.core.routing import location

# The runner's log lines keep the logger name they have always had (log filters and tests name it).
log = logging.getLogger("app.bulk.jobs")


def _logged(job: BulkJob, **more: Any) -> dict[str, Any]:
    """The fields of a job's log lines (its request id is bound to the runner's task while it works)."""
    elapsed = (utcnow() - job.started_at).total_seconds() * 1000 if job.started_at else None
    return {"job_id": job.id, "caller": job.principal, "duration_ms": elapsed, **more}


bulk_job_table = BulkJob.__table__  # type: ignore[attr-defined]
bulk_job_chunk_table = BulkJobChunk.__table__  # type: ignore[attr-defined]
MAX_ATTEMPTS = 5
# How often an idle runner deletes jobs past their retention.
PRUNE_EVERY = dt.timedelta(hours=1)


class LostLease(Exception):
    """Another runner took the job over (this one was too slow to renew its lease)."""


class BulkJobRunner:
    """Claims bulk jobs one at a time and works through them."""

    def __init__(self, db: Database, settings: Settings, *, poll_seconds: float = 1.0) -> None:
        self.db = db
        self.settings = settings
        self.poll_seconds = poll_seconds
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = dt.timedelta(seconds=settings.bulk_job_lease_seconds)
        # The job being worked on now: its id, last row read and report (what GET shows while it runs).
        self.live: dict[str, service._Run] = {}
        self._wake = asyncio.Event()
        self._pruned_at: dt.datetime | None = None

    def wake(self) -> None:
        self._wake.set()

    def progress(self, job_id: str) -> tuple[int, service.BulkReport] | None:
        run = self.live.get(job_id)
        return None if run is None else (run.position, run.report)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            bind_request_id()  # the runner's own, until a job gives it the upload's
            try:
                worked = await self.run_once()
            except Exception:  # a database hiccup must not end the runner: log and try again shortly
                log.exception("bulk job round failed")
                worked = False
            if not worked:
                await self._prune_now_and_then()
                await idle(stop, self._wake, self.poll_seconds)

    async def run_once(self) -> bool:
        """Claim one job and work it through; whether there was one."""
        job = await self._claim()
        if job is None:
            return False
        if job.attempts > MAX_ATTEMPTS:
            await self._fail(
                job,
                _Internal("detail.bulk_job_gave_up", attempts=MAX_ATTEMPTS, reason="no runner finished it"),
            )
            return True
        await self._work(job)
        return True

    async def prune(self, now: dt.datetime | None = None) -> int:
        """Delete jobs that finished more than the retention period ago (their chunks go with them)."""
        cutoff = (now or utcnow()) - dt.timedelta(days=self.settings.bulk_job_retention_days)
        async with self.db.session() as session:
            await self._begin(session)
            result = await session.execute(
                delete(bulk_job_table).where(
                    bulk_job_table.c.status.in_(("succeeded", "failed")),
                    bulk_job_table.c.finished_at < cutoff,
                )
            )
            await session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _prune_now_and_then(self) -> None:
        now = utcnow()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            pruned = await self.prune(now)
        except Exception:  # pruning can wait for the next round; it must not stop the runner
            log.exception("pruning finished bulk jobs failed")
            return
        if pruned:
            log.info("pruned %d finished bulk jobs", pruned)

    # Claiming and the job row

    async def _begin(self, session: AsyncSession) -> None:
        if self.db.is_sqlite:
            await session.connection(execution_options={"sqlite_immediate": True})

    async def _claim(self) -> BulkJob | None:
        now = utcnow()
        async with self.db.session() as session:
            await self._begin(session)
            job = (
                await session.execute(
                    select(BulkJob)
                    .where(
                        BulkJob.status.in_(("queued", "running")),  # type: ignore[attr-defined]
                        (BulkJob.lease_until.is_(None)) | (BulkJob.lease_until < now),  # type: ignore[union-attr,operator]
                    )
                    .order_by(BulkJob.created_at)  # type: ignore[arg-type]
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if job is None:
                return None
            # On SQLite an atomic job cannot renew its lease while it holds the write lock; it needs not:
            # no other process can claim anything (claiming writes) until its transaction ends.
            lease = self.lease
            job.status = "running"
            job.lease_owner = self.owner
            job.lease_until = now + lease
            job.attempts += 1
            job.started_at = job.started_at or now
            await session.commit()
            bind_request_id(job.request_id)
            log.info(
                "bulk job %s claimed (attempt %d, %s, %d rows)",
                job.id,
                job.attempts,
                job.mode,
                job.rows_expected,
                extra=_logged(job, status="running"),
            )
            return job

    def _mine(self, job_id: str) -> Any:
        return (
            (bulk_job_table.c.id == job_id)
            & (bulk_job_table.c.lease_owner == self.owner)
            & (bulk_job_table.c.status == "running")
        )

    async def _save(
        self, conn: Any, job_id: str, run: service._Run, *, committed: bool = True, **extra: Any
    ) -> None:
        """Write the job's progress (in the given session or connection); LostLease if no longer ours.
        Not `committed`: an atomic job's progress published outside its transaction, without the rows it
        has written (its rollback would take them back)."""
        report = run.report
        values = {
            "rows_done": run.position,
            "received": report.received,
            "created": report.created,
            "updated": report.updated,
            "skipped": report.skipped,
            "rejected": report.rejected,
            "errors": [e.model_dump() for e in report.errors],
            "errors_truncated": report.errors_truncated,
            "lease_until": utcnow() + self.lease,
        }
        if not committed:
            values |= UNCOMMITTED
        values |= extra
        result = await conn.execute(update(bulk_job_table).where(self._mine(job_id)).values(**values))
        if result.rowcount != 1:
            raise LostLease(job_id)

    async def _finished(self, session: AsyncSession, job_id: str, run: service._Run, **extra: Any) -> None:
        await self._save(
            session,
            job_id,
            run,
            status="succeeded",
            finished_at=utcnow(),
            lease_owner=None,
            lease_until=None,
            **extra,
        )
        await session.execute(delete(bulk_job_chunk_table).where(bulk_job_chunk_table.c.job_id == job_id))

    async def _fail(self, job: BulkJob, error: DomainError, run: service._Run | None = None) -> None:
        """Mark the job failed with the problem a small upload would have answered; `run` gives the counts
        of an atomic job (which wrote nothing), else the last checkpoint's stay."""
        problem = error.to_problem(job.lang, location("bulk-jobs", job.id)).model_dump(
            mode="json", exclude_none=True
        )
        values: dict[str, Any] = {
            "status": "failed",
            "problem": problem,
            "finished_at": utcnow(),
            "lease_owner": None,
            "lease_until": None,
        }
        if run is not None:
            values |= {
                "rows_done": run.position,
                "received": run.report.received,
                "created": 0,
                "updated": 0,
                "skipped": 0,
                "rejected": run.report.rejected,
                "errors": [e.model_dump() for e in sorted(run.report.errors, key=lambda e: e.row or 0)],
                "errors_truncated": run.report.errors_truncated,
            }
        async with self.db.session() as session:
            await self._begin(session)
            result = await session.execute(update(bulk_job_table).where(self._mine(job.id)).values(**values))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                await session.execute(
                    delete(bulk_job_chunk_table).where(bulk_job_chunk_table.c.job_id == job.id)
                )
            await session.commit()

    async def _release(self, job: BulkJob) -> None:
        """An unexpected failure (the database went away): let a runner try again a little later."""
        async with self.db.session() as session:
            await self._begin(session)
            await session.execute(
                update(bulk_job_table)
                .where(self._mine(job.id))
                .values(lease_owner=None, lease_until=utcnow() + dt.timedelta(seconds=10 * job.attempts))
            )
            await session.commit()

    # Working

    async def _load(self, job_id: str) -> IO[bytes]:
        file: IO[bytes] = tempfile.TemporaryFile()
        async with self.db.session() as session:
            seq = 0
            while True:
                data = (
                    await session.execute(
                        select(bulk_job_chunk_table.c.data).where(
                            bulk_job_chunk_table.c.job_id == job_id, bulk_job_chunk_table.c.seq == seq
                        )
                    )
                ).scalar_one_or_none()
                if data is None:
                    break
                file.write(data)
                seq += 1
        file.seek(0)
        return file

    def _actor(self, job: BulkJob) -> Actor:
        return Actor(
            principal=job.principal, name=job.actor_name, role=Role(job.role), scope_code=job.scope_code
        )

    async def _work(self, job: BulkJob) -> None:
        file = await self._load(job.id)
        run: service._Run | None = None
        try:
            async with self.db.session() as session:
                await self._begin(session)
                if job.mode == "atomic" and not job.dry_run:
                    run = self._new_run(session, job, resume=False)
                    await self._atomic(session, job, run, file)
                else:
                    run = self._new_run(session, job, resume=True)
                    await self._stepwise(session, job, run, file)
        except LostLease:
            log.warning("bulk job %s was taken over by another runner", job.id, extra=_logged(job))
        except DomainError as error:
            log.info("bulk job %s failed: %s", job.id, error.detail_key, extra=_logged(job, status="failed"))
            # An atomic job or a dry run wrote nothing: its counts are the run's. A partial job keeps the
            # counts of its last checkpoint, which are what it wrote.
            await self._fail(job, error, run if job.mode == "atomic" or job.dry_run else None)
        except Exception as exc:
            log.exception("bulk job %s failed (attempt %d)", job.id, job.attempts, extra=_logged(job))
            if job.attempts >= MAX_ATTEMPTS:
                await self._fail(
                    job,
                    _Internal("detail.bulk_job_gave_up", attempts=job.attempts, reason=type(exc).__name__),
                )
            else:
                await self._release(job)
        finally:
            file.close()
            self.live.pop(job.id, None)

    def _new_run(self, session: AsyncSession, job: BulkJob, *, resume: bool) -> service._Run:
        report = service.BulkReport(kind=job.kind, mode=job.mode, dry_run=job.dry_run)
        if resume:
            report.received, report.created, report.updated = job.received, job.created, job.updated
            report.skipped, report.rejected = job.skipped, job.rejected
            report.errors = [FieldError.model_validate(e) for e in job.errors]
            report.errors_truncated = job.errors_truncated
        run = service.new_run(
            session,
            self._actor(job),
            job.kind,
            mode=job.mode,  # type: ignore[arg-type]
            dry_run=job.dry_run,
            on_conflict=job.on_conflict,  # type: ignore[arg-type]
            lang=job.lang,
            upload_id=job.id,
            report=report,
        )
        self.live[job.id] = run
        return run

    async def _stepwise(
        self, session: AsyncSession, job: BulkJob, run: service._Run, file: IO[bytes]
    ) -> None:
        """Partial uploads and dry runs: each batch commits with the job's progress."""

        async def checkpoint(_row: int) -> None:
            await self._save(session, job.id, run)
            await session.commit()
            await self._begin(session)

        rows = service.parsed_rows(run, file, job.file_kind, job.encoding)
        await service.process(run, rows, done_before=job.rows_done, checkpoint=checkpoint)
        service.finish(run)
        await self._finished(session, job.id, run)
        await session.commit()
        log.info(
            "bulk job %s done: %d rows",
            job.id,
            run.position,
            extra=_logged(job, status="succeeded", rows=run.position),
        )

    async def _atomic(self, session: AsyncSession, job: BulkJob, run: service._Run, file: IO[bytes]) -> None:
        """All rows or none, in one transaction that also marks the job done."""

        async def checkpoint(_row: int) -> None:
            if self.db.is_sqlite:
                return  # the runner's memory shows the progress; the job row waits for the commit
            async with self.db.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await self._save(autocommit, job.id, run, committed=False)

        rows = service.parsed_rows(run, file, job.file_kind, job.encoding)
        await service.process(run, rows, checkpoint=checkpoint)
        try:
            service.finish(run)
        except DomainError:
            await session.rollback()
            raise
        await self._finished(session, job.id, run)
        await session.commit()
        log.info(
            "bulk job %s done: %d rows",
            job.id,
            run.position,
            extra=_logged(job, status="succeeded", rows=run.position),
        )
