"""a plan's status moves the progress tallies only when it becomes or stops being certified

The report counts a plan as certified or not; no other status reaches a figure. The plan's update trigger
fired on every status change and recounted the plan's unit at commit (its activities and adoptions), while
the transition held the event counters' locks: most workflow steps (submitted, approved, returned, ...)
paid for a recount that could not change anything. It now fires only when certified-ness changes (or the
plan moves: year, village, revision, area).

Revision ID: c4f7a2e9d1b6
Revises: b8e2f1d0c3a4
Create Date: 2026-12-01 10:00:00.000000
"""
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = 'c4f7a2e9d1b6'
down_revision: str | None = 'b8e2f1d0c3a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVES = ("year", "village_code", "revision", "province_code", "district_code")
NARROW = "(OLD.status = 'certified') {d} (NEW.status = 'certified')"
WIDE = "OLD.status {d} NEW.status"


def _when(status: str, distinct: str) -> str:
    return " OR ".join([status.format(d=distinct), *(f"OLD.{c} {distinct} NEW.{c}" for c in MOVES)])


def _replace(status_from: str, status_to: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER progress_plan_update ON plan")
        op.execute(
            "CREATE TRIGGER progress_plan_update AFTER UPDATE ON plan "
            f"FOR EACH ROW WHEN ({_when(status_to, 'IS DISTINCT FROM')}) EXECUTE FUNCTION progress_on_plan()"
        )
        return
    # SQLite: the same trigger body, under the new condition.
    sql = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'progress_plan_update'")
    ).scalar_one()
    old, new = f"WHEN {_when(status_from, 'IS NOT')} BEGIN", f"WHEN {_when(status_to, 'IS NOT')} BEGIN"
    if old not in sql:
        raise RuntimeError(f"progress_plan_update is not the trigger this migration expects: {sql[:200]}")
    op.execute("DROP TRIGGER progress_plan_update")
    op.execute(sql.replace(old, new))


def upgrade() -> None:
    _replace(WIDE, NARROW)


def downgrade() -> None:
    _replace(NARROW, WIDE)
