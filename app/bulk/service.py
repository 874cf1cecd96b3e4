"""Running a bulk upload: each row parsed, checked by the single-row rules, and written in batches.

`mode=atomic` writes all rows or none (the whole upload is one transaction, rolled back if any row is
rejected); `mode=partial` writes the valid rows and reports the rest; `dry_run` only checks. Rows that
already exist are reported, skipped or updated according to `on_conflict`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.bulk.kinds import KINDS, Kind, Prepared
from app.bulk.parsing import Spooled, UploadRefused, csv_rows, detect_encoding, ndjson_rows
from app.core.actor import Actor
from app.core.errors import (
    Conflict,
    DomainError,
    FieldError,
    FieldIssue,
    Forbidden,
    Invalid,
    NotFound,
    field_errors,
)
from app.core.i18n import message
from app.core.jsonlimits import JsonTooDeep
from app.lookups import Lookups

BATCH = 1000
MAX_REPORTED_ERRORS = 1000
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
TRUE = {"true", "1", "yes", "y", "ใช่", "จริง", "มี"}
FALSE = {"false", "0", "no", "n", "ไม่ใช่", "เท็จ", "ไม่มี"}

Mode = Literal["atomic", "partial"]
OnConflict = Literal["error", "skip", "update"]


class BulkReport(BaseModel):
    kind: str
    mode: Mode
    dry_run: bool
    received: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[FieldError] = Field(
        default_factory=list, description="Every rejected row: row, field, reason"
    )
    errors_truncated: bool = Field(default=False, description=f"More than {MAX_REPORTED_ERRORS} errors")


class BulkRejected(DomainError):
    status, slug, title_key = 422, "bulk-rejected", "title.validation"


@dataclass
class _Run:
    kind: Kind
    actor: Actor
    session: AsyncSession
    lookups: Lookups
    lang: str
    mode: Mode
    dry_run: bool
    on_conflict: OnConflict
    report: BulkReport
    upload_id: str  # every row the upload creates names it (its audit-log entry's resource id)
    seen: dict[Hashable, int] = field(default_factory=dict)
    position: int = 0  # the last row read

    def reject(self, errors: list[FieldError]) -> None:
        self.report.rejected += 1
        room = MAX_REPORTED_ERRORS - len(self.report.errors)
        if room <= 0:
            self.report.errors_truncated = True
        self.report.errors += errors[: max(room, 0)]

    @property
    def writing(self) -> bool:
        # Atomic uploads stop writing at the first rejection: the transaction is rolled back anyway.
        return not self.dry_run and (self.mode == "partial" or self.report.rejected == 0)


def _looks_like_formula(text: str) -> bool:
    return bool(text) and (
        text[0] in "=@\t\r"
        or (text[0] in "+-" and len(text) > 1 and not text[1].isdigit() and not text[1].isspace())
    )


_SKIP = object()  # a blank cell: the field is left out, as if the column were absent


def _to_list(text: str) -> Any:
    parts = text.translate(THAI_DIGITS).replace(",", ";").replace(" ", ";").split(";")
    return [p for p in (q.strip() for q in parts) if p] if text.strip() else _SKIP


def _digits(text: str) -> str:
    """A number cell without blanks and thousands separators, in ASCII digits (Thai digits translated:
    an ASCII cell, the common one, has none to translate)."""
    text = text.strip().replace(",", "")
    return text if text.isascii() else text.translate(THAI_DIGITS)


def _to_int(text: str) -> Any:
    if text.isascii() and text.isdigit():  # the common cell: nothing to clean
        return int(text)
    text = _digits(text)
    if not text:
        return _SKIP
    return int(text) if text.lstrip("-").isdigit() else text


def _to_number(text: str) -> Any:
    return _digits(text) or _SKIP


def _to_bool(text: str) -> Any:
    lowered = text.strip().lower()
    if not lowered:
        return _SKIP
    return True if lowered in TRUE else False if lowered in FALSE else text.strip()


def _to_text(text: str) -> Any:
    return text if text.strip() else _SKIP


def _to_stripped(text: str) -> Any:
    return text.strip() or _SKIP


def _converter(kind: Kind, name: str) -> Callable[[str], Any]:
    """How one column's cells become values (chosen once per file, not once per cell)."""
    if name in kind.list_fields:
        return _to_list
    if name in kind.int_fields:
        return _to_int
    if name in kind.number_fields:
        return _to_number
    if name in kind.bool_fields:
        return _to_bool
    if name in kind.text_fields:
        return _to_text
    return _to_stripped


