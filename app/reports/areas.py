"""Areas as reports, forums and lessons see them: the country, a province, a district, a subdistrict or a
village; which exist, their names, and which of them a caller's scope covers or lies in.

DOPA codes nest (a district code starts with its province code, a subdistrict's with its district's, a
village's with its subdistrict's), so an area's ancestors are prefixes of its code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, and_, exists, false, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.core.actor import Actor
from app.core.scope import Level, Scope
from app.geography.models import District, Province, Subdistrict
from app.local_governments.models import LocalGovernment, LocalGovernmentSubdistrict
from app.villages.models import Village

province_table = Province.__table__  # type: ignore[attr-defined]
district_table = District.__table__  # type: ignore[attr-defined]
subdistrict_table = Subdistrict.__table__  # type: ignore[attr-defined]
village_table = Village.__table__  # type: ignore[attr-defined]
local_government_table = LocalGovernment.__table__  # type: ignore[attr-defined]
local_government_subdistrict_table = LocalGovernmentSubdistrict.__table__  # type: ignore[attr-defined]


class AreaLevel(enum.StrEnum):
    national = "national"
    province = "province"
    district = "district"
    subdistrict = "subdistrict"
    village = "village"


CODE_LENGTH: dict[AreaLevel, int] = {
    AreaLevel.province: 2,
    AreaLevel.district: 4,
    AreaLevel.subdistrict: 6,
    AreaLevel.village: 8,
}
LEVEL_TH: dict[AreaLevel, str] = {
    AreaLevel.national: "ประเทศ",
    AreaLevel.province: "จังหวัด",
    AreaLevel.district: "อำเภอ",
    AreaLevel.subdistrict: "ตำบล",
    AreaLevel.village: "หมู่บ้าน",
}
# Where each level's code is kept on rows that carry an area (lessons, forums, plans, activities).
CODE_COLUMN: dict[AreaLevel, str] = {
    AreaLevel.province: "province_code",
    AreaLevel.district: "district_code",
    AreaLevel.subdistrict: "subdistrict_code",
    AreaLevel.village: "village_code",
}
_AREA_TABLES: dict[AreaLevel, Table] = {
    AreaLevel.province: province_table,
    AreaLevel.district: district_table,
    AreaLevel.subdistrict: subdistrict_table,
    AreaLevel.village: village_table,
}
# The area a scope's code names (a local government's is no one area).
SCOPE_AREA: dict[Level, AreaLevel] = {
    Level.village: AreaLevel.village,
    Level.district: AreaLevel.district,
    Level.province: AreaLevel.province,
}


@dataclass(frozen=True)
class Area:
    level: AreaLevel
    code: str | None
    name_th: str
    name_en: str


NATIONAL = Area(AreaLevel.national, None, "ทั้งประเทศ", "Thailand")


def ancestor_codes(level: AreaLevel, code: str) -> dict[AreaLevel, str]:
    """The area's own code and those of the areas containing it, by level."""
    return {lvl: code[:n] for lvl, n in CODE_LENGTH.items() if n <= CODE_LENGTH[level]}


async def find(session: AsyncSession, level: AreaLevel, code: str) -> Area | None:
    """The area of this level and code, or None when there is no such area."""
    if level is AreaLevel.national:
        return NATIONAL
    if len(code) != CODE_LENGTH[level]:
        return None
    table = _AREA_TABLES[level]
    row = (
        await session.execute(select(table.c.name_th, table.c.name_en).where(table.c.code == code))
    ).first()
    if row is None:
        return None
    return Area(level, code, row.name_th, row.name_en or "")


async def children(session: AsyncSession, area: Area) -> list[Area]:
    """The areas one level below (provinces of the country, districts of a province, subdistricts of a
    district), in code order."""
    if area.level is AreaLevel.national:
        table, level, condition = province_table, AreaLevel.province, true()
    elif area.level is AreaLevel.province:
        table, level, condition = (
            district_table,
            AreaLevel.district,
            district_table.c.province_code == area.code,
        )
    elif area.level is AreaLevel.district:
        table, level, condition = (
            subdistrict_table,
            AreaLevel.subdistrict,
            subdistrict_table.c.district_code == area.code,
        )
    else:
        return []
    rows = await session.execute(
        select(table.c.code, table.c.name_th, table.c.name_en).where(condition).order_by(table.c.code)
    )
    return [Area(level, r.code, r.name_th, r.name_en) for r in rows]


