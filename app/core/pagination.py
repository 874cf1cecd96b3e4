"""Keyset (cursor) pagination: signed opaque cursors and the `{items, next_cursor}` page shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from app.core import jsonlimits
from app.core.errors import BadRequest
from app.core.secrets import app_keys

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class PageParams:
    limit: int
    after: tuple[Any, ...] | None
    _secret: bytes
    _scope: str

    def next_cursor(self, rows: Sequence[Any], key: Any) -> str | None:
        """Given up to `limit + 1` rows, the cursor for the page after the first `limit` (or None)."""
        if len(rows) <= self.limit:
            return None
        last = rows[self.limit - 1]
        return self.cursor_for(tuple(key(last)))

    def cursor_for(self, values: tuple[Any, ...]) -> str:
        return encode_cursor(self._secret, self._scope, values)


def _sign(secret: bytes, scope: str, payload: bytes) -> bytes:
    return hmac.new(secret, scope.encode() + b"\0" + payload, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(secret: bytes, scope: str, values: tuple[Any, ...]) -> str:
    payload = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b64(payload)}.{_b64(_sign(secret, scope, payload))}"


def decode_cursor(keys: Sequence[bytes], scope: str, cursor: str) -> tuple[Any, ...]:
    """The values of a cursor signed with any of `keys` (cursors handed out before a key rotation stay
    good while the old key is kept)."""
    try:
        payload_text, signature_text = cursor.split(".", 1)
        payload = _unb64(payload_text)
        signature = _unb64(signature_text)
        if not any(hmac.compare_digest(signature, _sign(key, scope, payload)) for key in keys):
            raise ValueError("signature")
        values = jsonlimits.loads(payload)
        if not isinstance(values, list):
            raise ValueError("shape")
        return tuple(values)
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("detail.bad_cursor") from exc


async def page_params(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="`next_cursor` of the previous page")
    ] = None,
) -> PageParams:
    keys = await app_keys(request.app)
    route = request.scope.get("route")
    scope = getattr(route, "path", request.url.path)
    after = decode_cursor(keys.cursor_keys, scope, cursor) if cursor else None
    return PageParams(limit=limit, after=after, _secret=keys.signing, _scope=scope)


PageDep = Annotated[PageParams, Depends(page_params)]
