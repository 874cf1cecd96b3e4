"""JSON responses for hot read paths: rendered straight to bytes by pydantic's serializer."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def json_response(model: BaseModel, headers: dict[str, str] | None = None) -> Response:
    """The model as JSON without FastAPI's re-validation and dict round trip. The route still declares
    `response_model`, which documents the shape; the model was built from trusted rows."""
    body = model.__pydantic_serializer__.to_json(model)
    return Response(body, media_type="application/json", headers=headers)
