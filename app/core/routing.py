"""The router every `/api/v1` domain uses: transactional, with problem responses, and (by default)
authenticated. Each route still declares its own access rule (`app.auth.access`)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute, request_response

from app.core.actor import current_actor
from app.core.errors import problem_responses
from app.core.uow import TransactionalRoute

API_PREFIX = "/api/v1"


def location(*parts: object) -> str:
    """The path of a resource under the API's prefix, for a `Location` header: `location("plans", 7)`
    (a part may carry its own slashes: `location("/webhook-subscriptions", 3)`)."""
    return "/".join([API_PREFIX, *(str(part).strip("/") for part in parts)])


def operation_id(route: APIRoute) -> str:
    """The stable operationId of a route: its endpoint's name (`villages_list`, `plans_transition`)."""
    return route.name


def api_router(tag: str, *, authenticated: bool = True) -> APIRouter:
    # The prefix is the router's own, so each route's `path` is the full template (metrics, cursors).
    # Authentication is a router dependency so that it is resolved before the route's own: it may write
    # (a key's last use), which on SQLite must happen before the request takes its write lock.
    return APIRouter(
        prefix=API_PREFIX,
        tags=[tag],
        route_class=TransactionalRoute,
        generate_unique_id_function=operation_id,
        dependencies=[Depends(current_actor)] if authenticated else [],
        responses=problem_responses(403) if authenticated else problem_responses(),
    )


def mount_routes(app: FastAPI, router: APIRouter) -> None:
    """Add a router's routes to the app's own list. `include_router` would keep the router nested and
    try each included router in turn on every request; the routes already carry their full path,
    tags, responses and dependencies."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            # The routers are module-level and shared by every app made in the process: each app gets its
            # own copy of a route, pointing at it for `dependency_overrides` as include_router would, with
            # its handler built again (the handler captures that provider). Body size is limited by our
            # own middleware, not by FastAPI's wrapper, which had no limit set.
            route = copy.copy(route)
            route.dependency_overrides_provider = app
            route.app = request_response(route.get_route_handler())
        app.router.routes.append(route)


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


def allowed_methods_of(request: Request) -> list[str]:
    """The methods the request's path takes in its app (the `Allow` header of a 405)."""
    return allowed_methods(list(request.app.routes), request.url.path)
