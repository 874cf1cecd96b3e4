"""RFC 9457 problem details: the one error family of the API, its handlers and its OpenAPI schema."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection

from app.core.i18n import language, message, pydantic_message_th
from app.core.logs import current_request_id

log = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"


class FieldError(BaseModel):
    field: str
    message: str
    row: int | None = Field(
        default=None, description="Bulk uploads: the row of the file (1 = first data row)"
    )


class Problem(BaseModel):
    """An RFC 9457 problem. `errors` lists each invalid field on validation problems."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    allowed_actions: list[str] | None = None
    guard: str | None = None
    bulk: dict[str, Any] | None = Field(default=None, description="Bulk uploads: the counts of the upload")
    request_id: str | None = Field(
        default=None, description="The request's X-Request-ID: quote it when you report a problem"
    )


class FieldIssue:
    """A field-level complaint raised by domain rules, translated when rendered."""

    def __init__(self, field: str, key: str, /, **params: Any) -> None:
        self.field, self.key, self.params = field, key, params

    def render(self, lang: str, row: int | None = None) -> FieldError:
        return FieldError(field=self.field, message=message(self.key, lang, **self.params), row=row)


class DomainError(Exception):
    status: int = 400
    slug: str = "bad-request"
    title_key: str = "title.bad_request"

    def __init__(
        self,
        detail_key: str,
        *,
        field_issues: list[FieldIssue] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(detail_key)
        self.detail_key = detail_key
        self.params = params
        self.field_issues = field_issues or []
        self.headers = headers or {}
        self.extra = extra or {}

    def to_problem(self, lang: str, instance: str | None) -> Problem:
        fields: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": message(self.title_key, lang),
            "status": self.status,
            "detail": message(self.detail_key, lang, **self.params),
            "instance": instance,
            "errors": [issue.render(lang) for issue in self.field_issues] or None,
        }
        fields.update(self.extra)
        return Problem(**fields)


class BadRequest(DomainError):
    pass


