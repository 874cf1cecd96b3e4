"""Adoption of activities by local governments, each change told to outside systems as an event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.activities import repository as activities_repository
from app.activities import service as activities
from app.activities.schemas import ActivityRead
from app.adoptions.models import Adoption
from app.adoptions.schemas import AdoptionPut
from app.audit.recorder import AuditAction, AuditResource, record
from app.auth.access import sees_local_government
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import Conflict, FieldIssue, Invalid, NotFound, PreconditionFailed
from app.core.etag import check_if_match, etag_of
from app.core.money import to_satang
from app.core.pagination import PageParams
from app.core.reads import Reads
from app.core.responses import Rendered
from app.core.scope import Scope
from app.events import types
from app.events.store import Subject, emit
from app.local_governments import service as local_governments
from app.plans.models import Plan
from app.plans.vocabulary import ActivityStatus, PlanStatus
from app.villages.models import Village

# An activity can be adopted once district review is done.
ADOPTABLE = frozenset(
    {
        PlanStatus.district_approved,
        PlanStatus.tambon_integrated,
        PlanStatus.certification_requested,
        PlanStatus.certified,
        PlanStatus.certification_rejected,
    }
)


async def _context(session: AsyncSession, plan_id: int, village_code: str) -> tuple[PlanStatus, str | None]:
    status = (await session.execute(select(col(Plan.status)).where(col(Plan.id) == plan_id))).scalar_one()
    lgo = (
        await session.execute(
            select(col(Village.local_government_code)).where(col(Village.code) == village_code)
        )
    ).scalar_one()
    return PlanStatus(status), lgo


async def put(
    session: AsyncSession, actor: Actor, activity_id: int, data: AdoptionPut, if_match: str | None
) -> tuple[ActivityRead, str, bool]:
    """Adopt, or change the adoption. Answers the activity, the adoption's ETag and whether it is new."""
    activity = await activities.load(session, actor, activity_id, for_update=True)
    plan_status, village_lgo = await _context(session, activity.plan_id, activity.village_code)
    if data.local_government_code != village_lgo or (
        Scope.of(actor).is_other_local_government(data.local_government_code)
    ):
        raise Invalid(
            FieldIssue("local_government_code", "field.not_village_lgo", code=data.local_government_code)
        )
    if plan_status not in ADOPTABLE:
        raise Conflict("detail.not_adoptable", status=plan_status.value)
    if activity.status == ActivityStatus.cancelled.value:
        raise Conflict("detail.activity_cancelled")
    existing = await activities_repository.adoption_of(session, activity_id, for_update=True)
    values: dict[str, Any] = {
        "local_government_code": data.local_government_code,
        "fiscal_year": data.fiscal_year,
        "budget_satang": to_satang(data.budget),
        "lgo_project_ref": data.lgo_project_ref,
    }
    subject = Subject(village_code=activity.village_code, local_government_code=village_lgo)
    event_type: types.EventType
    before = {k: getattr(existing, k) for k in values} if existing is not None else dict.fromkeys(values)
    if existing is None:
        if if_match is not None and if_match.strip() != "*":
            raise PreconditionFailed("detail.stale", given=if_match[:100], current="none")
        adoption = Adoption(activity_id=activity_id, adopted_by=actor.principal, **values)
        session.add(adoption)
        await session.flush()
        event_type, created = types.ACTIVITY_ADOPTED, True
    else:
        check_if_match(if_match, existing)
        adoption = existing
        if all(getattr(adoption, k) == v for k, v in values.items()):
            return activities.read(activity, adoption), etag_of(adoption), False
        for key, value in values.items():
            setattr(adoption, key, value)
        adoption.updated_at = utcnow()
        await session.flush()
        event_type, created = types.ACTIVITY_ADOPTION_UPDATED, False
    record(
        session,
        AuditAction.adopt,
        AuditResource.activity,
        activity_id,
        {k: (before[k], v) for k, v in values.items() if before[k] != v},
        area=(activity.province_code, activity.district_code),
    )
    read = activities.read(activity, adoption)
    await emit(session, event_type, subject, read.model_dump(mode="json"))
    return read, etag_of(adoption), created


async def withdraw(session: AsyncSession, actor: Actor, activity_id: int, if_match: str | None) -> None:
    activity = await activities.load(session, actor, activity_id, for_update=True)
    adoption = await activities_repository.adoption_of(session, activity_id, for_update=True)
    if adoption is None:
        raise NotFound("Adoption", activity_id)
    if Scope.of(actor).is_other_local_government(adoption.local_government_code):
        raise NotFound("Adoption", activity_id)
    check_if_match(if_match, adoption)
    lgo = adoption.local_government_code
    record(
        session,
        AuditAction.withdraw,
        AuditResource.activity,
        activity_id,
        {
            name: (getattr(adoption, name), None)
            for name in ("local_government_code", "fiscal_year", "budget_satang", "lgo_project_ref")
        },
        area=(activity.province_code, activity.district_code),
    )
    await session.delete(adoption)
    await session.flush()
    read = activities.read(activity, None)
    await emit(
        session,
        types.ACTIVITY_ADOPTION_WITHDRAWN,
        Subject(activity.village_code, lgo),
        read.model_dump(mode="json"),
    )


async def adopted_activities(
    reads: Reads,
    actor: Actor,
    lgo_code: str,
    page: PageParams,
    fiscal_year: int | None,
    updated_after: dt.datetime | None,
) -> Rendered:
    seen = sees_local_government(actor, lgo_code)
    if seen is None:
        await local_governments.require(reads, actor, lgo_code)  # 404 outside the caller's scope
    elif not seen:
        raise NotFound(local_governments.RESOURCE, lgo_code)
    rows = await activities_repository.adopted_page(reads, lgo_code, page, fiscal_year, updated_after)
    if not rows and seen:
        # Polling planning systems mostly find news: only an empty page asks whether the code exists.
        await local_governments.require(reads, actor, lgo_code)
    return activities.page_json(rows, page, lambda r: (r["adoption_updated_at"].isoformat(), r["id"]))