async def district_counts(session: AsyncSession, area: Area) -> dict[str, int]:
    """How many districts each child of `area` has (a district counts itself once)."""
    if area.level is AreaLevel.national:
        query = select(district_table.c.province_code, func.count()).group_by(district_table.c.province_code)
    elif area.level is AreaLevel.province:
        query = select(district_table.c.code, literal(1)).where(district_table.c.province_code == area.code)
    else:
        return {}
    return {code: int(n) for code, n in await session.execute(query)}


# Which rows a caller's scope reaches


def _lgo_subdistricts(code: str) -> Select[Any]:
    return select(local_government_subdistrict_table.c.subdistrict_code).where(
        local_government_subdistrict_table.c.local_government_code == code
    )


def _lgo_districts(code: str) -> Select[Any]:
    return (
        select(subdistrict_table.c.district_code)
        .join(
            local_government_subdistrict_table,
            local_government_subdistrict_table.c.subdistrict_code == subdistrict_table.c.code,
        )
        .where(local_government_subdistrict_table.c.local_government_code == code)
    )


def _lgo_province(code: str) -> ColumnElement[str]:
    return (
        select(local_government_table.c.province_code)
        .where(local_government_table.c.code == code)
        .scalar_subquery()
    )


def _lgo_covers_nothing(code: str) -> ColumnElement[bool]:
    # A local government with no listed tambons (an อบจ., say) covers its whole province.
    return ~exists().where(local_government_subdistrict_table.c.local_government_code == code)


def own_level(actor: Actor) -> AreaLevel | None:
    """The level of the area the caller's scope code names, if it names one."""
    return SCOPE_AREA.get(Scope.of(actor).level)


def covers(actor: Actor, level: AreaLevel, code: str) -> bool:
    """Whether the caller may see reports on this province or district: an admin any, a province its own
    and its districts, a district itself."""
    scope = Scope.of(actor)
    if scope.everything:
        return True
    if scope.level is Level.province:
        return code[:2] == scope.code
    if scope.level is Level.district:
        return level is AreaLevel.district and code == scope.code
    return False


def district_row_condition(actor: Actor, table: Table) -> ColumnElement[bool]:
    """Rows held by a district (`district_code`, `province_code`; forums) that the caller can see: those of
    its province or district, a village's own district, the districts a local government's tambons lie in."""
    scope = Scope.of(actor)
    if scope.everything:
        return true()
    code = scope.code
    if code is None:
        return false()
    if scope.level is Level.province:
        return table.c.province_code == code
    if scope.level is Level.district:
        return table.c.district_code == code
    if scope.level is Level.village:
        return table.c.district_code == code[:4]
    return or_(
        table.c.district_code.in_(_lgo_districts(code)),
        and_(_lgo_covers_nothing(code), table.c.province_code == _lgo_province(code)),
    )


def within_condition(actor: Actor, table: Table) -> ColumnElement[bool]:
    """Rows placed at an area (`province_code` … `village_code`, unused levels null; lessons) that lie inside
    the caller's own area: what it may write."""
    scope = Scope.of(actor)
    if scope.everything:
        return true()
    code = scope.code
    if code is None or scope.level not in SCOPE_AREA:
        return false()
    return table.c[CODE_COLUMN[SCOPE_AREA[scope.level]]] == code


def placed_condition(actor: Actor, table: Table) -> ColumnElement[bool]:
    """Rows placed at an area that the caller can see: those inside its own area, and those placed at an
    area containing it (a district officer sees its province's; a village committee its tambon's, district's
    and province's). A local government sees the tambons it covers and their districts and province."""
    scope = Scope.of(actor)
    if scope.everything:
        return true()
    code = scope.code
    if code is None:
        return false()
    level_col = table.c.scope_level
    if scope.level is Level.local_government:
        province = _lgo_province(code)
        return or_(
            table.c.subdistrict_code.in_(_lgo_subdistricts(code)),
            and_(_lgo_covers_nothing(code), table.c.province_code == province),
            and_(level_col == AreaLevel.district.value, table.c.district_code.in_(_lgo_districts(code))),
            and_(level_col == AreaLevel.province.value, table.c.province_code == province),
        )
    own = SCOPE_AREA[scope.level]
    above = [
        and_(level_col == level.value, table.c[CODE_COLUMN[level]] == ancestor)
        for level, ancestor in ancestor_codes(own, code).items()
        if level is not own
    ]
    return or_(within_condition(actor, table), *above)


def values_within(actor: Actor, codes: dict[AreaLevel, str]) -> bool:
    """`within_condition` on an area not yet stored: `codes` are the area's codes by level."""
    scope = Scope.of(actor)
    if scope.everything:
        return True
    if scope.code is None or scope.level not in SCOPE_AREA:
        return False
    return codes.get(SCOPE_AREA[scope.level]) == scope.code
