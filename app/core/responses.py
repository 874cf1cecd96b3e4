"""JSON responses for hot read paths: rendered straight to bytes by pydantic's serializer."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel
from starlette.responses import Response


@dataclass(frozen=True)
class Rendered:
    """A body rendered to JSON already, in the shape of the route's response model (say, a page of rows
    the database gave, serialised without validating them into models first)."""

    body: bytes


def json_response(model: BaseModel | Rendered, headers: dict[str, str] | None = None) -> Response:
    """The model as JSON without FastAPI's re-validation and dict round trip. The route still declares
    `response_model`, which documents the shape; the model was built from trusted rows."""
    if isinstance(model, Rendered):
        body = model.body
    else:
        body = model.__pydantic_serializer__.to_json(model)
    return Response(body, media_type="application/json", headers=headers)
