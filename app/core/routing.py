"""The router every `/api/v1` domain uses: authenticated, transactional, with problem responses."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.auth.dependencies import current_actor
from app.core.errors import problem_responses
from app.core.uow import TransactionalRoute


def api_router(tag: str) -> APIRouter:
    return APIRouter(
        tags=[tag],
        route_class=TransactionalRoute,
        dependencies=[Depends(current_actor)],
        responses=problem_responses(),
    )
