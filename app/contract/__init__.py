"""The OpenAPI document as a self-describing contract for integrators who generate clients from it.

FastAPI builds the document from the routes; `describe(app, schema)` then adds, in one place, what the
routes do not say themselves: the tags in reading order, who may call each operation (read off its access
rule), the problems it answers, the response headers, the security schemes, request examples, Thai labels
for the domain's words, and the webhook payloads. Everything generated from the code (roles, statuses,
enum labels, event types) cannot drift from it; `tests/contract/test_openapi_contract.py` checks the rest.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.contract import descriptions, examples, fields, headers, security, tags

GUIDE = """
**Roles and scopes.** Every caller has a role (`village_committee`, `district_officer`, `lgo_planner`,
`provincial_officer`, `admin`) bound to an area, its scope (a village, district, local government or
province; everything for admin). Each operation's description says which roles may call it; a caller sees
only what its scope covers, and a resource outside it answers 404.

**Problems.** The `type` of a problem is a page on this server (`/problems/not-found`, …) that explains it
and what to do, in English or Thai; `/problems/` lists them all.

**Headers.** Reads of a resource and the writes that change it answer its `ETag`; creates answer
`Location`; a replayed `Idempotency-Key` answers `Idempotent-Replayed: true`; 429 and 503 answer
`Retry-After`; every answer carries `X-Request-ID` and, when counted against a rate limit, `RateLimit` and
`RateLimit-Policy`.

**Webhooks.** What each event's delivery carries, and how it is signed, is in this document's `webhooks`
section; the same events are in the feed (`events_list`).
"""


def describe(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Complete the document FastAPI built for `app` (in place; also returned)."""
    info = schema.setdefault("info", {})
    info["description"] = info.get("description", "").rstrip() + "\n" + GUIDE
    headers.add_api_problems(schema)  # before the descriptions, which list every problem
    descriptions.apply(app, schema)
    headers.apply(schema)
    security.apply(schema)
    examples.apply(schema)
    fields.apply(schema)
    tags.apply(schema)
    return schema


__all__ = ["describe"]
