"""The village committee: members of the six working groups, managed within the village's scope.

Members' names and phones are personal data (PDPA B.E. 2562): a phone is shown in full only to the
village's committee, its district officer and admins (others see its last 3 digits), a full phone shown to
anyone but the committee itself is recorded in the audit log, and removing a member erases the person.
"""

from __future__ import annotations

import re

from sqlalchemy import delete as delete_rows
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.audit.recorder import AuditAction, AuditResource, record
from app.committee.models import CommitteeMember
from app.committee.schemas import MemberCreate, MemberPage, MemberRead, MemberUpdate
from app.core.actor import Actor, Role
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.etag import check_if_match, etag_of
from app.core.models import IdempotencyRecord
from app.core.pagination import PageParams
from app.core.routing import location
from app.plans.vocabulary import WORKING_GROUP_TH, WorkingGroup
from app.villages import service as villages

RESOURCE = "Committee member"

# Who sees a member's phone in full; other roles (in scope) see it masked.
FULL_PHONE = frozenset({Role.village_committee, Role.district_officer, Role.admin})
_MASKED_DIGIT = re.compile(r"[0-9](?=(?:[^0-9]*[0-9]){3})")


def mask_phone(phone: str | None) -> str | None:
    """Every digit but the last 3 shown as `x`: "081-234-5678" -> "xxx-xxx-x678"."""
    return None if phone is None else _MASKED_DIGIT.sub("x", phone)


def _read(member: CommitteeMember, actor: Actor) -> MemberRead:
    phone = member.phone if actor.role in FULL_PHONE else mask_phone(member.phone)
    return MemberRead.model_validate(
        {
            **member.model_dump(),
            "phone": phone,
            "working_group_th": WORKING_GROUP_TH[WorkingGroup(member.working_group)],
        }
    )


async def _load(
    session: AsyncSession, actor: Actor, village_code: str, member_id: int, *, for_update: bool = False
) -> CommitteeMember:
    await villages.require(session, actor, village_code)  # 404 outside the caller's scope
    query = select(CommitteeMember).where(
        col(CommitteeMember.id) == member_id, col(CommitteeMember.village_code) == village_code
    )
    if for_update:
        query = query.with_for_update()
    member = (await session.execute(query)).scalar_one_or_none()
    if member is None:
        raise NotFound(RESOURCE, member_id)
    return member


async def members(session: AsyncSession, village_code: str) -> list[CommitteeMember]:
    query = select(CommitteeMember).where(col(CommitteeMember.village_code) == village_code)
    return list((await session.execute(query.order_by(col(CommitteeMember.id)))).scalars().all())


async def list_page(session: AsyncSession, actor: Actor, village_code: str, page: PageParams) -> MemberPage:
    await villages.require(session, actor, village_code)
    query = select(CommitteeMember).where(col(CommitteeMember.village_code) == village_code)
    if page.after:
        query = query.where(col(CommitteeMember.id) > int(page.after[0]))
    rows = list(
        (await session.execute(query.order_by(col(CommitteeMember.id)).limit(page.limit + 1))).scalars()
    )
    shown = rows[: page.limit]
    with_phone = [m.id for m in shown if m.phone is not None]
    if with_phone and actor.role in FULL_PHONE and actor.role is not Role.village_committee:
        record(
            session,
            AuditAction.read_personal_data,
            AuditResource.village,
            village_code,
            {"phone": (None, "shown"), "committee_member_ids": (None, with_phone)},
            area=(village_code[:2], village_code[:4]),
        )
    return MemberPage(
        items=[_read(m, actor) for m in shown], next_cursor=page.next_cursor(rows, lambda m: (m.id,))
    )


async def create(
    session: AsyncSession, actor: Actor, village_code: str, data: MemberCreate
) -> tuple[MemberRead, str]:
    await villages.load_for_change(session, actor, village_code)
    member = CommitteeMember(
        village_code=village_code,
        name=data.name,
        position=data.position,
        working_group=data.working_group.value,
        phone=data.phone,
    )
    session.add(member)
    await session.flush()
    return _read(member, actor), etag_of(member)


async def update(
    session: AsyncSession,
    actor: Actor,
    village_code: str,
    member_id: int,
    data: MemberUpdate,
    if_match: str | None,
) -> tuple[MemberRead, str]:
    member = await _load(session, actor, village_code, member_id, for_update=True)
    check_if_match(if_match, member)
    given = data.model_fields_set
    for field in given:
        value = getattr(data, field)
        setattr(member, field, value.value if isinstance(value, WorkingGroup) else value)
    member.updated_at = utcnow()
    await session.flush()
    return _read(member, actor), etag_of(member)


async def delete(
    session: AsyncSession, actor: Actor, village_code: str, member_id: int, if_match: str | None
) -> None:
    member = await _load(session, actor, village_code, member_id, for_update=True)
    check_if_match(if_match, member)
    await session.delete(member)
    # Erased from the live tables: the stored answer of the request that added the member held the person's
    # name and phone too (the audit log keeps only their keyed hashes).
    await session.execute(
        delete_rows(IdempotencyRecord).where(
            col(IdempotencyRecord.location)
            == location("villages", village_code, "committee-members", member_id)
        )
    )
    await session.flush()