class Unauthorized(DomainError):
    status, slug, title_key = 401, "unauthorized", "title.unauthorized"

    def __init__(self) -> None:
        super().__init__("detail.unauthorized", headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status, slug, title_key = 403, "forbidden", "title.forbidden"


class NotFound(DomainError):
    status, slug, title_key = 404, "not-found", "title.not_found"

    def __init__(self, resource: str, key: object) -> None:
        super().__init__("detail.not_found", resource=resource, key=key)


class Conflict(DomainError):
    status, slug, title_key = 409, "conflict", "title.conflict"


class PreconditionFailed(DomainError):
    status, slug, title_key = 412, "precondition-failed", "title.precondition_failed"


class PreconditionRequired(DomainError):
    status, slug, title_key = 428, "precondition-required", "title.precondition_required"


class PayloadTooLarge(DomainError):
    status, slug, title_key = 413, "payload-too-large", "title.payload_too_large"


class JsonTooDeep(DomainError):
    """A JSON body nested past `jsonlimits.MAX_DEPTH`: refused before it is parsed."""

    status, slug, title_key = 400, "json-too-deep", "title.bad_request"


class TooManyRequests(DomainError):
    """429: a rate limit or the sign-in throttle was reached; `Retry-After` says when to try again."""

    status, slug, title_key = 429, "too-many-requests", "title.too_many_requests"

    @classmethod
    def retry_after(cls, detail_key: str, seconds: float) -> TooManyRequests:
        """The caller is to wait `seconds` (rounded up, at least 1) before retrying."""
        wait = max(1, math.ceil(seconds))
        return cls(detail_key, headers={"Retry-After": str(wait)}, seconds=wait)


class Invalid(DomainError):
    """422 from a domain rule, pointing at the offending fields."""

    status, slug, title_key = 422, "validation", "title.validation"

    def __init__(self, *issues: FieldIssue) -> None:
        super().__init__("detail.validation", field_issues=list(issues), count=len(issues))


def problem_response(
    problem: Problem, headers: dict[str, str] | None = None, status: int | None = None
) -> JSONResponse:
    body = problem.model_dump(exclude_none=True)
    if "request_id" not in body and (request_id := current_request_id()) is not None:
        body["request_id"] = request_id
    return JSONResponse(
        body,
        status_code=status or problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def render(conn: HTTPConnection, error: DomainError) -> JSONResponse:
    return problem_response(error.to_problem(language(conn), conn.url.path), error.headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def field_errors(errors: Sequence[Any], lang: str, row: int | None = None) -> list[FieldError]:
    """Pydantic's errors as `{field, message}`, in the caller's language."""
    out: list[FieldError] = []
    for err in errors:
        text = err.get("msg", "invalid")
        if lang == "th":
            text = pydantic_message_th(err.get("type", ""), err.get("ctx"), text)
        elif text.startswith("Value error, "):
            text = text.removeprefix("Value error, ")
        out.append(FieldError(field=_field_path(tuple(err.get("loc", ()))), message=text, row=row))
    return out


def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    lang = language(request)
    errors = field_errors(exc.errors(), lang)
    problem = Problem(
        type=PROBLEM_BASE + "validation",
        title=message("title.validation", lang),
        status=422,
        detail=message("detail.validation", lang, count=len(errors)),
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(problem)


_HTTP_STATUS_KEYS = {
    400: ("bad-request", "title.bad_request", "detail.body_unreadable"),
    404: ("not-found", "title.not_found", "detail.route_not_found"),
    405: ("method-not-allowed", "title.method_not_allowed", "detail.method_not_allowed"),
    413: ("payload-too-large", "title.payload_too_large", "detail.body_too_large"),
    415: ("unsupported-media-type", "title.unsupported_media_type", "detail.unsupported_media_type"),
}


AllowedMethods = Callable[[Request], list[str]]


def http_problem(
    request: Request, exc: StarletteHTTPException, allowed_methods: AllowedMethods
) -> JSONResponse:
    lang = language(request)
    slug, title_key, detail_key = _HTTP_STATUS_KEYS.get(
        exc.status_code, ("http-error", "title.bad_request", "")
    )
    if detail_key:
        detail = message(detail_key, lang, path=request.url.path, method=request.method, limit="?")
    else:
        detail = str(exc.detail)
    problem = Problem(
        type=PROBLEM_BASE + slug,
        title=message(title_key, lang) if exc.status_code in _HTTP_STATUS_KEYS else str(exc.detail),
        status=exc.status_code,
        detail=detail,
        instance=request.url.path,
    )
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem_response(problem, headers)


def install_error_handlers(app: FastAPI, *, allowed_methods: AllowedMethods) -> None:
    """`allowed_methods` answers the methods the request's path takes, for a 405's `Allow` header (the
    routes are the app's: `app.core.routing`)."""

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return render(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_problem(request, exc)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return http_problem(request, exc, allowed_methods)

    async def on_stale(request: Request, exc: Exception) -> JSONResponse:
        return render(request, Conflict("detail.concurrent_update"))

    async def on_integrity(request: Request, exc: Exception) -> JSONResponse:
        return render(request, Conflict("detail.integrity"))

    async def on_operational(request: Request, exc: Exception) -> JSONResponse:
        if "database is locked" in str(exc):
            log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
            # SQLite has one writer at a time; a long write (a large atomic upload) makes others wait.
            return render(request, Busy("detail.busy", headers={"Retry-After": "5"}))
        return await on_unexpected(request, exc)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, _Internal("detail.internal"))

    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(StaleDataError, on_stale)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(OperationalError, on_operational)
    app.add_exception_handler(Exception, on_unexpected)


class _Internal(DomainError):
    status, slug, title_key = 500, "internal", "title.internal"


class Busy(DomainError):
    status, slug, title_key = 503, "busy", "title.unavailable"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problems a route can answer."""
    descriptions = {
        400: "Bad request",
        401: "Missing or invalid credentials",
        403: "Not allowed for this role or scope",
        404: "Not found",
        409: "Conflict with the current state",
        412: "If-Match does not match the current ETag",
        413: "Request body too large",
        415: "Unsupported media type or charset",
        428: "If-Match is required (REQUIRE_IF_MATCH) and was not sent",
        422: "Invalid input",
        429: "Too many requests: retry after the seconds in Retry-After (see the RateLimit header)",
        503: "Busy: retry after the given seconds",
    }
    out: dict[int | str, dict[str, Any]] = {}
    # Any call may be refused for a missing key, invalid input or a reached rate limit.
    for status in sorted({401, 422, 429, *statuses}):
        out[status] = {
            "description": descriptions[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out


def bad_request_responses(*, body: bool, cursor: bool) -> dict[int | str, dict[str, Any]]:
    """The `400` a route answers before its handler runs, when it takes a JSON body or a `cursor`."""
    causes = []
    if body:
        causes.append(
            "the body cannot be read (JSON that is not UTF-8, is nested too deep or holds too long a number)"
        )
    if cursor:
        causes.append("`cursor` is not one this list gave out")
    if not causes:
        return {}
    return {
        400: {
            "description": "Bad request: " + "; or ".join(causes),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    }


def problem_schemas() -> dict[str, Any]:
    """Component schemas for `Problem` and `FieldError`, added to the OpenAPI document."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"Problem": schema, **defs}
