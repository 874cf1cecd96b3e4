"""The router every `/api/v1` domain uses: transactional, with problem responses, and (by default)
authenticated. Each route still declares its own access rule (`app.auth.access`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.auth.dependencies import current_actor
from app.core.errors import problem_responses
from app.core.uow import TransactionalRoute


def api_router(tag: str, *, authenticated: bool = True) -> APIRouter:
    return APIRouter(
        tags=[tag],
        route_class=TransactionalRoute,
        dependencies=[Depends(current_actor)] if authenticated else [],
        responses=problem_responses(403) if authenticated else problem_responses(),
    )
