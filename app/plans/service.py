"""Rules for plans: one per village, year and revision; editable only in draft or returned; revisions
copy the activities forward (the yearly review)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.activities.models import Activity
from app.auth.access import village_values_in_scope
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, FieldIssue, Forbidden, Invalid, NotFound
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.lookups import Lookups
from app.plans import repository
from app.plans.models import Plan
from app.plans.schemas import PlanCreate, PlanPage, PlanRead, PlanUpdate, RevisionCreate
from app.plans.vocabulary import EDITABLE_PLAN_STATES, ActivityStatus, PlanStatus
from app.workflow.table import allowed_actions

RESOURCE = "Plan"


def plan_data(plan: Any) -> dict[str, Any]:
    """The plan as the API shows it, without the caller-specific `allowed_actions` (events carry this).
    `plan` is a `Plan` or a row of the plan's columns."""
    assert plan.id is not None
    return {
        "id": plan.id,
        "village_code": plan.village_code,
        "subdistrict_code": plan.village_code[:6],
        "district_code": plan.district_code,
        "province_code": plan.province_code,
        "year": plan.year,
        "revision": plan.revision,
        "title": plan.title,
        "status": plan.status,
        "households_total": plan.households_total,
        "households_contributing_data": plan.households_contributing_data,
        "participating_households": plan.participating_households,
        "lgo_participated_from_start": plan.lgo_participated_from_start,
        "sufficiency_economy_process": plan.sufficiency_economy_process,
        "book": {
            "href": f"/api/v1/plans/{plan.id}/book",
            "produced_at": plan.book_produced_at,
            "file_ref": plan.book_file_ref,
        },
        "previous_plan_id": plan.previous_plan_id,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


def read(plan: Any, actor: Actor) -> PlanRead:
    return PlanRead.model_validate(
        {**plan_data(plan), "allowed_actions": allowed_actions(plan.status, actor.role)}
    )


def ensure_editable(plan: Plan) -> None:
    if PlanStatus(plan.status) not in EDITABLE_PLAN_STATES:
        raise Conflict("detail.plan_frozen", status=plan.status)


def _check_counts(total: int, contributing: int, participating: int) -> None:
    issues = [
        FieldIssue(field, "field.over_total", field=field, value=value, total=total)
        for field, value in (
            ("households_contributing_data", contributing),
            ("participating_households", participating),
        )
        if value > total
    ]
    if issues:
        raise Invalid(*issues)


async def load(session: AsyncSession, actor: Actor, plan_id: int, *, for_update: bool = False) -> Plan:
    plan = await repository.get(session, actor, plan_id, for_update=for_update)
    if plan is None:
        raise NotFound(RESOURCE, plan_id)
    return plan


async def get(session: AsyncSession, actor: Actor, plan_id: int) -> tuple[PlanRead, str]:
    plan = await load(session, actor, plan_id)
    return read(plan, actor), etag_of(plan)


async def prepare(actor: Actor, data: PlanCreate, lookups: Lookups) -> dict[str, Any]:
    """Every rule a new plan must meet, and the row it becomes (single-row API and bulk uploads)."""
    village = await lookups.village(data.village_code)
    if village is None:
        raise Invalid(FieldIssue("village_code", "field.unknown_village", code=data.village_code))
    if not village_values_in_scope(actor, {**village.__dict__, "code": village.code}):
        raise Forbidden("detail.outside_scope", code=data.village_code)
    total = data.households_total if data.households_total is not None else village.households
    _check_counts(total, data.households_contributing_data, data.participating_households)
    return {
        "village_code": village.code,
        "district_code": village.district_code,
        "province_code": village.province_code,
        "year": data.year,
        "revision": 1,
        "title": data.title or f"แผนชุมชน{village.name_th} หมู่ที่ {village.moo} ปี {data.year}",
        "households_total": total,
        "households_contributing_data": data.households_contributing_data,
        "participating_households": data.participating_households,
        "lgo_participated_from_start": data.lgo_participated_from_start,
        "sufficiency_economy_process": data.sufficiency_economy_process,
        "book_file_ref": data.book_file_ref,
    }


async def create(session: AsyncSession, actor: Actor, data: PlanCreate) -> tuple[PlanRead, str]:
    values = await prepare(actor, data, Lookups(session))
    if await repository.latest_revision(session, data.village_code, data.year):
        raise Conflict("detail.plan_exists", village=data.village_code, year=data.year)
    plan = Plan(**values)
    session.add(plan)
    await session.flush()
    return read(plan, actor), etag_of(plan)


async def update(
    session: AsyncSession, actor: Actor, plan_id: int, data: PlanUpdate, if_match: str | None
) -> tuple[PlanRead, str]:
    plan = await load(session, actor, plan_id, for_update=True)
    check_if_match(if_match, plan)
    ensure_editable(plan)
    given = data.model_fields_set
    for field in given:
        setattr(plan, field, getattr(data, field))
    _check_counts(plan.households_total, plan.households_contributing_data, plan.participating_households)
    plan.updated_at = utcnow()
    await session.flush()
    return read(plan, actor), etag_of(plan)


async def delete(session: AsyncSession, actor: Actor, plan_id: int, if_match: str | None) -> None:
    plan = await load(session, actor, plan_id, for_update=True)
    check_if_match(if_match, plan)
    if plan.status != PlanStatus.draft.value:
        raise Conflict("detail.plan_not_draft", status=plan.status)
    await session.delete(plan)
    await session.flush()


async def revise(
    session: AsyncSession, actor: Actor, plan_id: int, data: RevisionCreate
) -> tuple[PlanRead, str]:
    """The yearly review: a new revision of the same year, or next year's plan, with the activities copied.

    Only the newest revision of a year can be revised, and next year's plan is made once.
    """
    source = await load(session, actor, plan_id)
    year = data.year or source.year
    if year not in (source.year, source.year + 1):
        raise Invalid(FieldIssue("year", "field.revision_year", year=source.year, next=source.year + 1))
    newest_of_source_year = await repository.latest_revision(session, source.village_code, source.year)
    if newest_of_source_year != source.revision:
        raise Conflict("detail.not_latest_revision", latest=newest_of_source_year)
    latest = await repository.latest_revision(session, source.village_code, year)
    if year == source.year:
        revision = source.revision + 1
    else:
        if latest:
            raise Conflict("detail.plan_exists", village=source.village_code, year=year)
        revision = 1
    plan = Plan(
        village_code=source.village_code,
        district_code=source.district_code,
        province_code=source.province_code,
        year=year,
        revision=revision,
        title=source.title if year == source.year else source.title.replace(str(source.year), str(year)),
        households_total=source.households_total,
        households_contributing_data=source.households_contributing_data,
        participating_households=source.participating_households,
        lgo_participated_from_start=source.lgo_participated_from_start,
        sufficiency_economy_process=source.sufficiency_economy_process,
        previous_plan_id=source.id,
    )
    session.add(plan)
    await session.flush()
    assert plan.id is not None
    next_year = year != source.year
    activities = (
        (await session.execute(select(Activity).where(col(Activity.plan_id) == source.id))).scalars().all()
    )
    for old in activities:
        if next_year and old.status == ActivityStatus.cancelled.value:
            continue
        session.add(
            Activity(
                plan_id=plan.id,
                village_code=old.village_code,
                district_code=old.district_code,
                province_code=old.province_code,
                title=old.title,
                description=old.description,
                working_group=old.working_group,
                kind=old.kind,
                budget_satang=old.budget_satang,
                funding_source=old.funding_source,
                priority=old.priority,
                fiscal_year=(old.fiscal_year + 1 if old.fiscal_year and next_year else old.fiscal_year),
                status=ActivityStatus.planned.value if next_year else old.status,
            )
        )
    await session.flush()
    return read(plan, actor), etag_of(plan)


async def list_page(session: AsyncSession, actor: Actor, page: PageParams, **filters: Any) -> PlanPage:
    plans = await repository.list_page(session, actor, page, filters)
    return PlanPage(
        items=[read(p, actor) for p in plans[: page.limit]],
        next_cursor=page.next_cursor(plans, lambda p: (p.id,)),
    )
