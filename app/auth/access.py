"""Who may call what: every `/api/v1` route declares one access rule, and scopes narrow every query.

A rule names the roles that may ever perform the operation (others get 403, whatever the resource).
Which rows a caller can see is decided by the scope conditions below, applied inside the repositories'
queries, so a list can never leak rows from outside the caller's area; a row outside it answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from sqlalchemy import Table
from sqlalchemy.sql.elements import ColumnElement

from app.core.actor import Actor, CurrentActor, Role
from app.core.errors import Forbidden
from app.core.scope import Scope

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class AccessRule:
    name: str
    roles: frozenset[Role]
    authenticated: bool = True


def access(name: str, *roles: Role) -> Any:
    """A route dependency: 403 unless the caller's role is one of `roles` (all roles when none given)."""
    rule = AccessRule(name, frozenset(roles) or ALL_ROLES)

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in rule.roles:
            raise Forbidden("detail.forbidden")
        return actor

    check.access_rule = rule  # type: ignore[attr-defined]
    return Depends(check)


def public(name: str) -> Any:
    """A route dependency marking an operation that needs no credentials (logging in)."""
    rule = AccessRule(name, frozenset(), authenticated=False)

    async def allow() -> None:
        return None

    allow.access_rule = rule  # type: ignore[attr-defined]
    return Depends(allow)


def rule_of(dependency: Callable[..., Any]) -> AccessRule | None:
    return getattr(dependency, "access_rule", None)


# Which rows a caller sees: thin names over `app.core.scope.Scope`, where the role → area rule lives.


def village_condition(actor: Actor, village: Table) -> ColumnElement[bool]:
    """The villages the caller can see (and, for roles that write them, change)."""
    return Scope.of(actor).village_condition(village)


def village_scope(actor: Actor) -> tuple[str, str | None] | None:
    """`village_condition` for statements compiled once (see `Scope.village_bind`)."""
    return Scope.of(actor).village_bind()


def village_values_in_scope(actor: Actor, values: dict[str, str | None]) -> bool:
    """The same rule on a village not yet stored (creation): `values` has the village's columns."""
    return Scope.of(actor).village_values(values)


def local_government_condition(
    actor: Actor, lgo: Table, coverage: Table, subdistrict: Table, village: Table
) -> ColumnElement[bool]:
    """The local governments the caller can see: those of its area, and the province's own (อบจ.)."""
    return Scope.of(actor).local_government_condition(lgo, coverage, subdistrict, village)


def sees_local_government(actor: Actor, code: str) -> bool | None:
    """`local_government_condition` where the scope alone decides; None when it takes the database."""
    return Scope.of(actor).sees_local_government(code)


def located_condition(actor: Actor, table: Table, village: Table) -> ColumnElement[bool]:
    """Rows that carry `village_code`, `district_code` and `province_code` (plans, activities): the
    caller's by the same rule as villages."""
    return Scope.of(actor).located_condition(table, village)


def located_scope(actor: Actor) -> tuple[str, str | None] | None:
    """`located_condition` for statements compiled once (see `Scope.located_bind`)."""
    return Scope.of(actor).located_bind()


def located_values_in_scope(
    actor: Actor, village_code: str, district_code: str, province_code: str, local_government_code: str | None
) -> bool:
    """`located_condition` on values already read (bulk uploads check rows against it)."""
    return Scope.of(actor).located_values(village_code, district_code, province_code, local_government_code)
