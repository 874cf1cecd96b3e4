"""Scoring a plan: quality from its own data, the standard from the assessors' scores, both by the rubric
in force, which each assessment records. The newest assessment of each kind is the one that counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.activities.models import Activity
from app.assessments import rubrics
from app.assessments.models import Assessment
from app.assessments.schemas import AssessmentCreate, AssessmentPage, AssessmentRead, RubricList
from app.audit.recorder import locate
from app.auth.access import located_condition
from app.core.actor import Actor
from app.core.errors import FieldIssue, Invalid, NotFound
from app.core.pagination import PageParams
from app.plans import service as plans
from app.plans.models import Plan
from app.plans.vocabulary import ActivityKind, ActivityStatus
from app.villages.models import Village

activity_table = Activity.__table__  # type: ignore[attr-defined]
plan_table = Plan.__table__  # type: ignore[attr-defined]
village_table = Village.__table__  # type: ignore[attr-defined]


async def plan_facts(session: AsyncSession, plan: Plan) -> dict[str, Any]:
    """What the quality indicators are computed from. Cancelled activities do not count."""
    self_reliance = activity_table.c.kind == ActivityKind.self_reliance.value
    completed = activity_table.c.status == ActivityStatus.completed.value
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(self_reliance),
                func.count().filter(self_reliance & completed),
            ).where(
                activity_table.c.plan_id == plan.id, activity_table.c.status != ActivityStatus.cancelled.value
            )
        )
    ).one()
    return {
        "households_total": plan.households_total,
        "households_contributing_data": plan.households_contributing_data,
        "participating_households": plan.participating_households,
        "book_exists": plan.book_produced_at is not None or plan.book_file_ref is not None,
        "lgo_participated_from_start": plan.lgo_participated_from_start,
        "sufficiency_economy_process": plan.sufficiency_economy_process,
        "activities": int(row[0]),
        "self_reliance_activities": int(row[1]),
        "self_reliance_completed": int(row[2]),
    }


def _read(assessment: Assessment) -> AssessmentRead:
    return AssessmentRead.model_validate(assessment.model_dump())


async def assess(session: AsyncSession, actor: Actor, plan_id: int, data: AssessmentCreate) -> AssessmentRead:
    plan = await plans.load(session, actor, plan_id)
    rubric = rubrics.current(data.kind)
    if isinstance(rubric, rubrics.QualityRubric):
        if data.scores is not None:
            raise Invalid(FieldIssue("scores", "field.scores_not_allowed"))
        indicators, passed, grade = rubrics.score_quality(rubric, await plan_facts(session, plan))
        assessment = Assessment(
            plan_id=plan_id,
            kind="quality",
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            inputs={},
            indicators=[i.model_dump() for i in indicators],
            passed_count=passed,
            grade=grade,
            assessed_by=actor.principal,
        )
    else:
        if data.scores is None:
            raise Invalid(FieldIssue("scores", "field.score_missing"))
        indicators, passed, total, level = rubrics.score_standard(rubric, data.scores)
        assessment = Assessment(
            plan_id=plan_id,
            kind="standard",
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            inputs={"scores": data.scores},
            indicators=[i.model_dump() for i in indicators],
            passed_count=passed,
            total=total,
            level=level.level,
            assessed_by=actor.principal,
        )
    locate(assessment, (plan.province_code, plan.district_code))
    session.add(assessment)
    await session.flush()
    return _read(assessment)


async def get(session: AsyncSession, actor: Actor, assessment_id: int) -> AssessmentRead:
    query = (
        select(Assessment)
        .join(Plan, col(Plan.id) == col(Assessment.plan_id))
        .where(col(Assessment.id) == assessment_id, located_condition(actor, plan_table, village_table))
    )
    assessment = (await session.execute(query)).scalar_one_or_none()
    if assessment is None:
        raise NotFound("Assessment", assessment_id)
    return _read(assessment)


async def list_for_plan(
    session: AsyncSession, actor: Actor, plan_id: int, page: PageParams
) -> AssessmentPage:
    await plans.load(session, actor, plan_id)
    query = select(Assessment).where(col(Assessment.plan_id) == plan_id)
    if page.after:
        query = query.where(col(Assessment.id) < int(page.after[0]))
    rows = list(
        (await session.execute(query.order_by(col(Assessment.id).desc()).limit(page.limit + 1))).scalars()
    )
    return AssessmentPage(
        items=[_read(a) for a in rows[: page.limit]], next_cursor=page.next_cursor(rows, lambda a: (a.id,))
    )


async def latest(session: AsyncSession, plan_id: int) -> list[Assessment]:
    """The newest assessment of each kind."""
    found: list[Assessment] = []
    for kind in ("quality", "standard"):
        query = (
            select(Assessment)
            .where(col(Assessment.plan_id) == plan_id, col(Assessment.kind) == kind)
            .order_by(col(Assessment.id).desc())
            .limit(1)
        )
        row = (await session.execute(query)).scalar_one_or_none()
        if row is not None:
            found.append(row)
    return found


def list_rubrics() -> RubricList:
    return RubricList.model_validate({"items": [r.model_dump() for r in rubrics.rubrics().values()]})
