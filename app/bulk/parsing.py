"""Reading an upload: spooled to a temporary file as it arrives (never held whole in memory), its text
encoding found (UTF-8 with or without BOM, or Windows-874/TIS-620 as Thai Excel writes CSV), then read
back one row at a time as CSV or NDJSON."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO, Any

import webencodings

from app.core import jsonlimits
from app.core.errors import DomainError, PayloadTooLarge

SPOOL_IN_MEMORY = 4 * 1024 * 1024
THAI_EXCEL = "cp874"  # Windows-874, a superset of TIS-620
_CHUNK = 1024 * 1024


class UploadRefused(DomainError):
    """The file as a whole cannot be read (encoding, header, binary data)."""

    status, slug, title_key = 422, "bulk-file", "title.validation"


class UnsupportedUpload(DomainError):
    status, slug, title_key = 415, "unsupported-media-type", "title.unsupported_media_type"


@dataclass
class Spooled:
    file: IO[bytes]
    size: int
    sha256: str  # of the request (method, path, query) and the file: the upload's idempotency fingerprint
    lines: int = 0  # line breaks seen, plus one for a last line without one
    file_sha256: str = ""  # of the file alone (the audit log's record of what was uploaded)

    def rows_expected(self, file_kind: str) -> int:
        """About how many rows the file holds (a quoted cell may hold a line break of its own)."""
        return max(self.lines - (1 if file_kind == "csv" else 0), 0)

    def close(self) -> None:
        self.file.close()


async def spool(chunks: AsyncIterator[bytes], limit: int, prefix: bytes) -> Spooled:
    """Copy the body to a temporary file (memory up to a few MB, then disk), hashing it on the way."""
    digest = hashlib.sha256(prefix)
    file_digest = hashlib.sha256()
    file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    size = lines = 0
    last = b"\n"
    async for chunk in chunks:
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            file.close()
            raise PayloadTooLarge("detail.body_too_large", limit=limit)
        digest.update(chunk)
        file_digest.update(chunk)
        file.write(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    file.seek(0)
    return Spooled(file, size, digest.hexdigest(), lines + (last != b"\n"), file_digest.hexdigest())


def media_type(content_type: str, declared_format: str | None = None) -> tuple[str, str | None]:
    """('csv' | 'ndjson', charset or None) from a Content-Type header; raw bytes
    (application/octet-stream, as generated clients send) name their format in `declared_format`."""
    kind, _, params = content_type.partition(";")
    kind = kind.strip().lower()
    charset = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "charset" and value:
            charset = value.strip().strip('"').lower()
    if kind in ("text/csv", "application/csv"):
        return "csv", charset
    if kind in ("application/x-ndjson", "application/ndjson", "application/jsonl"):
        return "ndjson", charset
    if kind == "application/octet-stream" and declared_format in ("csv", "ndjson"):
        return declared_format, charset
    raise UnsupportedUpload("detail.bulk_media_type")


def detect_encoding(file: IO[bytes], declared: str | None) -> str:
    """The declared charset if any; else UTF-8 (BOM or not) when the whole file decodes as UTF-8, else
    Windows-874. Binary data (NUL bytes) and undecodable bytes are refused."""
    if declared:
        candidates = [codec_for_charset(declared)]
    else:
        candidates = ["utf-8-sig", THAI_EXCEL]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        file.seek(0)
        try:
            while chunk := file.read(_CHUNK):
                if b"\0" in chunk:
                    raise UploadRefused("detail.bulk_binary")
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        file.seek(0)
        return "utf-8-sig" if encoding.replace("_", "-") in ("utf-8", "utf8") else encoding
    raise UploadRefused("detail.bulk_encoding", encoding=declared or "UTF-8 / Windows-874")


# The WHATWG Encoding Standard's encodings we read, by its name -> Python's codec. Other labels Python knows
# for the same text (`cp874`, `utf_8`), and ASCII (a subset of both), are taken too.
_WHATWG_CODECS = {"utf-8": "utf-8", "windows-874": THAI_EXCEL}
_PYTHON_CODECS = frozenset({"utf-8", THAI_EXCEL, "tis-620", "iso8859-11", "ascii"})
_JAVA_NAMES = {"x-windows-874": "windows-874"}  # Java's name, sent by Thai systems built on it


def codec_for_charset(label: str) -> str:
    """Python's codec for a `charset` label as browsers and Thai systems send it (any case, quoted or not);
    415 for a charset we do not read (a text in another one would be stored garbled)."""
    cleaned = label.strip().strip("\"'").strip()
    found = webencodings.lookup(_JAVA_NAMES.get(cleaned.lower(), cleaned))
    if found is not None and found.name in _WHATWG_CODECS:
        return _WHATWG_CODECS[found.name]
    try:
        name = codecs.lookup(cleaned).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        name = ""
    if name not in _PYTHON_CODECS:
        raise UnsupportedUpload("detail.bulk_charset", charset=label[:40])
    return name


def csv_rows(file: IO[bytes], encoding: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and an iterator of (row number, cells); row 1 is the first data row."""
    return csv_rows_of(io.TextIOWrapper(file, encoding=encoding, newline=""))


def csv_rows_of(text: IO[str]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise UploadRefused("detail.bulk_empty") from exc
    except csv.Error as exc:
        raise UploadRefused("detail.bulk_unreadable", reason=str(exc)[:200]) from exc
    header = [h.strip().lstrip("\ufeff") for h in header]

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UploadRefused("detail.bulk_unreadable", reason=str(exc)[:200]) from exc
            if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
                continue  # blank lines, as spreadsheets leave at the end (checked cheaply for a filled row)
            number += 1
            yield number, cells

    return header, rows()


def csv_header(file: IO[bytes], encoding: str) -> list[str]:
    """Just the header row (the file is left at its start)."""
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        header, _ = csv_rows_of(text)
    finally:
        text.detach()
        file.seek(0)
    return header


def ndjson_rows(file: IO[bytes], encoding: str) -> Iterator[tuple[int, Any]]:
    """(row number, parsed JSON or the exception) per non-blank line; a line nested too deep is
    `jsonlimits.JsonTooDeep`, never parsed."""
    text = io.TextIOWrapper(file, encoding=encoding, newline=None)
    number = 0
    for line in text:
        if not line.strip():
            continue
        number += 1
        try:
            yield number, jsonlimits.loads(line)
        except ValueError as exc:
            yield number, exc
