"""Rules for activities: added and changed while their plan is editable; progress (`status`) always."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

import pydantic_core
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities import repository
from app.activities.models import Activity
from app.activities.schemas import ActivityCreate, ActivityRead, ActivityUpdate
from app.adoptions.schemas import AdoptionRead
from app.auth.access import located_values_in_scope
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound
from app.core.etag import check_if_match, etag_of
from app.core.money import from_satang, money_text, to_satang
from app.core.pagination import PageParams
from app.core.reads import Reads, Row
from app.core.responses import Rendered
from app.lookups import Lookups, PlanInfo
from app.plans import service as plans
from app.plans.vocabulary import EDITABLE_PLAN_STATES, PlanStatus

RESOURCE = "Activity"


# The columns shown as they are stored; `budget` is shown from `budget_satang`.
ACTIVITY_FIELDS = (
    "id",
    "plan_id",
    "village_code",
    "district_code",
    "province_code",
    "title",
    "description",
    "working_group",
    "kind",
    "funding_source",
    "priority",
    "fiscal_year",
    "status",
    "created_at",
    "updated_at",
)
ADOPTION_FIELDS = (
    "local_government_code",
    "fiscal_year",
    "lgo_project_ref",
    "adopted_by",
    "adopted_at",
    "updated_at",
)


def activity_data(activity: Any, adoption: Any = None) -> dict[str, Any]:
    """An activity as the API shows it: from an ORM `Activity` and its `Adoption` (or None), or from a
    selected row (a mapping) that carries the adoption's columns as `adoption_*` (the hot lists)."""
    if isinstance(activity, Mapping):
        row = activity
    else:
        row = activity.model_dump()
        if adoption is not None:
            row.update({f"adoption_{name}": value for name, value in adoption.model_dump().items()})
    data = {name: row[name] for name in ACTIVITY_FIELDS}
    data["budget"] = from_satang(row["budget_satang"])
    if row.get("adoption_local_government_code") is None:
        data["adoption"] = None
    else:
        data["adoption"] = {name: row[f"adoption_{name}"] for name in ADOPTION_FIELDS}
        data["adoption"]["budget"] = from_satang(row["adoption_budget_satang"])
    return data


def read(row: Any, adoption: Any = None) -> ActivityRead:
    return ActivityRead.model_validate(activity_data(row, adoption))


async def load(
    session: AsyncSession, actor: Actor, activity_id: int, *, for_update: bool = False
) -> Activity:
    activity = await repository.get(session, actor, activity_id, for_update=for_update)
    if activity is None:
        raise NotFound(RESOURCE, activity_id)
    return activity


async def get(session: AsyncSession, actor: Actor, activity_id: int) -> tuple[ActivityRead, str]:
    activity = await load(session, actor, activity_id)
    return read(activity, await repository.adoption_of(session, activity_id)), etag_of(activity)


def prepare(actor: Actor, plan: PlanInfo, data: ActivityCreate) -> dict[str, Any]:
    """Every rule a new activity must meet, and the row it becomes (single-row API and bulk uploads)."""
    if not located_values_in_scope(
        actor, plan.village_code, plan.district_code, plan.province_code, plan.local_government_code
    ):
        raise NotFound("Plan", plan.id)
    if plan.status not in EDITABLE_PLAN_STATES:  # str members: a stored status compares as itself
        raise Conflict("detail.plan_frozen", status=plan.status)
    return {
        "plan_id": plan.id,
        "village_code": plan.village_code,
        "district_code": plan.district_code,
        "province_code": plan.province_code,
        "title": data.title,
        "description": data.description,
        "working_group": data.working_group.value,
        "kind": data.kind.value,
        "budget_satang": to_satang(data.budget),
        "funding_source": data.funding_source,
        "priority": data.priority,
        "fiscal_year": data.fiscal_year,
        "status": data.status.value,
    }


async def create(
    session: AsyncSession, actor: Actor, plan_id: int, data: ActivityCreate
) -> tuple[ActivityRead, str]:
    # Locks the plan: an activity cannot slip in while the plan is being submitted.
    await plans.load(session, actor, plan_id, for_update=True)
    info = await Lookups(session).plan(plan_id)
    assert info is not None
    activity = Activity(**prepare(actor, info, data))
    session.add(activity)
    await session.flush()
    return read(activity), etag_of(activity)


async def update(
    session: AsyncSession, actor: Actor, activity_id: int, data: ActivityUpdate, if_match: str | None
) -> tuple[ActivityRead, str]:
    activity = await load(session, actor, activity_id, for_update=True)
    check_if_match(if_match, activity)
    given = data.model_fields_set
    status = PlanStatus(await repository.plan_status(session, activity.plan_id))
    if status not in EDITABLE_PLAN_STATES and given - {"status"}:
        raise Conflict("detail.activity_frozen", status=status.value)
    for field in given:
        value = getattr(data, field)
        if field == "budget":
            activity.budget_satang = to_satang(value)
        else:
            setattr(activity, field, value.value if isinstance(value, enum.Enum) else value)
    activity.updated_at = utcnow()
    await session.flush()
    return read(activity, await repository.adoption_of(session, activity_id)), etag_of(activity)


async def delete(session: AsyncSession, actor: Actor, activity_id: int, if_match: str | None) -> None:
    activity = await load(session, actor, activity_id, for_update=True)
    check_if_match(if_match, activity)
    status = PlanStatus(await repository.plan_status(session, activity.plan_id))
    if status not in EDITABLE_PLAN_STATES:
        raise Conflict("detail.plan_frozen", status=status.value)
    await session.delete(activity)
    await session.flush()


async def list_for_plan(reads: Reads, actor: Actor, plan_id: int, page: PageParams) -> Rendered:
    await plans.load(await reads.session(), actor, plan_id)  # 404 for a plan outside the caller's scope
    return await list_page(reads, actor, page, plan_id=plan_id)


async def list_page(reads: Reads, actor: Actor, page: PageParams, **filters: Any) -> Rendered:
    rows = await repository.list_page(reads, actor, page, filters)
    return page_json(rows, page, lambda r: (r["id"],))


_ITEM_FIELDS = tuple(ActivityRead.model_fields)
_ADOPTION_FIELDS = tuple(AdoptionRead.model_fields)


def _shown(row: Row) -> dict[str, Any]:
    data = activity_data(row)
    data["budget"] = money_text(data["budget"])
    adoption = data["adoption"]
    if adoption is not None:
        adoption["budget"] = money_text(adoption["budget"])
        data["adoption"] = {name: adoption[name] for name in _ADOPTION_FIELDS}
    return {name: data.get(name) for name in _ITEM_FIELDS}  # the model's order; upload_id as its default


def page_json(rows: list[Row], page: PageParams, key: Callable[[Row], tuple[Any, ...]]) -> Rendered:
    """A page of selected rows as the JSON an `ActivityPage` renders, byte for byte, without validating the
    rows the database gave into models first (that validation was about a tenth of a page's CPU under the
    local governments' polling, py-spy under wrk). `tests/activities/test_activity_pages.py` checks the
    bytes against the model's."""
    page_data = {"items": [_shown(r) for r in rows[: page.limit]], "next_cursor": page.next_cursor(rows, key)}
    return Rendered(pydantic_core.to_json(page_data))
