"""The workflow's writes: a plan moved one step, and the step recorded in its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, bindparam, column, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import direct
from app.core.reads import ReadStatement
from app.plans import repository as plans_repository
from app.workflow.models import PlanTransition

plan_transition_table = PlanTransition.__table__  # type: ignore[attr-defined]
_RECORD = plan_transition_table.insert()
# PostgreSQL: the plan moved and its history row written in one statement (one round trip fewer).
_ADVANCE_AND_RECORD = ReadStatement(
    text(
        "WITH moved AS (UPDATE plan SET status = :to_status, updated_at = :created_at, "
        "version = version + 1 WHERE id = :plan_id AND version = :expected_version RETURNING id) "
        "INSERT INTO plan_transition (plan_id, action, from_status, to_status, actor, actor_name, "
        "actor_role, comment, created_at) SELECT id, :action, :from_status, :to_status, :actor, "
        ":actor_name, :actor_role, :comment, :created_at FROM moved RETURNING plan_id"
    )
    .bindparams(bindparam("created_at", type_=plan_transition_table.c.created_at.type))
    .columns(column("plan_id", Integer))
)


async def advance_and_record(session: AsyncSession, step: dict[str, Any], expected_version: int) -> bool:
    """Move the locked plan `step["plan_id"]` to `step["to_status"]` and add `step` (a `plan_transition`
    row) to its history; False, writing nothing, if its version is no longer `expected_version`."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(
            await direct.fetch(session, _ADVANCE_AND_RECORD, **step, expected_version=expected_version)
        )
    moved = await plans_repository.advance(
        session, step["plan_id"], expected_version, step["to_status"], step["created_at"]
    )
    if moved:
        await session.execute(_RECORD, step)
    return moved
