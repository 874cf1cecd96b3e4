"""ASGI middleware: request body limits (size, JSON nesting) and Prometheus request metrics."""

from __future__ import annotations

import email.message
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import jsonlimits
from app.core.errors import JsonTooDeep, PayloadTooLarge, render

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Label values must come from a small set: a client can send any method name it likes.
KNOWN_METHODS = frozenset({"GET", "HEAD", "OPTIONS", *BODY_METHODS})


class BodySizeLimit:
    """Refuses bodies over `limit` bytes with 413, whether or not Content-Length is sent, and JSON bodies
    nested deeper than `jsonlimits.MAX_DEPTH` with 400 (before anything parses them).

    Paths under `streaming_prefixes` (bulk uploads) are exempt: they stream and bound themselves.
    """

    def __init__(self, app: ASGIApp, limit: int, streaming_prefixes: tuple[str, ...] = ()) -> None:
        self.app, self.limit, self.streaming_prefixes = app, limit, streaming_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or scope["path"].startswith(self.streaming_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(scope, receive, send)
                return
        # Count what actually arrives: Content-Length may be absent (chunked) or wrong.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        buffered = b"".join(chunks)
        if _read_as_json(scope) and jsonlimits.too_deep(buffered):
            request = Request(scope, receive)
            await render(request, JsonTooDeep("detail.json_too_deep", limit=jsonlimits.MAX_DEPTH))(
                scope, receive, send
            )
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": buffered, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = render(request, PayloadTooLarge("detail.body_too_large", limit=self.limit))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _read_as_json(scope: Scope) -> bool:
    """Whether FastAPI may parse the body as JSON (its own test: no Content-Type, or `application/json`
    or `application/…+json` as the email package reads the header)."""
    value = next((v for k, v in scope["headers"] if k == b"content-type"), b"").decode("latin-1")
    if not value:
        return True
    header = email.message.Message()
    header["content-type"] = value
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class Metrics:
    """Counts requests and their latency by route template (never by raw path: codes would explode it)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "cplan_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "cplan_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        # The labelled series, looked up once: `labels()` takes a lock and builds a key on every call.
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)  # type: ignore[arg-type]
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
            key = (method, template, str(status))
            series = self._series.get(key)
            if series is None:
                series = (self.requests.labels(*key), self.latency.labels(method, template))
                self._series[key] = series
            series[0].inc()
            series[1].observe(time.perf_counter() - started)
