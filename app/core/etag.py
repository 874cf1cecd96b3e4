"""ETags from row versions, and the If-Match check that refuses stale writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from app.core.errors import PreconditionFailed


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def check_if_match(if_match: str | None, version: int) -> None:
    """412 unless If-Match is absent, `*`, or lists the current ETag (weak or strong)."""
    if if_match is None:
        return
    current = etag_for(version)
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
