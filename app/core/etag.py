"""ETags from a row's version and last change; the If-Match check that refuses stale writes (and, with
REQUIRE_IF_MATCH, writes without one); If-None-Match answered with 304 for every route that sends an ETag."""

from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar
from typing import Annotated, Protocol

from fastapi import Header, Request, Response

from app.core.errors import PreconditionFailed, PreconditionRequired

# Set by the route class for a PATCH, PUT or DELETE while REQUIRE_IF_MATCH is on.
if_match_required: ContextVar[bool] = ContextVar("if_match_required", default=False)


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
    """412 unless If-Match is absent, `*`, or lists the current ETag (weak or strong); 428 when it is
    absent and REQUIRE_IF_MATCH applies to the request."""
    if if_match is None:
        if if_match_required.get():
            raise PreconditionRequired("detail.if_match_required")
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


_ENTITY_TAG = re.compile(r'(?:W/)?("[^"]*")')
_NOT_KEPT_ON_304 = frozenset({b"content-type", b"content-length"})


def none_match(condition: str, etag: str) -> bool:
    """Whether an If-None-Match value matches `etag`: `*`, or a listed entity tag equal to it by the weak
    comparison RFC 9110 (13.1.2) prescribes for If-None-Match: `W/` on either side is ignored."""
    if condition == etag:
        return True
    if condition.strip() == "*":
        return True
    return etag.removeprefix("W/") in _ENTITY_TAG.findall(condition)


def not_modified(request: Request, response: Response) -> Response | None:
    """The 304 to send instead of `response` (a 200 to a GET with an ETag) when the request's If-None-Match
    matches that ETag: no body, the response's other headers (ETag, Cache-Control, Location…) kept."""
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return None
    condition = request.headers.get("if-none-match")
    if condition is None:
        return None
    etag = response.headers.get("etag")
    if etag is None or not none_match(condition, etag):
        return None
    answer = Response(status_code=304)
    answer.raw_headers = [(k, v) for k, v in response.raw_headers if k not in _NOT_KEPT_ON_304]
    return answer
