"""Gathering a plan's book from its data, rendering it, and recording that the book now exists."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from app.activities.models import Activity
from app.assessments import rubrics
from app.assessments import service as assessments
from app.assessments.models import Assessment
from app.book.data import BookActivity, BookAssessment, BookData, BookIndicator, BookMember, BookWorkingGroup
from app.book.html import render_html
from app.book.pdf import render_pdf
from app.committee import service as committee
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.money import from_satang
from app.geography.models import District, Province, Subdistrict
from app.local_governments.models import LocalGovernment
from app.plans import service as plans
from app.plans.models import Plan
from app.plans.vocabulary import (
    ACTIVITY_KIND_TH,
    ACTIVITY_STATUS_TH,
    EDITABLE_PLAN_STATES,
    PLAN_STATUS_TH,
    WORKING_GROUP_TH,
    ActivityKind,
    ActivityStatus,
    PlanStatus,
    WorkingGroup,
)
from app.villages.models import Village
from app.workflow.models import PlanTransition
from app.workflow.table import Action


def _indicator_value(value: object, kind: str, maximum: int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "มี" if value else "ไม่มี"
    if kind == "standard":
        return f"{value} / {maximum}"
    return f"{float(value):.2f} %"  # type: ignore[arg-type]


def _threshold(indicator: dict[str, object], pass_percent: int | None) -> str:
    """The criterion column: `70 %` for a share, `มี` for a fact that must hold, and for a scored standard
    indicator its pass mark and its maximum, e.g. `≥ 12 (เต็ม 20)`."""
    threshold, maximum = indicator.get("threshold"), indicator.get("max")
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
        return f"{threshold} %"
    if threshold is True:
        return "มี"
    if isinstance(maximum, int) and not isinstance(maximum, bool):
        if pass_percent is None:
            return f"เต็ม {maximum}"
        return f"≥ {math.ceil(pass_percent * maximum / 100)} (เต็ม {maximum})"
    return "–"


def _book_assessment(assessment: Assessment) -> BookAssessment:
    rubric = rubrics.rubrics().get(assessment.rubric_id)
    pass_percent = getattr(rubric, "pass_percent", None)
    indicators = [
        BookIndicator(
            label_th=i.get("label_th") or i.get("key", ""),
            value=_indicator_value(i.get("value"), assessment.kind, i.get("max")),
            threshold=_threshold(i, pass_percent),
            passed=bool(i["passed"]),
        )
        for i in assessment.indicators
    ]
    total = len(assessment.indicators)
    if assessment.kind == "quality":
        summary = f"ผ่าน {assessment.passed_count} จาก {total} ตัวชี้วัด ระดับ {assessment.grade}"
    else:
        level = next(
            (lv.label_th for lv in getattr(rubric, "levels", []) if lv.level == assessment.level), ""
        )
        summary = f"คะแนนรวม {assessment.total} ระดับ{level}"
    return BookAssessment(
        kind=assessment.kind,
        title_th=rubric.title_th if rubric else assessment.rubric_id,
        rubric=f"{assessment.rubric_id} v{assessment.rubric_version}",
        assessed_at=assessment.created_at,
        indicators=indicators,
        summary_th=summary,
    )


async def _signing_dates(session: AsyncSession, plan: Plan) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the plan in its present state was sent to the district, and approved there (None where it was
    not, or where it has since been sent back)."""
    status = PlanStatus(plan.status)
    if status in EDITABLE_PLAN_STATES:
        return None, None
    rows = await session.execute(
        select(col(PlanTransition.action), col(PlanTransition.created_at))
        .where(
            col(PlanTransition.plan_id) == plan.id,
            col(PlanTransition.action).in_((Action.submit.value, Action.approve.value)),
        )
        .order_by(col(PlanTransition.id))
    )
    last = {action: at for action, at in rows}
    approved = None if status is PlanStatus.submitted else last.get(Action.approve.value)
    return last.get(Action.submit.value), approved


async def gather(session: AsyncSession, plan: Plan) -> BookData:
    village = (
        await session.execute(select(Village).where(col(Village.code) == plan.village_code))
    ).scalar_one()
    sub = await session.get(Subdistrict, village.subdistrict_code)
    district = await session.get(District, village.district_code)
    province = await session.get(Province, village.province_code)
    lgo = (
        await session.get(LocalGovernment, village.local_government_code)
        if village.local_government_code
        else None
    )
    members = await committee.members(session, plan.village_code)
    rows = (
        await session.execute(
            select(Activity)
            .where(col(Activity.plan_id) == plan.id)
            .order_by(col(Activity.priority), col(Activity.id))
        )
    ).scalars()
    by_group: dict[str, list[BookActivity]] = defaultdict(list)
    group_totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    kind_totals: dict[str, Decimal] = {label: Decimal("0.00") for label in ACTIVITY_KIND_TH.values()}
    for a in rows:
        budget = from_satang(a.budget_satang)
        kind_th = ACTIVITY_KIND_TH[ActivityKind(a.kind)]
        by_group[a.working_group].append(
            BookActivity(
                title=a.title,
                description=a.description,
                kind=a.kind,
                kind_th=kind_th,
                status_th=ACTIVITY_STATUS_TH[ActivityStatus(a.status)],
                budget=budget,
                funding_source=a.funding_source,
                priority=a.priority,
                fiscal_year=a.fiscal_year,
            )
        )
        group_totals[a.working_group] += budget
        kind_totals[kind_th] += budget
    assert plan.id is not None
    submitted_at, approved_at = await _signing_dates(session, plan)
    return BookData(
        plan_id=plan.id,
        title=plan.title,
        year=plan.year,
        revision=plan.revision,
        status_th=PLAN_STATUS_TH[PlanStatus(plan.status)],
        village_code=village.code,
        village_name=village.name_th,
        moo=village.moo,
        subdistrict_name=sub.name_th if sub else village.subdistrict_code,
        district_name=district.name_th if district else village.district_code,
        province_name=province.name_th if province else village.province_code,
        local_government_name=lgo.name_th if lgo else None,
        households_total=plan.households_total,
        population=village.population,
        households_contributing_data=plan.households_contributing_data,
        participating_households=plan.participating_households,
        lgo_participated_from_start=plan.lgo_participated_from_start,
        sufficiency_economy_process=plan.sufficiency_economy_process,
        committee=[
            BookMember(m.name, m.position, WORKING_GROUP_TH[WorkingGroup(m.working_group)]) for m in members
        ],
        working_groups=[
            BookWorkingGroup(g.value, WORKING_GROUP_TH[g], by_group.get(g.value, []), group_totals[g.value])
            for g in WorkingGroup
        ],
        budget_by_kind=kind_totals,
        budget_total=sum(kind_totals.values(), Decimal("0.00")),
        assessments=[_book_assessment(a) for a in await assessments.latest(session, plan.id)],
        printed_at=utcnow(),
        submitted_at=submitted_at,
        approved_at=approved_at,
    )


async def render(session: AsyncSession, actor: Actor, plan_id: int, pdf: bool) -> bytes | str:
    """The book as PDF bytes or HTML text. Rendering it is what makes "a written plan exists" true."""
    plan = await plans.load(session, actor, plan_id, for_update=True)
    book = await gather(session, plan)
    output: bytes | str = await run_in_threadpool(render_pdf, book) if pdf else render_html(book)
    if plan.book_produced_at is None:
        plan.book_produced_at = utcnow()
        await session.flush()
    return output
