"""Honest parameters: a query parameter the route does not declare is refused, not silently ignored
(`?distrct_code=8405` would otherwise answer every village)."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.params import ParamTypes

from app.core.errors import DomainError, FieldIssue

_MAX_REPORTED = 20


class UnknownQueryParameter(DomainError):
    status, slug, title_key = 422, "validation", "title.validation"


def declared_names(dependant: Dependant, where: ParamTypes = ParamTypes.query) -> frozenset[str]:
    """The parameters a route takes (query ones by default), from its whole dependency tree: what its OpenAPI
    operation lists (FastAPI's `get_flat_params` is what builds that list)."""
    return frozenset(
        field.alias for field in get_flat_params(dependant) if getattr(field.field_info, "in_", None) == where
    )


def _refuse(unknown: list[str], declared: Iterable[str]) -> UnknownQueryParameter:
    allowed = ", ".join(sorted(declared))
    key = "field.unknown_query" if allowed else "field.no_query"
    # A client can send any number of names of any length: the problem stays small.
    names = [name[:100] for name in unknown[:_MAX_REPORTED]]
    issues = [FieldIssue(f"query.{name}", key, allowed=allowed) for name in names]
    return UnknownQueryParameter("detail.unknown_query", field_issues=issues, names=", ".join(names))


async def known_query_only(request: Request) -> None:
    """422 naming every query parameter the matched route does not declare (the route class adds this to
    every route; its declared names are worked out once, when the route is made)."""
    if not request.scope["query_string"]:
        return
    declared: frozenset[str] | None = getattr(request.scope.get("route"), "query_names", None)
    if declared is None:
        return
    unknown = [name for name in request.query_params if name not in declared]
    if unknown:
        raise _refuse(unknown, declared)


KnownQueryOnly = Depends(known_query_only)