def _cells_to_values(columns: list[tuple[str, Callable[[str], Any]]], cells: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for (name, convert), raw in zip(columns, cells, strict=True):
        value = convert(raw)
        if value is not _SKIP:
            values[name] = value
    return values


def _formula_issues(kind: Kind, values: dict[str, Any]) -> list[FieldIssue]:
    return [
        FieldIssue(name, "field.formula")
        for name in kind.text_fields
        if isinstance(values.get(name), str) and _looks_like_formula(values[name])
    ]


def _domain_errors(error: DomainError, lang: str, row: int) -> list[FieldError]:
    if error.field_issues:
        return [issue.render(lang, row) for issue in error.field_issues]
    field = "row"
    if isinstance(error, Forbidden):
        return [FieldIssue(field, "field.row_outside_scope").render(lang, row)]
    return [FieldError(field=field, message=message(error.detail_key, lang, **error.params), row=row)]


def check_header(kind: Kind, header: list[str]) -> None:
    """Refuse a CSV header with unknown, missing or repeated columns."""
    unknown = [h for h in header if h not in kind.columns]
    missing = sorted(kind.required - set(header))
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if unknown or missing or duplicated:
        raise UploadRefused(
            "detail.bulk_columns",
            unknown=", ".join(unknown + duplicated) or "-",
            missing=", ".join(missing) or "-",
            allowed=", ".join(kind.columns),
        )


def parsed_rows(
    run: _Run, file: IO[bytes], file_kind: str, encoding: str
) -> Iterator[tuple[int, BaseModel | list[FieldError]]]:
    """(row number, the validated row or its errors) for every data row of the file."""
    kind, lang = run.kind, run.lang
    if file_kind == "csv":
        header, rows = csv_rows(file, encoding)
        check_header(kind, header)
        columns = [(name, _converter(kind, name)) for name in header]
        for number, cells in rows:
            if len(cells) != len(header):
                yield (
                    number,
                    [
                        FieldIssue("row", "field.ragged_row", cells=len(cells), columns=len(header)).render(
                            lang, number
                        )
                    ],
                )
                continue
            values = _cells_to_values(columns, cells)
            yield number, _validated(kind, values, lang, number)
    else:
        for number, value in ndjson_rows(file, encoding):
            if isinstance(value, JsonTooDeep):
                too_deep = FieldIssue("row", "field.json_too_deep", limit=value.limit)
                yield number, [too_deep.render(lang, number)]
                continue
            if not isinstance(value, dict):
                yield number, [FieldIssue("row", "field.not_json_object").render(lang, number)]
                continue
            yield number, _validated(kind, value, lang, number)


def _validated(kind: Kind, values: dict[str, Any], lang: str, number: int) -> BaseModel | list[FieldError]:
    formula = _formula_issues(kind, values)
    if formula:
        return [issue.render(lang, number) for issue in formula]
    try:
        return kind.schema.model_validate(values)
    except ValidationError as exc:
        return field_errors(exc.errors(), lang, number)


async def _flush(run: _Run, batch: list[tuple[int, BaseModel]]) -> None:
    kind = run.kind
    assert kind.prepare is not None and kind.insert is not None
    if kind.prefetch is not None:
        await kind.prefetch(run.lookups, [data for _, data in batch])
    prepared: list[Prepared] = []
    for number, data in batch:
        try:
            item = await kind.prepare(run.actor, data, run.lookups)
        except (Invalid, Forbidden, Conflict, NotFound) as error:
            run.reject(_domain_errors(error, run.lang, number))
            continue
        item.number = number
        if item.key is not None:
            first = run.seen.get(item.key)
            if first is not None:
                run.reject([FieldIssue("row", "field.duplicate_row", row=first).render(run.lang, number)])
                continue
            run.seen[item.key] = number
        prepared.append(item)
    existing: dict[Hashable, Any] = {}
    if kind.existing is not None and prepared:
        existing = await kind.existing(run.session, [p.key for p in prepared if p.key is not None])
    creates: list[Prepared] = []
    updates: list[tuple[Prepared, Any]] = []
    for item in prepared:
        current = existing.get(item.key) if item.key is not None else None
        if current is None:
            creates.append(item)
        elif run.on_conflict == "skip":
            run.report.skipped += 1
        elif run.on_conflict == "error" or kind.update is None:
            run.reject([FieldIssue("row", "field.exists").render(run.lang, item.number)])
        else:
            refusal = await kind.check_update(run.session, item, current) if kind.check_update else None
            if refusal is not None:
                run.reject([refusal.render(run.lang, item.number)])
            else:
                updates.append((item, current))
    if run.writing:
        if creates:
            await kind.insert(run.session, creates, run.upload_id)
        if updates and kind.update is not None:
            await kind.update(run.session, updates)
    run.report.created += len(creates)
    run.report.updated += len(updates)


async def _remember(run: _Run, rows: list[tuple[int, BaseModel]]) -> None:
    """Rows a resumed job already did: note the keys they used, as `_flush` did the first time."""
    kind = run.kind
    assert kind.prepare is not None
    if kind.prefetch is not None:
        await kind.prefetch(run.lookups, [data for _, data in rows])
    for number, data in rows:
        try:
            item = await kind.prepare(run.actor, data, run.lookups)
        except (Invalid, Forbidden, Conflict, NotFound):
            continue
        if item.key is not None:
            run.seen.setdefault(item.key, number)


Checkpoint = Callable[[int], Awaitable[None]]


async def process(
    run: _Run,
    rows: Iterator[tuple[int, BaseModel | list[FieldError]]],
    *,
    done_before: int = 0,
    checkpoint: Checkpoint | None = None,
) -> None:
    """Check and write every row, a batch at a time; `checkpoint(row)` after each batch is written.

    While a batch is being written, the next rows are read (CSV, cells, validation: most of an upload's
    CPU) instead of waiting for the database: the two take turns no more, so a two-core machine works both
    at once. Rows read ahead are only counted and checked once that batch's write and checkpoint are done,
    so a checkpoint saves the run exactly as of its batch's last row (a resumed job starts right after it).

    A resumed job passes the rows already done: they are read again only to remember which keys the file
    has used (so a later duplicate is still reported as one), and nothing is written or counted twice.
    """
    batch: list[tuple[int, BaseModel]] = []
    done: list[tuple[int, BaseModel]] = []
    ahead: list[tuple[int, BaseModel | list[FieldError]]] = []
    writing: asyncio.Task[None] | None = None
    written_to = 0  # the last row of the batch being written
    try:
        while True:
            if writing is not None:
                ahead += await _read_ahead(rows, BATCH)  # after the rows left over from the last batch
                task, writing = writing, None
                await task
                if checkpoint is not None:
                    await checkpoint(written_to)
            elif not ahead:
                ahead = list(itertools.islice(rows, BATCH))
                if not ahead:
                    break
            queued, ahead = ahead, []
            full = await _take(run, queued, batch, done, done_before)
            if full is not None:
                writing = asyncio.create_task(_flush(run, batch))
                written_to, batch = batch[-1][0], []
                ahead = queued[full + 1 :]  # counted once this batch is written
    except BaseException:
        if writing is not None:  # one batch at most: let it end before the caller rolls back
            await asyncio.wait([writing])
            if not writing.cancelled():
                writing.exception()  # the error that stopped the upload is the one to report
        raise
    if done:
        await _remember(run, done)
    if batch:
        await _flush(run, batch)


async def _take(
    run: _Run,
    queued: list[tuple[int, BaseModel | list[FieldError]]],
    batch: list[tuple[int, BaseModel]],
    done: list[tuple[int, BaseModel]],
    done_before: int,
) -> int | None:
    """Count and check `queued` rows into `batch` (rows a resumed job did already into `done`, to remember
    their keys), until the batch is full: the index of the row that filled it, or None."""
    for index, (number, parsed) in enumerate(queued):
        run.position = number
        if number <= done_before:
            if not isinstance(parsed, list):
                done.append((number, parsed))
                if len(done) >= BATCH:
                    await _remember(run, done)
                    done.clear()
            continue
        if done:
            await _remember(run, done)
            done.clear()
        run.report.received += 1
        if isinstance(parsed, list):
            run.reject(parsed)
            continue
        batch.append((number, parsed))
        if len(batch) >= BATCH:
            return index
    return None


async def _read_ahead(
    rows: Iterator[tuple[int, BaseModel | list[FieldError]]], count: int
) -> list[tuple[int, BaseModel | list[FieldError]]]:
    """The next `count` rows (fewer at the end), letting the batch being written move between them."""
    read: list[tuple[int, BaseModel | list[FieldError]]] = []
    for item in rows:
        read.append(item)
        if len(read) >= count:
            break
        if len(read) % _YIELD_EVERY == 0:
            await asyncio.sleep(0)
    return read


_YIELD_EVERY = 50  # rows read between two turns of the batch being written (its COPY's network writes)


def finish(run: _Run) -> BulkReport:
    """The report once every row is read; an atomic upload with a rejected row is refused whole."""
    if run.report.received == 0:
        raise UploadRefused("detail.bulk_no_rows")
    run.report.errors.sort(key=lambda e: e.row or 0)
    if run.mode == "atomic" and run.report.rejected:
        report = run.report
        raise BulkRejected(
            "detail.bulk_rejected",
            rejected=report.rejected,
            received=report.received,
            extra={"bulk": report.model_dump(exclude={"errors"}), "errors": report.errors},
        )
    return run.report


def new_run(
    session: AsyncSession,
    actor: Actor,
    kind_name: str,
    *,
    mode: Mode,
    dry_run: bool,
    on_conflict: OnConflict,
    lang: str,
    upload_id: str,
    report: BulkReport | None = None,
) -> _Run:
    """A run of the upload `upload_id` (a job's id, or a new id for an upload done at once)."""
    kind = KINDS[kind_name]
    if actor.role not in kind.roles:
        raise Forbidden("detail.forbidden")
    return _Run(
        kind,
        actor,
        session,
        Lookups(session),
        lang,
        mode,
        dry_run,
        on_conflict,
        report or BulkReport(kind=kind_name, mode=mode, dry_run=dry_run),
        upload_id,
    )


async def upload(
    session: AsyncSession,
    actor: Actor,
    kind_name: str,
    spooled: Spooled,
    file_kind: str,
    charset: str | None,
    *,
    mode: Mode,
    dry_run: bool,
    on_conflict: OnConflict,
    lang: str,
    upload_id: str,
) -> BulkReport:
    """A whole upload in the caller's transaction."""
    run = new_run(
        session,
        actor,
        kind_name,
        mode=mode,
        dry_run=dry_run,
        on_conflict=on_conflict,
        lang=lang,
        upload_id=upload_id,
    )
    encoding = detect_encoding(spooled.file, charset)
    await process(run, parsed_rows(run, spooled.file, file_kind, encoding))
    return finish(run)
