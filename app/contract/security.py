"""The two ways to authenticate, as security schemes every authenticated operation lists as alternatives:
an API key sent as a bearer token (machines), or a user token from the OAuth2 password flow (people).

Both arrive as `Authorization: Bearer …` and are checked by one dependency (`app.core.actor`), which
declares the bearer scheme; the OAuth2 flow is declared here rather than as a second dependency, so that
the header is still read once per request.
"""

from __future__ import annotations

from typing import Any

from app.contract.document import walk
from app.core.routing import API_PREFIX

BEARER = "HTTPBearer"
OAUTH2 = "OAuth2PasswordBearer"
TOKEN_URL = f"{API_PREFIX}/auth/token"

SCHEMES: dict[str, dict[str, Any]] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`cpk_…`, made by an admin with `api_keys_create` or "
        "`cplan create-api-key`) as `Authorization: Bearer cpk_…`: how machines call. A user token from "
        "the OAuth2 password flow is sent the same way.",
    },
    OAUTH2: {
        "type": "oauth2",
        "description": f"A user signs in with the OAuth2 password flow (`POST {TOKEN_URL}`, form fields "
        "`username` and `password`) and sends the token it gets as `Authorization: Bearer …`; it expires "
        "after 30 minutes.",
        "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": {}}},
    },
}


def apply(schema: dict[str, Any]) -> None:
    schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(SCHEMES)
    for _, _, _, operation in walk(schema):
        requirements = operation.get("security")
        if requirements and {BEARER: []} in requirements and {OAUTH2: []} not in requirements:
            requirements.append({OAUTH2: []})
