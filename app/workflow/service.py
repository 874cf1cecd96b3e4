"""One `transition()` for every workflow action: locks the plan, checks state, role, scope and guard, and
writes the new state, the history row and the events in the caller's one transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.audit.recorder import AuditAction, AuditResource, record
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, FieldIssue, Forbidden, Invalid, NotFound
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.core.reads import Row
from app.events import types
from app.events.store import Subject, emit
from app.plans import repository as plans_repository
from app.plans import service as plans
from app.plans.schemas import PlanRead
from app.plans.vocabulary import PlanStatus
from app.workflow import repository
from app.workflow.models import PlanTransition
from app.workflow.schemas import TransitionCreate, TransitionPage, TransitionRead
from app.workflow.table import WORKFLOW, Action, allowed_actions


class WrongState(Conflict):
    slug = "wrong-state"


class GuardNotMet(Conflict):
    slug = "guard-not-met"


async def transition(
    session: AsyncSession, actor: Actor, plan_id: int, data: TransitionCreate, if_match: str | None
) -> tuple[PlanRead, str]:
    # Core statements built once, not ORM objects: this is the write many officers make at once, and the
    # ORM's unit of work was most of its CPU.
    plan = await plans_repository.lock_for_transition(session, actor, plan_id)
    if plan is None:
        raise NotFound(plans.RESOURCE, plan_id)  # also outside the caller's scope
    check_if_match(if_match, plan)
    step = WORKFLOW[data.action]
    status = PlanStatus(plan.status)
    if status not in step.sources:
        raise WrongState(
            "detail.wrong_state",
            action=data.action.value,
            status=status.value,
            extra={"allowed_actions": allowed_actions(status.value, actor.role)},
        )
    if actor.role is not step.role:
        raise Forbidden("detail.wrong_role", action=data.action.value, role=step.role.value)
    comment = (data.comment or "").strip() or None
    if step.comment_required and comment is None:
        raise Invalid(FieldIssue("comment", "field.comment_required", action=data.action.value))
    if step.guard is not None and not await step.guard.check(session, plan_id):
        raise GuardNotMet(
            "detail.guard_not_met",
            action=data.action.value,
            guard=step.guard.name,
            extra={"guard": step.guard.name},
        )

    now = utcnow()
    history = {
        "plan_id": plan_id,
        "action": data.action.value,
        "from_status": status.value,
        "to_status": step.target.value,
        "actor": actor.principal,
        "actor_name": actor.name,
        "actor_role": actor.role.value,
        "comment": comment,
        "created_at": now,
    }
    if not await repository.advance_and_record(session, history, plan.version):
        raise Conflict("detail.concurrent_update")
    moved = Row({**plan, "status": step.target.value, "updated_at": now, "version": plan.version + 1})

    changes = {"status": (status.value, step.target.value), "action": (None, data.action.value)}
    if comment is not None:
        changes["comment"] = (None, comment)
    record(
        session,
        AuditAction.transition,
        AuditResource.plan,
        plan_id,
        changes,
        area=(plan.province_code, plan.district_code),
    )
    subject = Subject(
        village_code=plan.village_code, local_government_code=plan.village_local_government_code
    )
    # Built once: the caller's answer, and without `allowed_actions` (which are the caller's) the event's.
    answer = plans.read(moved, actor)
    data_out = {
        **answer.model_dump(mode="json", exclude={"allowed_actions"}),
        "transition": {
            "action": data.action.value,
            "from_status": status.value,
            "to_status": step.target.value,
            "comment": comment,
            "actor_role": actor.role.value,
        },
    }
    await emit(session, types.PLAN_STATUS_CHANGED, subject, data_out)
    if data.action is Action.certify:
        await emit(session, types.PLAN_CERTIFIED, subject, data_out)
    return answer, etag_of(moved)


async def history(session: AsyncSession, actor: Actor, plan_id: int, page: PageParams) -> TransitionPage:
    await plans.load(session, actor, plan_id)
    query = select(PlanTransition).where(col(PlanTransition.plan_id) == plan_id)
    if page.after:
        query = query.where(col(PlanTransition.id) > int(page.after[0]))
    rows = list(
        (await session.execute(query.order_by(col(PlanTransition.id)).limit(page.limit + 1))).scalars()
    )
    return TransitionPage(
        items=[TransitionRead.model_validate(r.model_dump()) for r in rows[: page.limit]],
        next_cursor=page.next_cursor(rows, lambda r: (r.id,)),
    )
