"""The progress report's counts read from the tallies the database keeps (`app/reports/models.py`, kept by
the triggers of migration 5d1e8a7c3b90 in the transaction of every write), and the repair that rebuilds them.

`repository.progress_counts` stays as the reference: the same counts from scratch. Both give identical
`Counts` (tests/reports/test_progress_tallies.py; `cplan check-reports` on a live database). The tallies
rely on an activity carrying its plan's area codes, which every write path copies from the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.reports.areas import Area, AreaLevel
from app.reports.models import ProgressForum, ProgressUnit, ProgressVillage
from app.reports.repository import Counts

unit_table: Table = ProgressUnit.__table__  # type: ignore[attr-defined]
village_tally: Table = ProgressVillage.__table__  # type: ignore[attr-defined]
forum_tally: Table = ProgressForum.__table__  # type: ignore[attr-defined]

CHILD_COLUMN = {
    AreaLevel.national: "province_code",
    AreaLevel.province: "district_code",
    AreaLevel.district: "subdistrict_code",
}
UNIT_SUMS = (
    "assessed",
    "grade_a",
    "certified",
    "activities",
    "self_reliance",
    "joint",
    "external_support",
    "completed",
    "adopted",
    "adopted_budget_satang",
)


def _in_area(table: Table, area: Area) -> list[Any]:
    if area.level is AreaLevel.province:
        return [table.c.province_code == area.code]
    if area.level is AreaLevel.district:
        return [table.c.district_code == area.code]
    return []


async def progress_counts(session: AsyncSession, area: Area, year: int) -> dict[str, Counts]:
    """What `repository.progress_counts` computes, summed from the tallies."""
    out: dict[str, Counts] = {}

    def at(code: str) -> Counts:
        return out.setdefault(code, Counts())

    g = village_tally.c[CHILD_COLUMN[area.level]]
    villages = select(g, func.sum(village_tally.c.villages)).where(*_in_area(village_tally, area)).group_by(g)
    for code, n in await session.execute(villages):
        if n:
            at(code).villages = int(n)

    g = unit_table.c[CHILD_COLUMN[area.level]]
    units = (
        select(g, func.count(), *(func.sum(unit_table.c[name]) for name in UNIT_SUMS))
        .where(unit_table.c.year == year, *_in_area(unit_table, area))
        .group_by(g)
    )
    for code, reviewed, *sums in await session.execute(units):
        c = at(code)
        c.reviewed = int(reviewed)
        (
            c.assessed,
            c.grade_a,
            c.certified,
            c.activities,
            c.self_reliance,
            c.joint,
            c.external_support,
            c.completed_by_community,
            c.adopted,
            c.adopted_budget_satang,
        ) = (int(n) for n in sums)

    if area.level is not AreaLevel.district:
        held = func.sum(forum_tally.c.held)
        forums = (
            select(forum_tally.c.district_code, held, func.sum(forum_tally.c.full_participation))
            .where(forum_tally.c.fiscal_year == year, *_in_area(forum_tally, area))
            .group_by(forum_tally.c.district_code)
            .having(held > 0)
        )
        for district, n, with_full in await session.execute(forums):
            c = at(district[:2] if area.level is AreaLevel.national else district)
            c.forums += int(n)
            c.forums_full_participation += int(with_full)
            c.forums_by_district[district] = int(n)
    return out


async def district_forums(session: AsyncSession, district: str, year: int) -> tuple[int, int]:
    """(forums held, forums with the full target group) in a district in a fiscal year."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(forum_tally.c.held), 0),
                func.coalesce(func.sum(forum_tally.c.full_participation), 0),
            ).where(forum_tally.c.fiscal_year == year, forum_tally.c.district_code == district)
        )
    ).one()
    return int(row[0]), int(row[1])


# Checking and repairing: every tally row against the same rows computed from scratch.

