"""Which rows a caller may see: its `Scope`, made from the caller once (`Scope.of(actor)`), and the one rule,
role → area, that every domain's visibility follows. A leaf of `core/` (it knows tables only as arguments).

A scope is everything (an admin), or an area level and that area's code: a village, a district, a province
or a local government. A scoped role without a code sees nothing. Each rule comes in the shapes a domain
needs: a SQL condition on a table's area columns, the same as a bind parameter for statements compiled once
(`app.core.reads`), and a check of plain values (rows not yet stored, rows already read).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from app.core.actor import Actor, Role


class Level(enum.StrEnum):
    everything = "everything"
    village = "village"
    district = "district"
    province = "province"
    local_government = "local_government"


# The one place a role names an area level.
ROLE_LEVEL: dict[Role, Level] = {
    Role.admin: Level.everything,
    Role.village_committee: Level.village,
    Role.district_officer: Level.district,
    Role.provincial_officer: Level.province,
    Role.lgo_planner: Level.local_government,
}
# How long a scope's code is at each level (DOPA codes: province 2, district 4, village 8; local
# governments 7), checked when a key or user is given a scope.
CODE_LENGTH: dict[Level, int | None] = {
    Level.everything: None,
    Level.village: 8,
    Level.district: 4,
    Level.province: 2,
    Level.local_government: 7,
}
# Which village column a scope's code is compared with.
VILLAGE_COLUMN: dict[Level, str] = {
    Level.village: "code",
    Level.district: "district_code",
    Level.local_government: "local_government_code",
    Level.province: "province_code",
}
# Which column of a located row (plans, activities: `village_code`, `district_code`, `province_code`); a
# local government's rows are found through their village.
LOCATED_COLUMN: dict[Level, str] = {
    Level.village: "village_code",
    Level.district: "district_code",
    Level.province: "province_code",
}
VIA_LOCAL_GOVERNMENT = "local_government"


@dataclass(frozen=True)
class Scope:
    level: Level
    code: str | None

    @classmethod
    def of(cls, actor: Actor) -> Scope:
        level = ROLE_LEVEL[actor.role]
        return cls(level, None if level is Level.everything else actor.scope_code)

    @property
    def everything(self) -> bool:
        return self.level is Level.everything

    @property
    def nothing(self) -> bool:
        return not self.everything and self.code is None

    # Villages

    def village_condition(self, village: Table) -> ColumnElement[bool]:
        """The villages in scope (and, for roles that write them, those they may change)."""
        if self.everything:
            return true()
        if self.code is None:
            return false()
        return village.c[VILLAGE_COLUMN[self.level]] == self.code

    def village_bind(self) -> tuple[str, str | None] | None:
        """`village_condition` for statements compiled once: None for everything, else the village column
        the code is compared with, and that code (None: no village)."""
        if self.everything:
            return None
        return VILLAGE_COLUMN[self.level], self.code

    def village_values(self, values: dict[str, Any]) -> bool:
        """The same rule on a village's column values (one not yet stored)."""
        if self.everything:
            return True
        return self.code is not None and values.get(VILLAGE_COLUMN[self.level]) == self.code

    # Rows placed at a village (plans, activities)

    def located_condition(self, table: Table, village: Table) -> ColumnElement[bool]:
        if self.everything:
            return true()
        if self.code is None:
            return false()
        if self.level is Level.local_government:
            return table.c.village_code.in_(
                select(village.c.code).where(village.c.local_government_code == self.code)
            )
        return table.c[LOCATED_COLUMN[self.level]] == self.code

    def located_bind(self) -> tuple[str, str | None] | None:
        """`located_condition` for statements compiled once: None for everything, else what the code is
        compared with (a column of the row, or `VIA_LOCAL_GOVERNMENT`: its village's) and that code."""
        if self.everything:
            return None
        if self.level is Level.local_government:
            return VIA_LOCAL_GOVERNMENT, self.code
        return LOCATED_COLUMN[self.level], self.code

    def located_values(
        self, village_code: str, district_code: str, province_code: str, local_government_code: str | None
    ) -> bool:
        if self.everything:
            return True
        own = {
            Level.village: village_code,
            Level.district: district_code,
            Level.province: province_code,
            Level.local_government: local_government_code,
        }[self.level]
        return self.code is not None and own == self.code

    # Local governments

    def local_government_condition(
        self, lgo: Table, coverage: Table, subdistrict: Table, village: Table
    ) -> ColumnElement[bool]:
        """The local governments in scope: those of the area, and the province's own (อบจ.)."""
        if self.everything:
            return true()
        code = self.code
        if code is None:
            return false()
        if self.level is Level.province:
            return lgo.c.province_code == code
        if self.level is Level.local_government:
            return lgo.c.code == code
        province_wide = and_(lgo.c.province_code == code[:2], lgo.c.kind == "provincial_administration")
        if self.level is Level.district:
            in_district = (
                select(coverage.c.local_government_code)
                .join(subdistrict, subdistrict.c.code == coverage.c.subdistrict_code)
                .where(subdistrict.c.district_code == code)
            )
            return or_(lgo.c.code.in_(in_district), province_wide)
        own = select(village.c.local_government_code).where(village.c.code == code).scalar_subquery()
        return or_(lgo.c.code == own, province_wide)

    def sees_local_government(self, code: str) -> bool | None:
        """`local_government_condition` where the scope alone decides: True or False; None when it takes
        the database to know."""
        if self.everything:
            return True
        if self.level is Level.local_government:
            return self.code == code
        return None

    def is_other_local_government(self, code: str) -> bool:
        """A local government's scope, and `code` names another one."""
        return self.level is Level.local_government and self.code != code

    # One area named by its code

    def is_own(self, code: str) -> bool:
        """Everything, or exactly the scope's own area (a district's forums, a province's new local
        government)."""
        return self.everything or self.code == code

    def own_condition(self, column: Any) -> ColumnElement[bool]:
        """Rows whose `column` holds the scope's own code (everything: all rows)."""
        if self.everything:
            return true()
        return column == self.code

    # Rows that record their area as province and district codes (the audit log)

    def area_condition(self, province: Any, district: Any) -> ColumnElement[bool]:
        """Rows of the scope's province or district (everything: all rows). Other levels see none: a
        village's or a local government's scope does not reach rows kept by province and district."""
        if self.everything:
            return true()
        if self.code is None:
            return false()
        if self.level is Level.province:
            return province == self.code
        if self.level is Level.district:
            return district == self.code
        return false()

    def area(self) -> tuple[str | None, str | None]:
        """The province and district the scope lies in (a village's: those of its code), for rows that
        record their area that way; (None, None) for everything and for a local government's scope."""
        if self.code is None or self.level in (Level.everything, Level.local_government):
            return None, None
        return self.code[:2], self.code[:4] if len(self.code) >= 4 else None
