"""ASGI middleware: request ids and the request log, rate limits, CORS, request body limits (size, JSON
nesting) and Prometheus request metrics. All pure ASGI (no BaseHTTPMiddleware): they sit on the hot path."""

from __future__ import annotations

import email.message
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import jsonlimits
from app.core.errors import (
    PROBLEM_BASE,
    BadRequest,
    JsonTooDeep,
    PayloadTooLarge,
    Problem,
    TooManyRequests,
    render,
)
from app.core.errors import problem_response as _problem_response
from app.core.i18n import language, message
from app.core.logs import REQUEST_ID, REQUEST_LOG, new_request_id, sane_request_id
from app.core.ratelimit import RateLimiter, Usage, policy_field, usage_field

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


class RequestContext:
    """Gives every request an id (the caller's X-Request-ID if sane, else a new one), answers it in the
    X-Request-ID header, and logs the request once as a structured line when it is done.

    It wraps the whole application, the error middleware included, so that a 500 carries the id too.
    """

    def __init__(self, app: ASGIApp, log: logging.Logger = REQUEST_LOG) -> None:
        self.app, self.log = app, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = sane_request_id(value)
                break
        request_id = request_id or new_request_id()
        token = REQUEST_ID.set(request_id)
        header = (b"x-request-id", request_id.encode("ascii"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log.isEnabledFor(logging.INFO):
                route = scope.get("route")
                actor = (scope.get("state") or {}).get("actor")
                self.log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": getattr(route, "path", None),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "request_id": request_id,
                        "caller": getattr(actor, "principal", None),
                    },
                )
            REQUEST_ID.reset(token)


class RateLimit:
    """Counts each request against its client address's budget and, when it carries a valid bearer
    credential, against its caller's (API key or user); answers 429 problem+json with Retry-After past
    either. Every counted answer carries `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-
    headers). Health, readiness and metrics are not counted.

    The caller it recognises is left in the request's state, where `current_actor` finds it: the credential
    is checked once per request, as before.
    """

    EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        authenticate: Callable[[str], Awaitable[Any]],
    ) -> None:
        self.app, self.limiter, self.authenticate = app, limiter, authenticate
        self.address_policy = policy_field(list(limiter.address))
        self.caller_policy = policy_field([*limiter.caller, *limiter.address])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        used = await self.limiter.hit(self.limiter.address, client[0] if client else "unknown")
        policy = self.address_policy
        if used[-1].allowed:
            actor = await self._caller(scope)
            if actor is not None:
                used = [*await self.limiter.hit(self.limiter.caller, actor.principal), *used]
                policy = self.caller_policy
        headers = [(b"ratelimit-policy", policy), (b"ratelimit", usage_field(used))]
        refused = next((u for u in used if not u.allowed), None)
        if refused is not None:
            await self._refuse(scope, receive, send, refused, headers)
            return

        async def send_with_usage(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_usage)

    async def _caller(self, scope: Scope) -> Any:
        """The caller behind a bearer credential, or None (no credential, a wrong one, or the lookup failed:
        the route's own authentication then answers as it always does)."""
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, credential = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not credential:
                    return None
                try:
                    actor = await self.authenticate(credential)
                except Exception:
                    return None
                if actor is not None:
                    scope.setdefault("state", {})["actor"] = actor
                return actor
        return None

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, usage: Usage, headers: list[tuple[bytes, bytes]]
    ) -> None:
        seconds = max(1, usage.reset_seconds)
        error = TooManyRequests(
            "detail.rate_limited",
            headers={"Retry-After": str(seconds)},
            policy=usage.policy.name,
            quota=usage.policy.quota,
            window=usage.policy.window,
            seconds=seconds,
        )
        response = render(Request(scope, receive), error)
        response.raw_headers.extend(headers)
        await response(scope, receive, send)


class Cors(CORSMiddleware):
    """Starlette's CORS middleware, refusing a preflight with problem+json like every other refusal."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        lang = language(HTTPConnection({"type": "http", "headers": request_headers.raw}))
        what = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        problem = Problem(
            type=PROBLEM_BASE + BadRequest.slug,
            title=message(BadRequest.title_key, lang),
            status=400,
            detail=message("detail.cors_refused", lang, what=what),
        )
        refused = _problem_response(problem)
        for name, value in response.headers.items():
            if name not in ("content-type", "content-length"):
                refused.headers[name] = value
        return refused