# The forum targets of app/forums/schemas.py.
_FULL_FORUM = "support_team_count >= 20 AND village_representative_count >= 35"
FROM_SCRATCH: dict[str, tuple[Table, str]] = {
    "progress_unit": (
        unit_table,
        """
SELECT p.year, p.village_code, p.id AS plan_id, p.province_code, p.district_code,
  substr(p.village_code, 1, 6) AS subdistrict_code,
  CASE WHEN EXISTS (SELECT 1 FROM assessment s WHERE s.plan_id = p.id) THEN 1 ELSE 0 END AS assessed,
  CASE WHEN (SELECT s.grade FROM assessment s WHERE s.plan_id = p.id AND s.kind = 'quality'
             ORDER BY s.id DESC LIMIT 1) = 'A' THEN 1 ELSE 0 END AS grade_a,
  CASE WHEN p.status = 'certified' THEN 1 ELSE 0 END AS certified,
  coalesce(a.activities, 0) AS activities, coalesce(a.self_reliance, 0) AS self_reliance,
  coalesce(a.joint, 0) AS joint, coalesce(a.external_support, 0) AS external_support,
  coalesce(a.completed, 0) AS completed, coalesce(a.adopted, 0) AS adopted,
  coalesce(a.budget, 0) AS adopted_budget_satang
FROM plan p LEFT JOIN (
  SELECT x.plan_id, count(*) AS activities,
    sum(CASE WHEN x.kind = 'self_reliance' THEN 1 ELSE 0 END) AS self_reliance,
    sum(CASE WHEN x.kind = 'joint' THEN 1 ELSE 0 END) AS joint,
    sum(CASE WHEN x.kind = 'external_support' THEN 1 ELSE 0 END) AS external_support,
    sum(CASE WHEN x.kind = 'self_reliance' AND x.status = 'completed' THEN 1 ELSE 0 END) AS completed,
    count(d.activity_id) AS adopted, sum(coalesce(d.budget_satang, 0)) AS budget
  FROM activity x LEFT JOIN adoption d ON d.activity_id = x.id
  WHERE x.status <> 'cancelled' GROUP BY x.plan_id
) a ON a.plan_id = p.id
WHERE NOT EXISTS (
  SELECT 1 FROM plan n WHERE n.village_code = p.village_code AND n.year = p.year AND n.revision > p.revision)
""",
    ),
    "progress_village": (
        village_tally,
        """
SELECT province_code, district_code, subdistrict_code, count(*) AS villages FROM village
GROUP BY province_code, district_code, subdistrict_code
""",
    ),
    "progress_forum": (
        forum_tally,
        f"""
SELECT fiscal_year, province_code, district_code, count(*) AS held,
  sum(CASE WHEN {_FULL_FORUM} THEN 1 ELSE 0 END) AS full_participation
FROM forum GROUP BY fiscal_year, province_code, district_code
""",
    ),
}


@dataclass
class Drift:
    table: str
    key: tuple[Any, ...]
    kept: dict[str, Any] | None
    from_scratch: dict[str, Any] | None


def _by_key(table: Table, rows: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    key = [c.name for c in table.primary_key.columns]
    counts = [c.name for c in table.columns if c.name not in key and isinstance(c.type, Integer)]
    out = {}
    for row in rows:
        values = {name: int(v) if isinstance(v, int | Decimal) else v for name, v in row._mapping.items()}
        # A village or forum tally that counts nothing is the same as no row (a unit always counts its plan).
        if table is unit_table or any(values[c] for c in counts):
            out[tuple(values[k] for k in key)] = values
    return out


async def check(session: AsyncSession) -> list[Drift]:
    """Every tally row that differs from the same row computed from scratch (none, if the triggers held)."""
    drift: list[Drift] = []
    for name, (table, query) in FROM_SCRATCH.items():
        kept = _by_key(table, await session.execute(select(*table.columns)))
        scratch = _by_key(table, await session.execute(text(query)))
        for key in sorted(kept.keys() | scratch.keys(), key=str):
            if kept.get(key) != scratch.get(key):
                drift.append(Drift(name, key, kept.get(key), scratch.get(key)))
    return drift


async def rebuild(session: AsyncSession) -> None:
    """Recompute every tally from scratch, in the caller's transaction (writers that would move them wait
    for it on PostgreSQL)."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(
            text("LOCK TABLE progress_unit, progress_village, progress_forum IN SHARE ROW EXCLUSIVE MODE")
        )
    for name, (table, query) in FROM_SCRATCH.items():
        columns = ", ".join(c.name for c in table.columns)
        await session.execute(text(f"DELETE FROM {name}"))
        await session.execute(text(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM ({query}) AS q"))
