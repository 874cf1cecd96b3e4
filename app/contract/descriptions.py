"""Each operation's description: what it does (the endpoint's docstring), who may call it (read off the
route's access rule) and which problems it answers (the statuses it declares)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.auth.access import AccessRule, rule_of
from app.contract.document import routes_by_operation, walk
from app.core.actor import Role
from app.plans.vocabulary import PLAN_STATUS_TH
from app.workflow.table import WORKFLOW

WHO = "**Who may call:**"
PROBLEMS = "**Problems:**"
ANYONE = f"{WHO} anyone; no credentials are needed."


def rules(dependant: Dependant) -> list[AccessRule]:
    """The access rules among a route's dependencies (the route's own and its parameters')."""
    found = [rule] if dependant.call and (rule := rule_of(dependant.call)) else []
    for sub in dependant.dependencies:
        found += rules(sub)
    return found


def roles_text(roles: frozenset[Role]) -> str:
    names = [f"`{role.value}`" for role in Role if role in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def who_may_call(route: APIRoute | None) -> str:
    """The sentence saying who may call a route, from its access rule: it cannot drift from the code."""
    found = rules(route.dependant) if route is not None else []
    if not found or not any(rule.authenticated for rule in found):
        return ANYONE
    rule = found[-1]
    if rule.roles == frozenset(Role):
        return (
            f"{WHO} any signed-in caller, whatever its role ({roles_text(rule.roles)}), with an API key or "
            f"a user token; it sees only what its scope covers (access rule `{rule.name}`)."
        )
    return (
        f"{WHO} {roles_text(rule.roles)}, with an API key or a user token, within its scope; any other role "
        f"is answered 403 (access rule `{rule.name}`)."
    )


def problems_answered(responses: dict[str, Any]) -> str:
    """The sentence listing the problems an operation declares, in status order."""
    listed = [
        f"{status} {answer.get('description', '').rstrip('.')}"
        for status, answer in sorted(responses.items())
        if status.isdigit() and int(status) >= 400
    ]
    if not listed:
        return ""
    return (
        f"{PROBLEMS} {'; '.join(listed)}. Each is `application/problem+json` whose `type` is a page on this "
        "server explaining it."
    )


def workflow_table() -> str:
    """The workflow's actions as a table, from the table the service runs on."""
    lines = ["| action | from | to | role | guard |", "|---|---|---|---|---|"]
    for action, step in WORKFLOW.items():
        sources = ", ".join(f"`{s.value}`" for s in sorted(step.sources, key=list(PLAN_STATUS_TH).index))
        guard = step.guard.name if step.guard else ("comment required" if step.comment_required else "—")
        lines.append(
            f"| `{action.value}` | {sources} | `{step.target.value}` ({PLAN_STATUS_TH[step.target]}) "
            f"| `{step.role.value}` | {guard} |"
        )
    return "\n".join(lines)


# Generated additions to particular operations, after what they do.
EXTRA: dict[str, Callable[[], str]] = {"plans_transition": workflow_table}


def apply(app: FastAPI, schema: dict[str, Any]) -> None:
    routes = routes_by_operation(app)
    for _, path, method, operation in walk(schema):
        what = operation.get("description", "").strip()
        extra = EXTRA.get(operation.get("operationId", ""))
        parts = [
            what,
            extra() if extra else "",
            who_may_call(routes.get((path, method))),
            problems_answered(operation.get("responses", {})),
        ]
        operation["description"] = "\n\n".join(part for part in parts if part)
