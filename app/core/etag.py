"""ETags from a row's version and last change, and the If-Match check that refuses stale writes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Protocol

from fastapi import Header, Response

from app.core.errors import PreconditionFailed


class Versioned(Protocol):
    version: int
    updated_at: dt.datetime


def etag_of(row: Versioned) -> str:
    return etag_for(row.version, row.updated_at)


def etag_for(version: int, updated_at: dt.datetime) -> str:
    # The version alone would repeat when a resource is deleted and made again: the stamp tells them apart.
    stamp = int(updated_at.timestamp() * 1_000_000)
    return f'"{version}-{stamp:x}"'


def set_etag(response: Response, etag: str) -> None:
    response.headers["ETag"] = etag


def check_if_match(if_match: str | None, row: Versioned) -> None:
    """412 unless If-Match is absent, `*`, or lists the current ETag (weak or strong)."""
    if if_match is None:
        return
    current = etag_of(row)
    candidates = [c.strip().removeprefix("W/") for c in if_match.split(",")]
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed("detail.stale", given=if_match[:100], current=current)


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=500,
        description="The ETag you last read; the write is refused with 412 if the resource changed since.",
    ),
]
