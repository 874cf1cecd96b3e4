"""Response headers, documented once in `components/headers` and referenced from each answer that sends
them; and the problems every `/api/v1` operation may answer whatever it does (429, 503)."""

from __future__ import annotations

from typing import Any

from app.contract.document import walk
from app.core.errors import PROBLEM_JSON
from app.core.idempotency import REPLAY_HEADER
from app.core.routing import API_PREFIX

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The resource's current version. Send it back as `If-Match` when you change or "
        "delete the resource: the write is refused with 412 if someone changed it since.",
        "required": True,
        "schema": {"type": "string", "examples": ['"3-63f1a2b4c5d6e"']},
    },
    "Location": {
        "description": "Where the resource this answer created (or the bulk job it started) can be read.",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference", "examples": ["/api/v1/villages/84010101"]},
    },
    REPLAY_HEADER: {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "`Idempotency-Key` and body: nothing was done again.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "How many seconds to wait before sending the request again.",
        "schema": {"type": "integer", "minimum": 0, "examples": [5]},
    },
    "X-Request-ID": {
        "description": "The request's id: the caller's own `X-Request-ID` when it is sane, else a new one. "
        "Every answer carries it, problems also as `request_id`, and the service logs it: quote it when "
        "you report a problem.",
        "required": True,
        "schema": {"type": "string", "maxLength": 200, "examples": ["0b6f3c8e9d5a4e1f8a7b2c3d4e5f6a7b"]},
    },
    "RateLimit": {
        "description": "The caller's quota left in each rate-limit policy (IETF "
        "draft-ietf-httpapi-ratelimit-headers): `r` requests remain for the next `t` seconds. Sent on "
        "every answer counted against a limit, per API key or user and per client address.",
        "schema": {"type": "string", "examples": ['"caller";r=598;t=41, "address";r=1190;t=41']},
    },
    "RateLimit-Policy": {
        "description": "The rate-limit policies the request was counted against (IETF "
        "draft-ietf-httpapi-ratelimit-headers): `q` requests per window of `w` seconds.",
        "schema": {"type": "string", "examples": ['"caller";q=600;w=60, "address";q=1200;w=60']},
    },
    "WWW-Authenticate": {
        "description": "`Bearer`: send an API key or a user token as `Authorization: Bearer …`.",
        "schema": {"type": "string", "examples": ["Bearer"]},
    },
    "Geography-Data-Version": {
        "description": "The version of the `geothai` data set the provinces, districts and subdistricts "
        "come from.",
        "schema": {"type": "string"},
    },
}

# Sent on every answer of every operation (the rate-limit headers only when the request was counted).
EVERY_ANSWER = ("X-Request-ID", "RateLimit", "RateLimit-Policy")

# operationId -> the statuses whose answers carry the resource's ETag.
ETAG: dict[str, tuple[int, ...]] = {
    **{
        f"{domain}_get": (200,)
        for domain in (
            "villages",
            "local_governments",
            "plans",
            "activities",
            "users",
            "webhook_subscriptions",
            "forums",
            "lessons",
        )
    },
    **{
        f"{domain}_update": (200,)
        for domain in (
            "villages",
            "local_governments",
            "plans",
            "activities",
            "committee_members",
            "users",
            "webhook_subscriptions",
            "forums",
            "lessons",
        )
    },
    **{
        f"{domain}_create": (201,)
        for domain in (
            "villages",
            "local_governments",
            "plans",
            "plans_activities",
            "committee_members",
            "users",
            "webhook_subscriptions",
            "forums",
            "lessons",
        )
    },
    "plans_revise": (201,),
    "plans_transition": (200,),
    "activities_adopt": (200, 201),
}

# operationId -> the status whose answer carries `Location`: what a create made, or a bulk job.
LOCATION: dict[str, int] = {
    **{
        f"{domain}_create": 201
        for domain in (
            "villages",
            "local_governments",
            "plans",
            "plans_activities",
            "plans_assessments",
            "committee_members",
            "users",
            "api_keys",
            "webhook_subscriptions",
            "forums",
            "lessons",
        )
    },
    "plans_revise": 201,
    "bulk_upload": 202,
}

GEOGRAPHY = ("provinces_", "districts_", "subdistricts_")

# Problems any `/api/v1` operation may answer, whatever it does.
ANY_API_PROBLEM: dict[str, str] = {
    "429": "Too many requests: retry after the seconds in Retry-After (see the RateLimit header)",
    "503": "Busy: retry after the given seconds",
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def add_api_problems(schema: dict[str, Any]) -> None:
    """Every `/api/v1` operation may be refused by the rate limit (429), or find the database busy with
    another write (503, SQLite): both say when to retry."""
    for _, path, _, operation in walk(schema):
        if path.startswith(API_PREFIX + "/"):
            for status, description in ANY_API_PROBLEM.items():
                operation["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                )


def apply(schema: dict[str, Any]) -> None:
    schema.setdefault("components", {})["headers"] = HEADERS
    for _, _, _, operation in walk(schema):
        op_id = operation.get("operationId", "")
        takes_key = any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
        for status_text, answer in operation.get("responses", {}).items():
            status = int(status_text) if status_text.isdigit() else 0
            names = list(EVERY_ANSWER)
            if status in ETAG.get(op_id, ()):
                names.append("ETag")
            if LOCATION.get(op_id) == status:
                names.append("Location")
            if takes_key and 200 <= status < 300:
                names.append(REPLAY_HEADER)
            if status in (429, 503):
                names.append("Retry-After")
            if status == 401:
                names.append("WWW-Authenticate")
            if status == 200 and op_id.startswith(GEOGRAPHY):
                names.append("Geography-Data-Version")
            documented = answer.setdefault("headers", {})
            for name in names:
                documented.setdefault(name, ref(name))
