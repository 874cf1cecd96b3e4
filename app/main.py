"""create_app(): routers, error handlers, middleware, health, metrics and the offline docs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_swagger.resources
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from starlette.types import ASGIApp

from app.activities.router import router as activities_router
from app.adoptions.router import router as adoptions_router
from app.assessments.router import router as assessments_router
from app.audit import service as audit
from app.audit.router import router as audit_router
from app.auth.passwords import Passwords
from app.auth.router import login_router
from app.auth.router import router as auth_router
from app.auth.service import Authenticator, SignIn
from app.auth.throttle import login_throttle
from app.bulk.router import router as bulk_router
from app.committee.router import router as committee_router
from app.contract import describe
from app.contract.webhooks import install as install_webhooks
from app.core import heap, idempotency
from app.core.config import Settings, get_settings
from app.core.db import Database, database_from_settings
from app.core.errors import Problem, _Internal, install_error_handlers, problem_schemas, render
from app.core.middleware import BodySizeLimit, Cors, Metrics, RateLimit, RequestContext
from app.core.ratelimit import RateLimiter
from app.core.routing import API_PREFIX, allowed_methods_of, mount_routes, operation_id
from app.core.secrets import app_keys, app_secret, key_source
from app.events.router import router as events_router
from app.forums.router import router as forums_router
from app.geography.router import router as geography_router
from app.lessons.router import router as lessons_router
from app.local_governments.router import router as local_governments_router
from app.migrations import current_revisions, head_revisions
from app.plans.router import router as plans_router
from app.problems.router import router as problems_router
from app.reports.router import page_router as reports_page_router
from app.reports.router import router as reports_router
from app.villages.router import router as villages_router
from app.webhooks.fanout import install as install_fan_out
from app.webhooks.router import router as webhooks_router
from app.workflow.router import router as workflow_router

SWAGGER_ASSETS = Path(fastapi_swagger.resources.__file__).parent

DESCRIPTION = """\
Community Plans API (แผนชุมชน): villages, local governments (อปท.), community plans and their workflow.

