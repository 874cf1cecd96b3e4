"""The progress report against the seed's targets for 2553 (SPEC §2), for an area the caller can see.

Targets: every village reviews its plan (100 %) and has it assessed (100 %); self-reliance activities at least
30 % of the activities (quality indicator 6); activities the community carries out itself at least 30 %
(target 4: counted as self-reliance activities completed); two district forums a year in every district.
The seed sets no number for grade A, certification or adoption: those figures carry no target.

Who may ask: admin (any area; the country by default), a provincial officer (its province or a district of
it; its province by default), a district officer (its district, the default). Areas are public reference
data (`/provinces`, `/districts`): another area that exists is refused as outside the caller's scope (403),
never said not to exist; a code that names no area is invalid input (422).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.core.errors import FieldIssue, Forbidden, Invalid
from app.core.money import from_satang
from app.core.scope import Scope
from app.core.thai import current_year
from app.reports import areas, repository, tally
from app.reports.areas import Area, AreaLevel
from app.reports.repository import Counts
from app.reports.schemas import ActivityCounts, AreaRef, ForumFigures, ProgressReport, ProgressRow, Share

FORUMS_PER_DISTRICT = 2
TARGET_PERCENT: dict[str, int | None] = {
    "plans_reviewed": 100,
    "plans_assessed": 100,
    "quality_grade_a": None,
    "certified": None,
    "self_reliance": 30,
    "completed_by_community": 30,
    "adopted": None,
}
CHILD_LEVEL = {
    AreaLevel.national: AreaLevel.province,
    AreaLevel.province: AreaLevel.district,
    AreaLevel.district: AreaLevel.subdistrict,
}


def share(count: int, of: int, target: int | None) -> Share:
    percent = None
    if of > 0:
        percent = float(
            (Decimal(count) * 100 / Decimal(of)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        )
    # Compared exactly, not on the rounded percentage.
    met = None if target is None or of == 0 else count * 100 >= target * of
    return Share(count=count, of=of, percent=percent, target_percent=target, met=met)


def _forums(c: Counts, districts: int) -> ForumFigures:
    meeting = sum(1 for held in c.forums_by_district.values() if held >= FORUMS_PER_DISTRICT)
    return ForumFigures(
        held=c.forums,
        target=FORUMS_PER_DISTRICT * districts,
        met=districts > 0 and meeting >= districts,
        districts=districts,
        districts_meeting_target=meeting,
        meeting_participation_target=c.forums_full_participation,
    )


def _row(area: Area, c: Counts, districts: int | None) -> ProgressRow:
    def s(name: str, count: int, of: int) -> Share:
        return share(count, of, TARGET_PERCENT[name])

    return ProgressRow(
        area=AreaRef(level=area.level, code=area.code, name_th=area.name_th, name_en=area.name_en),
        villages=c.villages,
        plans_reviewed=s("plans_reviewed", c.reviewed, c.villages),
        plans_assessed=s("plans_assessed", c.assessed, c.villages),
        quality_grade_a=s("quality_grade_a", c.grade_a, c.villages),
        certified=s("certified", c.certified, c.villages),
        activities=ActivityCounts(
            total=c.activities,
            self_reliance=c.self_reliance,
            joint=c.joint,
            external_support=c.external_support,
        ),
        self_reliance=s("self_reliance", c.self_reliance, c.activities),
        completed_by_community=s("completed_by_community", c.completed_by_community, c.activities),
        adopted=s("adopted", c.adopted, c.activities),
        adopted_budget=from_satang(c.adopted_budget_satang),
        forums=None if districts is None else _forums(c, districts),
    )


async def resolve_area(
    session: AsyncSession, actor: Actor, province_code: str | None, district_code: str | None
) -> Area:
    """The area asked for (or the caller's own when none is named): 422 for codes that name no area, 403
    for an area outside the caller's scope."""
    issues: list[FieldIssue] = []
    province = district = None
    if province_code is not None:
        province = await areas.find(session, AreaLevel.province, province_code)
        if province is None:
            issues.append(FieldIssue("province_code", "field.unknown_province", code=province_code))
    if district_code is not None:
        district = await areas.find(session, AreaLevel.district, district_code)
        if district is None:
            issues.append(FieldIssue("district_code", "field.unknown_district", code=district_code))
        elif province_code is not None and not district_code.startswith(province_code):
            issues.append(
                FieldIssue(
                    "district_code",
                    "field.district_outside_province",
                    code=district_code,
                    province=province_code,
                )
            )
    if issues:
        raise Invalid(*issues)
    area = district or province
    if area is None:
        scope = Scope.of(actor)
        if scope.everything or scope.code is None:
            return areas.NATIONAL
        own = areas.own_level(actor)
        found = await areas.find(session, own, scope.code) if own else None
        if found is None or not areas.covers(actor, found.level, scope.code):
            raise Forbidden("detail.forbidden")
        return found
    assert area.code is not None
    if not areas.covers(actor, area.level, area.code):
        what = "District" if area.level is AreaLevel.district else "Province"
        raise Forbidden("detail.area_outside_scope", what=what, code=area.code)
    return area


async def progress(
    session: AsyncSession,
    actor: Actor,
    province_code: str | None,
    district_code: str | None,
    year: int | None,
    *,
    from_scratch: bool = False,
) -> ProgressReport:
    """The report from the tallies the database keeps; `from_scratch` computes the same figures from the
    plans, activities and forums themselves (the reference the tallies are checked against)."""
    area = await resolve_area(session, actor, province_code, district_code)
    year = year or current_year()
    source = repository if from_scratch else tally
    counts = await source.progress_counts(session, area, year)
    children = await areas.children(session, area)
    districts = await areas.district_counts(session, area)
    totals = Counts()
    for c in counts.values():
        totals.add(c)
    area_districts = sum(districts.values())
    if area.level is AreaLevel.district:
        assert area.code is not None
        totals.forums, totals.forums_full_participation = await source.district_forums(
            session, area.code, year
        )
        totals.forums_by_district = {area.code: totals.forums}
        area_districts = 1
    child_has_forums = area.level is not AreaLevel.district
    return ProgressReport(
        year=year,
        area=AreaRef(level=area.level, code=area.code, name_th=area.name_th, name_en=area.name_en),
        breakdown_level=CHILD_LEVEL[area.level],
        totals=_row(area, totals, area_districts),
        breakdown=[
            _row(
                child,
                counts.get(child.code or "", Counts()),
                districts.get(child.code or "", 0) if child_has_forums else None,
            )
            for child in children
        ],
    )
