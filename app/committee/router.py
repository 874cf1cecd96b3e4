"""A village's committee members (คณะกรรมการหมู่บ้าน) and their working groups."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from app.auth.access import access
from app.committee import service
from app.committee.schemas import MemberCreate, MemberPage, MemberRead, MemberUpdate
from app.core.actor import Actor, Role
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router, location
from app.core.types import MAX_ID, VillageCode
from app.core.uow import SessionDep, writes_on_read

router = api_router("villages")

Reader = Annotated[Actor, access("committee.read")]
Editor = Annotated[Actor, access("committee.edit", Role.admin, Role.village_committee, Role.district_officer)]
Code = Annotated[VillageCode, Path()]
MemberId = Annotated[int, Path(ge=1, le=MAX_ID)]
BASE = "/villages/{code}/committee-members"


@router.get(
    BASE, response_model=MemberPage, responses=problem_responses(404), summary="List committee members"
)
@writes_on_read  # a full phone shown to anyone but the committee is recorded in the audit log
async def committee_members_list(session: SessionDep, actor: Reader, code: Code, page: PageDep) -> MemberPage:
    """Lists the members of a village's committee (คณะกรรมการหมู่บ้าน), each in one of the six working groups
    (คณะทำงาน) with its Thai label. Phones are personal data: in full for the village's committee, its
    district officer and admins, otherwise masked but for the last 3 digits; a full phone shown to anyone
    but the committee itself is recorded in the audit log (`read_personal_data`).
    """
    return await service.list_page(session, actor, code, page)


@router.post(
    BASE,
    response_model=MemberRead,
    status_code=201,
    dependencies=[IdempotencyDep],
    responses=problem_responses(404),
    summary="Add a committee member",
)
async def committee_members_create(
    session: SessionDep, actor: Editor, code: Code, body: MemberCreate, response: Response
) -> MemberRead:
    """Adds a member to a village's committee (คณะกรรมการหมู่บ้าน): name, position, working group (คณะทำงาน)
    and an optional phone number.
    """
    member, etag = await service.create(session, actor, code, body)
    set_etag(response, etag)
    response.headers["Location"] = location("villages", code, "committee-members", member.id)
    return member


@router.patch(
    BASE + "/{member_id}",
    response_model=MemberRead,
    responses=problem_responses(404, 412),
    summary="Update a committee member",
)
async def committee_members_update(
    session: SessionDep,
    actor: Editor,
    code: Code,
    member_id: MemberId,
    body: MemberUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> MemberRead:
    """Changes a committee member's name, position, working group or phone number; `If-Match` guards against
    overwriting a concurrent change.
    """
    member, etag = await service.update(session, actor, code, member_id, body, if_match)
    set_etag(response, etag)
    return member


@router.delete(
    BASE + "/{member_id}",
    status_code=204,
    responses=problem_responses(404, 412),
    summary="Remove a committee member",
)
async def committee_members_delete(
    session: SessionDep, actor: Editor, code: Code, member_id: MemberId, if_match: IfMatch = None
) -> Response:
    """Removes a member from the village's committee (คณะกรรมการหมู่บ้าน)."""
    await service.delete(session, actor, code, member_id, if_match)
    return Response(status_code=204)
