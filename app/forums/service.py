"""Rules for district forums: a real district in the caller's scope, a date at most a year ahead, counts
that cannot be negative, and proposed plans that exist, are visible to the caller and are the district's.

Who reaches what (reads are filtered in the queries; a forum out of reach answers 404):
- admin: every forum; records and changes any.
- district_officer: its district's forums; records and changes them (another district: 403 to record,
  404 to change).
- provincial_officer: reads its province's forums. village_committee: reads its village's district's.
  lgo_planner: reads those of the districts its tambons lie in (its province when it lists none).

A forum counts towards the Thai fiscal year its date falls in (FY 2569 = 1 Oct 2025 – 30 Sep 2026), the
year whose targets (two forums per district) it meets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import FieldIssue, Forbidden, Invalid, NotFound
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.core.scope import Scope
from app.core.thai import fiscal_year_of, today
from app.forums import repository
from app.forums.models import Forum
from app.forums.schemas import (
    SUPPORT_TEAM_TARGET,
    VILLAGE_REPRESENTATIVE_TARGET,
    ForumCreate,
    ForumPage,
    ForumRead,
    ForumUpdate,
    PlanLink,
)

RESOURCE = "Forum"
# 1 January 1957 CE is in fiscal year 2500 BE, the first year the API accepts anywhere.
EARLIEST = dt.date(1957, 1, 1)


def _a_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def meets_participation_target(support_team: int, representatives: int) -> bool:
    return support_team >= SUPPORT_TEAM_TARGET and representatives >= VILLAGE_REPRESENTATIVE_TARGET


def read(forum: Any, plan_ids: list[int]) -> ForumRead:
    return ForumRead(
        id=forum.id,
        district_code=forum.district_code,
        province_code=forum.province_code,
        date=forum.date,
        fiscal_year=forum.fiscal_year,
        title=forum.title,
        agenda=forum.agenda,
        support_team_count=forum.support_team_count,
        village_representative_count=forum.village_representative_count,
        meets_participation_target=meets_participation_target(
            forum.support_team_count, forum.village_representative_count
        ),
        outcomes=forum.outcomes,
        plan_ids=plan_ids,
        plans=[PlanLink(id=i, href=f"/api/v1/plans/{i}") for i in plan_ids],
        created_by=forum.created_by,
        created_at=forum.created_at,
        updated_at=forum.updated_at,
    )


def _date_issues(day: dt.date) -> list[FieldIssue]:
    latest = _a_year_after(today())
    if day > latest:
        return [FieldIssue("date", "field.date_too_far", latest=latest.isoformat())]
    if day < EARLIEST:
        return [FieldIssue("date", "field.date_too_early", earliest=EARLIEST.isoformat())]
    return []


async def _district(session: AsyncSession, actor: Actor, code: str) -> tuple[str | None, list[FieldIssue]]:
    """The district's province, after checking that it exists and that the caller may hold its forums."""
    province = await repository.district_province(session, code)
    if province is None:
        return None, [FieldIssue("district_code", "field.unknown_district", code=code)]
    if not Scope.of(actor).is_own(code):
        raise Forbidden("detail.outside_scope", code=code)
    return province, []


async def _plan_issues(
    session: AsyncSession, actor: Actor, district: str, ids: list[int]
) -> list[FieldIssue]:
    found = await repository.plan_districts(session, actor, ids)
    issues: list[FieldIssue] = []
    seen: set[int] = set()
    for i, plan_id in enumerate(ids):
        field = f"plan_ids.{i}"
        if plan_id in seen:
            issues.append(FieldIssue(field, "field.duplicate", value=plan_id))
        elif plan_id not in found:
            # Plans outside the caller's scope are as unknown as plans that do not exist.
            issues.append(FieldIssue(field, "field.unknown_plan", id=plan_id))
        elif found[plan_id] != district:
            issues.append(
                FieldIssue(
                    field,
                    "field.plan_other_district",
                    id=plan_id,
                    plan_district=found[plan_id],
                    district=district,
                )
            )
        seen.add(plan_id)
    return issues


async def create(session: AsyncSession, actor: Actor, data: ForumCreate) -> tuple[ForumRead, str]:
    province, issues = await _district(session, actor, data.district_code)
    issues += _date_issues(data.date)
    if province is not None:
        issues += await _plan_issues(session, actor, data.district_code, data.plan_ids)
    if issues:
        raise Invalid(*issues)
    assert province is not None
    forum = Forum(
        district_code=data.district_code,
        province_code=province,
        date=data.date,
        fiscal_year=fiscal_year_of(data.date),
        title=data.title,
        agenda=data.agenda,
        support_team_count=data.support_team_count,
        village_representative_count=data.village_representative_count,
        outcomes=data.outcomes,
        created_by=actor.principal,
    )
    session.add(forum)
    await session.flush()
    assert forum.id is not None
    await repository.replace_plans(session, forum.id, data.plan_ids)
    return read(forum, sorted(data.plan_ids)), etag_of(forum)


async def get(session: AsyncSession, actor: Actor, forum_id: int) -> tuple[ForumRead, str]:
    forum = await repository.get(session, actor, forum_id)
    if forum is None:
        raise NotFound(RESOURCE, forum_id)
    ids = (await repository.plan_ids(session, [forum_id]))[forum_id]
    return read(forum, ids), etag_of(forum)


async def update(
    session: AsyncSession, actor: Actor, forum_id: int, data: ForumUpdate, if_match: str | None
) -> tuple[ForumRead, str]:
    forum = await repository.get(session, actor, forum_id, for_update=True)
    if forum is None:
        raise NotFound(RESOURCE, forum_id)
    check_if_match(if_match, forum)
    given = data.model_fields_set
    issues: list[FieldIssue] = []
    district, province = forum.district_code, forum.province_code
    if data.district_code is not None and data.district_code != forum.district_code:
        found, issues = await _district(session, actor, data.district_code)
        district, province = data.district_code, found or province
    if data.date is not None:
        issues += _date_issues(data.date)
    assert forum.id is not None
    current_plans = (await repository.plan_ids(session, [forum.id]))[forum.id]
    plan_ids = data.plan_ids if data.plan_ids is not None else current_plans
    if not issues and (data.plan_ids is not None or district != forum.district_code):
        issues += await _plan_issues(session, actor, district, plan_ids)
    if issues:
        raise Invalid(*issues)
    for field in ("title", "support_team_count", "village_representative_count"):
        value = getattr(data, field)
        if value is not None:
            setattr(forum, field, value)
    for field in ("agenda", "outcomes"):
        if field in given:
            setattr(forum, field, getattr(data, field))
    if data.date is not None:
        forum.date, forum.fiscal_year = data.date, fiscal_year_of(data.date)
    forum.district_code, forum.province_code = district, province
    forum.updated_at = utcnow()
    await session.flush()
    if data.plan_ids is not None:
        await repository.replace_plans(session, forum.id, data.plan_ids)
    return read(forum, sorted(plan_ids)), etag_of(forum)


async def list_page(session: AsyncSession, actor: Actor, page: PageParams, **filters: Any) -> ForumPage:
    rows = await repository.list_page(session, actor, page, filters)
    shown = rows[: page.limit]
    ids = await repository.plan_ids(session, [r.id for r in shown])
    return ForumPage(
        items=[read(r, ids[r.id]) for r in shown],
        next_cursor=page.next_cursor(rows, lambda r: (r.date.isoformat(), r.id)),
    )