Every `/api/v1` call needs `Authorization: Bearer <API key or user token>`. Errors are RFC 9457
`application/problem+json`; send `Accept-Language: th` for Thai messages. Lists are cursor-paginated
(`limit`, `cursor` → `next_cursor`). Writes honour `If-Match` with the `ETag` you read; creating POSTs honour
`Idempotency-Key`. Every answer carries `X-Request-ID` (yours if you send one), repeated as `request_id` in
problems. Where rate limits are on, answers carry `RateLimit-Policy` and `RateLimit`, and a caller past its
limit gets `429` with `Retry-After`. Reads that send an `ETag` answer `304 Not Modified` (no body) to an
`If-None-Match` naming it. A query parameter an operation does not list is refused with a 422 problem
naming it.
"""

# Response headers a browser page may read on a cross-origin answer.
CORS_EXPOSED_HEADERS = (
    "ETag",
    "Location",
    "X-Request-ID",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "Idempotent-Replayed",
)
CORS_ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept-Language",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "Prefer",
    "X-Request-ID",
)


class _App(FastAPI):
    """FastAPI with the request context (X-Request-ID, the request log) and CORS outside everything else,
    its error middleware included: a 500 still carries its request id, and a browser can read it."""

    cors_origins: tuple[str, ...] = ()

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        if self.cors_origins:
            app = Cors(
                app,
                allow_origins=self.cors_origins,
                allow_methods=("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"),
                allow_headers=CORS_ALLOWED_HEADERS,
                expose_headers=CORS_EXPOSED_HEADERS,
            )
        return RequestContext(app)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    key_source(settings)  # no key to use (PostgreSQL without one): refuse to start, naming the settings
    db = db or database_from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await app_keys(app)  # a missing or unreadable key file stops the start, not the first request
        heap.settle()
        stop = asyncio.Event()
        tasks = []
        if settings.deliver_in_process:
            from app.bulk.runner import BulkJobRunner
            from app.webhooks.worker import DeliveryWorker

            worker = DeliveryWorker(db, settings)
            runner = BulkJobRunner(db, settings)
            app.state.job_runner = runner
            tasks = [asyncio.create_task(worker.run(stop)), asyncio.create_task(runner.run(stop))]
        yield
        stop.set()
        if tasks:
            await asyncio.gather(*tasks)
            await worker.close()
        app.state.passwords.close()
        await db.dispose()

    app = _App(
        title="Community Plans API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.keys_lock = asyncio.Lock()
    app.state.authenticator = Authenticator(db, settings.api_key_cache_seconds, lambda: app_secret(app))
    app.state.passwords = Passwords(settings.password_hash_concurrency, settings.password_hash_queue)
    app.state.login_throttle = login_throttle(settings)
    app.state.sign_in = SignIn(db, app.state.passwords, app.state.login_throttle)
    app.state.heads = head_revisions(settings.database_url)
    registry = CollectorRegistry()
    app.state.metrics_registry = registry

    install_error_handlers(app, allowed_methods=allowed_methods_of)

    idempotency.install(app)
    audit.install(app)
    install_fan_out()

    # Hot paths first: the routes planning systems poll are matched before the rest.
    for router in (
        villages_router,
        adoptions_router,
        events_router,
        activities_router,
        plans_router,
        workflow_router,
        assessments_router,
        committee_router,
        local_governments_router,
        geography_router,
        webhooks_router,
        bulk_router,
        login_router,
        auth_router,
        forums_router,
        lessons_router,
        reports_router,
        reports_page_router,
        audit_router,
    ):
        mount_routes(app, router)
    app.include_router(_system_router())
    app.include_router(problems_router)
    _install_docs(app)
    install_webhooks(app)
    _install_openapi(app)

    app.add_middleware(
        BodySizeLimit, limit=settings.max_body_bytes, streaming_prefixes=(f"{API_PREFIX}/bulk/",)
    )
    if settings.rate_limit_enabled:
        limiter = RateLimiter(
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            settings.rate_limit_address_per_minute,
            settings.rate_limit_address_burst,
        )
        app.add_middleware(RateLimit, limiter=limiter, authenticate=app.state.authenticator.authenticate)
    app.add_middleware(Metrics, registry=registry)
    app.cors_origins = tuple(settings.cors_origins)
    return app


def _system_router() -> APIRouter:
    router = APIRouter(tags=["system"])

    @router.get("/healthz", summary="The process is up")
    async def system_health() -> dict[str, str]:
        """Answers 200 while the process is up, without touching the database: for liveness probes."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Database reachable and migrated to head",
        responses={
            503: {
                "description": "Not ready",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        },
    )
    async def system_ready(request: Request) -> Response:
        """Answers 200 when the database is reachable and migrated to the head revision, and 503 otherwise:
        for readiness probes and load balancers.
        """
        db: Database = request.app.state.db
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            current = await current_revisions(db.engine)
        except Exception as exc:  # any failure to reach the database means "not ready"
            return _not_ready(request, type(exc).__name__)
        if current != request.app.state.heads:
            return _not_ready(
                request, f"migrations at {sorted(current)}, head is {sorted(request.app.state.heads)}"
            )
        return JSONResponse({"status": "ready", "migrations": sorted(current)})

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def system_metrics(request: Request) -> Response:
        """The process's Prometheus metrics in the text exposition format: requests by route, method and
        status, and their durations.
        """
        return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)

    return router


class _NotReady(_Internal):
    status, slug, title_key = 503, "not-ready", "title.unavailable"


def _not_ready(request: Request, reason: str) -> Response:
    return render(request, _NotReady("detail.not_ready", reason=reason))


def _install_docs(app: FastAPI) -> None:
    """Swagger UI served entirely by the app: a government intranet cannot reach a CDN."""
    app.mount("/docs/assets", StaticFiles(directory=SWAGGER_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Community Plans API — docs",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )


def _install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                webhooks=app.webhooks.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
            app.openapi_schema = describe(app, schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["Problem", "create_app"]
