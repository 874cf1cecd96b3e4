"""The village committee: members of the six working groups, managed within the village's scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.committee.models import CommitteeMember
from app.committee.schemas import MemberCreate, MemberPage, MemberRead, MemberUpdate
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.plans.vocabulary import WORKING_GROUP_TH, WorkingGroup
from app.villages import service as villages

RESOURCE = "Committee member"


def _read(member: CommitteeMember) -> MemberRead:
    return MemberRead.model_validate(
        {**member.model_dump(), "working_group_th": WORKING_GROUP_TH[WorkingGroup(member.working_group)]}
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
    return MemberPage(
        items=[_read(m) for m in rows[: page.limit]], next_cursor=page.next_cursor(rows, lambda m: (m.id,))
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
    return _read(member), etag_of(member)


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
    return _read(member), etag_of(member)


async def delete(
    session: AsyncSession, actor: Actor, village_code: str, member_id: int, if_match: str | None
) -> None:
    member = await _load(session, actor, village_code, member_id, for_update=True)
    check_if_match(if_match, member)
    await session.delete(member)
    await session.flush()
