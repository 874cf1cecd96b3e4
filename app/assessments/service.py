"""Scoring a plan: quality from its own data, the standard from the assessors' scores, both by the rubric
in force, which each assessment records. The newest assessment of each kind is the one that counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.activities.models import Activity
from app.assessments import rubrics
from app.assessments.models import Assessment
from app.assessments.schemas import AssessmentCreate, AssessmentPage, AssessmentRead, RubricList
from app.audit.recorder import created
from app.auth.access import located_condition
from app.core import direct
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import FieldIssue, Invalid, NotFound
from app.core.pagination import PageParams
from app.core.reads import ReadStatement, Row
from app.plans import repository as plans_repository
from app.plans import service as plans
from app.plans.models import Plan
from app.plans.vocabulary import ActivityKind, ActivityStatus
from app.villages.models import Village

activity_table = Activity.__table__  # type: ignore[attr-defined]
assessment_table = Assessment.__table__  # type: ignore[attr-defined]
plan_table = Plan.__table__  # type: ignore[attr-defined]
village_table = Village.__table__  # type: ignore[attr-defined]


_SELF_RELIANCE = activity_table.c.kind == bindparam("self_reliance")
_FACTS = ReadStatement(
    select(
        func.count().label("activities"),
        func.count().filter(_SELF_RELIANCE).label("self_reliance_activities"),
        func.count()
        .filter(_SELF_RELIANCE & (activity_table.c.status == bindparam("completed")))
        .label("self_reliance_completed"),
    ).where(
        activity_table.c.plan_id == bindparam("plan_id"),
        activity_table.c.status != bindparam("cancelled"),
    )
)


async def plan_facts(session: AsyncSession, plan: Row) -> dict[str, Any]:
    """What the quality indicators are computed from. Cancelled activities do not count."""
    row = await direct.first(
        session,
        _FACTS,
        plan_id=plan.id,
        self_reliance=ActivityKind.self_reliance.value,
        completed=ActivityStatus.completed.value,
        cancelled=ActivityStatus.cancelled.value,
    )
    assert row is not None  # an aggregate answers one row
    return {
        "households_total": plan.households_total,
        "households_contributing_data": plan.households_contributing_data,
        "participating_households": plan.participating_households,
        "book_exists": plan.book_produced_at is not None or plan.book_file_ref is not None,
        "lgo_participated_from_start": plan.lgo_participated_from_start,
        "sufficiency_economy_process": plan.sufficiency_economy_process,
        "activities": int(row.activities),
        "self_reliance_activities": int(row.self_reliance_activities),
        "self_reliance_completed": int(row.self_reliance_completed),
    }


def _read(assessment: Assessment) -> AssessmentRead:
    return AssessmentRead.model_validate(assessment.model_dump())


async def assess(session: AsyncSession, actor: Actor, plan_id: int, data: AssessmentCreate) -> AssessmentRead:
    # Core statements run straight on the connection (`app.core.direct`), not ORM objects: the ORM's unit of
    # work was a fifth of an assessment's CPU (py-spy under `bench/bench_api.py`).
    plan = await plans_repository.find(session, actor, plan_id)
    if plan is None:
        raise NotFound(plans.RESOURCE, plan_id)
    rubric = rubrics.current(data.kind)
    values: dict[str, Any] = {"plan_id": plan_id, "rubric_id": rubric.id, "rubric_version": rubric.version}
    if isinstance(rubric, rubrics.QualityRubric):
        if data.scores is not None:
            raise Invalid(FieldIssue("scores", "field.scores_not_allowed"))
        indicators, passed, grade = rubrics.score_quality(rubric, await plan_facts(session, plan))
        values |= {"kind": "quality", "inputs": {}, "grade": grade, "total": None, "level": None}
    else:
        if data.scores is None:
            raise Invalid(FieldIssue("scores", "field.score_missing"))
        indicators, passed, total, level = rubrics.score_standard(rubric, data.scores)
        values |= {
            "kind": "standard",
            "inputs": {"scores": data.scores},
            "grade": None,
            "total": total,
            "level": level.level,
        }
    values |= {
        "indicators": [i.model_dump() for i in indicators],
        "passed_count": passed,
        "assessed_by": actor.principal,
        "created_at": utcnow(),
    }
    inserted = await direct.first(session, _INSERT, **values)
    assert inserted is not None  # RETURNING answers the new row's id
    values["id"] = inserted.id
    created(session, "assessment", values, area=(plan.province_code, plan.district_code))
    return AssessmentRead.model_validate(values)


_INSERT = ReadStatement(
    insert(assessment_table)
    .values({c.name: bindparam(c.name) for c in assessment_table.c if c.name != "id"})
    .returning(assessment_table.c.id)
)


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
