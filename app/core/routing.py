"""The router every `/api/v1` domain uses: transactional, with problem responses, and (by default)
authenticated. Each route still declares its own access rule (`app.auth.access`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

from app.auth.dependencies import current_actor
from app.core.errors import problem_responses
from app.core.uow import TransactionalRoute

API_PREFIX = "/api/v1"


def api_router(tag: str, *, authenticated: bool = True) -> APIRouter:
    # The prefix is the router's own, so each route's `path` is the full template (metrics, cursors).
    return APIRouter(
        prefix=API_PREFIX,
        tags=[tag],
        route_class=TransactionalRoute,
        dependencies=[Depends(current_actor)] if authenticated else [],
        responses=problem_responses(403) if authenticated else problem_responses(),
    )


def iter_api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute of an app, including those of included routers (which FastAPI keeps nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None and inner is not route:
            yield from iter_api_routes(list(getattr(inner, "routes", [])))


def allowed_methods(routes: list[Any], path: str) -> list[str]:
    methods: set[str] = set()
    for route in iter_api_routes(routes):
        if route.path_regex.match(path):
            methods |= route.methods or set()
    return sorted(methods)
