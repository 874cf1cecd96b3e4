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
from sqlalchemy import Table, and_, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from app.core.actor import Actor, CurrentActor, Role
from app.core.errors import Forbidden

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


# Which village column a scoped role's code is compared with.
VILLAGE_SCOPE_COLUMN: dict[Role, str] = {
    Role.village_committee: "code",
    Role.district_officer: "district_code",
    Role.lgo_planner: "local_government_code",
    Role.provincial_officer: "province_code",
}


def village_condition(actor: Actor, village: Table) -> ColumnElement[bool]:
    """The villages the caller can see (and, for roles that write them, change)."""
    if actor.role is Role.admin:
        return true()
    if actor.scope_code is None:
        return false()
    return village.c[VILLAGE_SCOPE_COLUMN[actor.role]] == actor.scope_code


def village_scope(actor: Actor) -> tuple[str, str | None] | None:
    """`village_condition` for statements compiled once: None for admin (every village), else the village
    column the caller's scope code is compared with, and that code (None: the caller sees no village)."""
    if actor.role is Role.admin:
        return None
    return VILLAGE_SCOPE_COLUMN[actor.role], actor.scope_code


def village_values_in_scope(actor: Actor, values: dict[str, str | None]) -> bool:
    """The same rule on a village not yet stored (creation): `values` has the village's columns."""
    if actor.role is Role.admin:
        return True
    return actor.scope_code is not None and values.get(VILLAGE_SCOPE_COLUMN[actor.role]) == actor.scope_code


def local_government_condition(
    actor: Actor, lgo: Table, coverage: Table, subdistrict: Table, village: Table
) -> ColumnElement[bool]:
    """The local governments the caller can see: those of its area, and the province's own (อบจ.)."""
    if actor.role is Role.admin:
        return true()
    code = actor.scope_code
    if code is None:
        return false()
    if actor.role is Role.provincial_officer:
        return lgo.c.province_code == code
    if actor.role is Role.lgo_planner:
        return lgo.c.code == code
    province_wide = and_(lgo.c.province_code == code[:2], lgo.c.kind == "provincial_administration")
    if actor.role is Role.district_officer:
        in_district = (
            select(coverage.c.local_government_code)
            .join(subdistrict, subdistrict.c.code == coverage.c.subdistrict_code)
            .where(subdistrict.c.district_code == code)
        )
        return or_(lgo.c.code.in_(in_district), province_wide)
    # village committee: its own village's local government
    own = select(village.c.local_government_code).where(village.c.code == code).scalar_subquery()
    return or_(lgo.c.code == own, province_wide)


def sees_local_government(actor: Actor, code: str) -> bool | None:
    """`local_government_condition` where the role alone decides (admin, a local government's own
    planner): True or False; None when it takes the database to know."""
    if actor.role is Role.admin:
        return True
    if actor.role is Role.lgo_planner:
        return actor.scope_code == code
    return None


def located_condition(actor: Actor, table: Table, village: Table) -> ColumnElement[bool]:
    """Rows that carry `village_code`, `district_code` and `province_code` (plans, activities): the
    caller's by the same rule as villages."""
    if actor.role is Role.admin:
        return true()
    code = actor.scope_code
    if code is None:
        return false()
    if actor.role is Role.lgo_planner:
        return table.c.village_code.in_(select(village.c.code).where(village.c.local_government_code == code))
    column = {
        Role.village_committee: "village_code",
        Role.district_officer: "district_code",
        Role.provincial_officer: "province_code",
    }[actor.role]
    return table.c[column] == code


def located_scope(actor: Actor) -> tuple[str, str | None] | None:
    """`located_condition` for statements compiled once: None for admin, else what the caller's scope code
    is compared with (a column of the row, or "local_government": its village's) and that code."""
    if actor.role is Role.admin:
        return None
    if actor.role is Role.lgo_planner:
        return "local_government", actor.scope_code
    column = {
        Role.village_committee: "village_code",
        Role.district_officer: "district_code",
        Role.provincial_officer: "province_code",
    }[actor.role]
    return column, actor.scope_code


def located_values_in_scope(
    actor: Actor, village_code: str, district_code: str, province_code: str, local_government_code: str | None
) -> bool:
    """`located_condition` on values already read (bulk uploads check rows against it)."""
    if actor.role is Role.admin:
        return True
    own = {
        Role.village_committee: village_code,
        Role.district_officer: district_code,
        Role.provincial_officer: province_code,
        Role.lgo_planner: local_government_code,
    }[actor.role]
    return actor.scope_code is not None and own == actor.scope_code
