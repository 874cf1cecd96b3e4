"""The progress report's figures: a handful of aggregate queries over the whole area, each grouped by the
areas one level below it (provinces of the country, districts of a province, subdistricts of a district).

A village's plan for a year is its newest revision of that year (the "current plan"); every plan figure and
every activity is taken from it, so the activities a revision copies are counted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.activities.models import Activity
from app.adoptions.models import Adoption
from app.assessments.models import Assessment
from app.forums.models import Forum
from app.forums.schemas import SUPPORT_TEAM_TARGET, VILLAGE_REPRESENTATIVE_TARGET
from app.plans.models import Plan
from app.plans.vocabulary import ActivityKind, ActivityStatus, PlanStatus
from app.reports.areas import Area, AreaLevel
from app.villages.models import Village

village_table = Village.__table__  # type: ignore[attr-defined]
plan_table = Plan.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]
assessment_table = Assessment.__table__  # type: ignore[attr-defined]
adoption_table = Adoption.__table__  # type: ignore[attr-defined]
forum_table = Forum.__table__  # type: ignore[attr-defined]


@dataclass
class Counts:
    """One area's raw counts; added together for the area above."""

    villages: int = 0
    reviewed: int = 0
    assessed: int = 0
    grade_a: int = 0
    certified: int = 0
    activities: int = 0
    self_reliance: int = 0
    joint: int = 0
    external_support: int = 0
    completed_by_community: int = 0
    adopted: int = 0
    adopted_budget_satang: int = 0
    forums: int = 0
    forums_full_participation: int = 0
    # district code → forums held there (for the two-a-year target of each district)
    forums_by_district: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            if name == "forums_by_district":
                for code, held in other.forums_by_district.items():
                    self.forums_by_district[code] = self.forums_by_district.get(code, 0) + held
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))


def _in_area(table: Table, area: Area) -> list[ColumnElement[bool]]:
    if area.level is AreaLevel.province:
        return [table.c.province_code == area.code]
    if area.level is AreaLevel.district:
        return [table.c.district_code == area.code]
    return []


def _group(table: Table, area: Area, village_code: Any) -> Any:
    """The code of the area one level below `area` that a row lies in."""
    if area.level is AreaLevel.national:
        return table.c.province_code
    if area.level is AreaLevel.province:
        return table.c.district_code
    return func.substr(village_code, 1, 6)


def _full_participation() -> ColumnElement[bool]:
    return (forum_table.c.support_team_count >= SUPPORT_TEAM_TARGET) & (
        forum_table.c.village_representative_count >= VILLAGE_REPRESENTATIVE_TARGET
    )


def _current(plan: Table) -> ColumnElement[bool]:
    newer = plan_table.alias("newer")
    return ~exists().where(
        newer.c.village_code == plan.c.village_code,
        newer.c.year == plan.c.year,
        newer.c.revision > plan.c.revision,
    )


async def progress_counts(session: AsyncSession, area: Area, year: int) -> dict[str, Counts]:
    """Counts for each area one level below `area` that has any (keyed by its code)."""
    out: dict[str, Counts] = {}

    def at(code: str) -> Counts:
        return out.setdefault(code, Counts())

    # Villages.
    g = (
        village_table.c.subdistrict_code
        if area.level is AreaLevel.district
        else _group(village_table, area, village_table.c.code)
    )
    for code, n in await session.execute(
        select(g, func.count()).where(*_in_area(village_table, area)).group_by(g)
    ):
        at(code).villages = int(n)

    # Current plans: reviewed, assessed, newest quality grade, certified. Each plan's assessments are
    # grouped once and joined (a subquery per plan would run tens of thousands of times at national scale).
    of_year = plan_table.alias("of_year")
    assessed = (
        select(
            assessment_table.c.plan_id,
            func.max(assessment_table.c.id).filter(assessment_table.c.kind == "quality").label("quality_id"),
        )
        .join(of_year, of_year.c.id == assessment_table.c.plan_id)
        .where(of_year.c.year == year, *_in_area(of_year, area))
        .group_by(assessment_table.c.plan_id)
        .subquery("assessed")
    )
    newest_quality = assessment_table.alias("newest_quality")
    g = _group(plan_table, area, plan_table.c.village_code)
    plans = (
        select(
            g,
            func.count(),
            func.count(assessed.c.plan_id),
            func.count().filter(newest_quality.c.grade == "A"),
            func.count().filter(plan_table.c.status == PlanStatus.certified.value),
        )
        .select_from(
            plan_table.outerjoin(assessed, assessed.c.plan_id == plan_table.c.id).outerjoin(
                newest_quality, newest_quality.c.id == assessed.c.quality_id
            )
        )
        .where(plan_table.c.year == year, _current(plan_table), *_in_area(plan_table, area))
        .group_by(g)
    )
    for code, reviewed, with_assessment, grade_a, certified in await session.execute(plans):
        c = at(code)
        c.reviewed, c.assessed, c.grade_a, c.certified = (
            int(reviewed),
            int(with_assessment),
            int(grade_a),
            int(certified),
        )

    # Activities of the current plans, cancelled ones left out, and their adoption.
    g = _group(activity_table, area, activity_table.c.village_code)
    self_reliance = activity_table.c.kind == ActivityKind.self_reliance.value
    activities = (
        select(
            g,
            func.count(),
            func.count().filter(self_reliance),
            func.count().filter(activity_table.c.kind == ActivityKind.joint.value),
            func.count().filter(activity_table.c.kind == ActivityKind.external_support.value),
            func.count().filter(self_reliance, activity_table.c.status == ActivityStatus.completed.value),
            func.count(adoption_table.c.activity_id),
            func.coalesce(func.sum(adoption_table.c.budget_satang), 0),
        )
        .select_from(
            activity_table.join(plan_table, plan_table.c.id == activity_table.c.plan_id).outerjoin(
                adoption_table, adoption_table.c.activity_id == activity_table.c.id
            )
        )
        .where(
            plan_table.c.year == year,
            _current(plan_table),
            activity_table.c.status != ActivityStatus.cancelled.value,
            *_in_area(activity_table, area),
            *_in_area(plan_table, area),
        )
        .group_by(g)
    )
    for code, total, sr, joint, external, completed, adopted, budget in await session.execute(activities):
        c = at(code)
        c.activities, c.self_reliance, c.joint, c.external_support = (
            int(total),
            int(sr),
            int(joint),
            int(external),
        )
        c.completed_by_community, c.adopted, c.adopted_budget_satang = (
            int(completed),
            int(adopted),
            int(budget),
        )

    # District forums of the fiscal year, by district, rolled up to the areas below (a district report has
    # none below it: `district_forums` counts its own).
    if area.level is not AreaLevel.district:
        full = _full_participation()
        forums = (
            select(forum_table.c.district_code, func.count(), func.count().filter(full))
            .where(forum_table.c.fiscal_year == year, *_in_area(forum_table, area))
            .group_by(forum_table.c.district_code)
        )
        for district, held, with_full in await session.execute(forums):
            c = at(district[:2] if area.level is AreaLevel.national else district)
            c.forums += int(held)
            c.forums_full_participation += int(with_full)
            c.forums_by_district[district] = int(held)
    return out


async def district_forums(session: AsyncSession, district: str, year: int) -> tuple[int, int]:
    """(forums held, forums with the full target group) in a district in a fiscal year."""
    full = _full_participation()
    row = (
        await session.execute(
            select(func.count(), func.count().filter(full)).where(
                forum_table.c.fiscal_year == year, forum_table.c.district_code == district
            )
        )
    ).one()
    return int(row[0]), int(row[1])
