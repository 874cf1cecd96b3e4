"""The plan workflow as data: `(state, action) → (next state, role, guard)`, read by one `transition()`.

A change to this table is a change to the workflow and to its tests, which are generated from it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities.models import Activity
from app.assessments.models import Assessment
from app.core.actor import Role
from app.core.types import Vocabulary
from app.plans.vocabulary import ActivityStatus, PlanStatus


class Action(Vocabulary):
    submit = "submit"
    return_ = "return"
    approve = "approve"
    integrate = "integrate"
    request_certification = "request_certification"
    certify = "certify"
    reject_certification = "reject_certification"


@dataclass(frozen=True)
class Guard:
    """A condition the plan must meet; `name` is reported when it is not."""

    name: str
    check: Callable[[AsyncSession, int], Awaitable[bool]]  # (session, plan id)


@dataclass(frozen=True)
class Step:
    sources: frozenset[PlanStatus]
    target: PlanStatus
    role: Role
    guard: Guard | None = None
    comment_required: bool = False


activity_table = Activity.__table__  # type: ignore[attr-defined]
assessment_table = Assessment.__table__  # type: ignore[attr-defined]


async def _has_activities(session: AsyncSession, plan_id: int) -> bool:
    query = (
        select(func.count())
        .select_from(activity_table)
        .where(activity_table.c.plan_id == plan_id, activity_table.c.status != ActivityStatus.cancelled.value)
    )
    return int((await session.execute(query)).scalar_one()) > 0


async def _latest(session: AsyncSession, plan_id: int, kind: str) -> tuple[str | None, str | None] | None:
    query = (
        select(assessment_table.c.grade, assessment_table.c.level)
        .where(assessment_table.c.plan_id == plan_id, assessment_table.c.kind == kind)
        .order_by(assessment_table.c.id.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row.grade, row.level)


async def _quality_assessed(session: AsyncSession, plan_id: int) -> bool:
    return await _latest(session, plan_id, "quality") is not None


async def _quality_grade_a(session: AsyncSession, plan_id: int) -> bool:
    latest = await _latest(session, plan_id, "quality")
    return latest is not None and latest[0] == "A"


async def _standard_good(session: AsyncSession, plan_id: int) -> bool:
    latest = await _latest(session, plan_id, "standard")
    return latest is not None and latest[1] in {"good", "excellent"}


HAS_ACTIVITIES = Guard("has_activities", _has_activities)
QUALITY_ASSESSED = Guard("quality_assessment_exists", _quality_assessed)
QUALITY_GRADE_A = Guard("quality_grade_a", _quality_grade_a)
STANDARD_GOOD = Guard("standard_good_or_better", _standard_good)

WORKFLOW: dict[Action, Step] = {
    Action.submit: Step(
        frozenset({PlanStatus.draft, PlanStatus.returned}),
        PlanStatus.submitted,
        Role.village_committee,
        HAS_ACTIVITIES,
    ),
    Action.return_: Step(
        frozenset({PlanStatus.submitted}), PlanStatus.returned, Role.district_officer, comment_required=True
    ),
    Action.approve: Step(
        frozenset({PlanStatus.submitted}),
        PlanStatus.district_approved,
        Role.district_officer,
        QUALITY_ASSESSED,
    ),
    Action.integrate: Step(
        frozenset({PlanStatus.district_approved}), PlanStatus.tambon_integrated, Role.lgo_planner
    ),
    Action.request_certification: Step(
        frozenset({PlanStatus.tambon_integrated}),
        PlanStatus.certification_requested,
        Role.district_officer,
        QUALITY_GRADE_A,
    ),
    Action.certify: Step(
        frozenset({PlanStatus.certification_requested}),
        PlanStatus.certified,
        Role.provincial_officer,
        STANDARD_GOOD,
    ),
    Action.reject_certification: Step(
        frozenset({PlanStatus.certification_requested}),
        PlanStatus.certification_rejected,
        Role.provincial_officer,
        comment_required=True,
    ),
}


def actions_from(status: PlanStatus) -> list[Action]:
    return [action for action, step in WORKFLOW.items() if status in step.sources]


def allowed_actions(status: str, role: Role) -> list[str]:
    """What a caller who can see the plan may try now (guards are checked when the action is taken)."""
    return [a.value for a in actions_from(PlanStatus(status)) if WORKFLOW[a].role is role]
