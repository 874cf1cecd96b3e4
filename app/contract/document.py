"""Walking the OpenAPI document and finding the route behind each of its operations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.core.routing import iter_api_routes

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document: its paths' and its webhooks'."""
    return [op for _, _, _, op in walk(schema, ("paths", "webhooks"))]


def walk(
    schema: dict[str, Any], sections: tuple[str, ...] = ("paths",)
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(section, path or webhook name, method, operation) for each operation of the given sections."""
    for section in sections:
        for path, item in schema.get(section, {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    yield section, path, method, item[method]


def routes_by_operation(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """The route behind each (path, method) of the document's paths."""
    found: dict[tuple[str, str], APIRoute] = {}
    for route in iter_api_routes(list(app.routes)):
        if route.include_in_schema:
            for method in route.methods or ():
                found.setdefault((route.path_format, method.lower()), route)
    return found
