"""The plan workflow, tested from its own table: every (state, action, role) answers as the table says;
guards, comments, concurrency and the audit trail as a district office would meet them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core.actor import Role
from app.core.db import Database
from app.plans.vocabulary import PlanStatus
from app.workflow.table import WORKFLOW, Action
from tests.helpers import count_rows, make_key

API = "/api/v1"
VILLAGE, DISTRICT, LGO, PROVINCE = "84010101", "8401", "6840101", "84"
SCOPES = {
    Role.admin: None,
    Role.village_committee: VILLAGE,
    Role.district_officer: DISTRICT,
    Role.lgo_planner: LGO,
    Role.provincial_officer: PROVINCE,
}
GOOD_SCORES = {
    "sufficiency_economy": 18,
    "participation": 17,
    "learning": 16,
    "plan_use": 15,
    "plan_structure": 18,
}


class World:
    """A village with a plan that meets every guard, and one caller per role scoped to it."""

    def __init__(self, app: Any, db: Database, client: httpx.AsyncClient) -> None:
        self.app, self.db, self.client = app, db, client
        self.callers: dict[Role, httpx.AsyncClient] = {}
        self.plan_id = 0

    async def build(self, *, activities: bool = True, quality_a: bool = True, standard: bool = True) -> World:
        c = self.client
        await c.post(
            f"{API}/local-governments",
            json={
                "code": LGO,
                "name_th": "อบต.ตลาด",
                "kind": "subdistrict_administration",
                "province_code": PROVINCE,
                "subdistrict_codes": ["840101"],
            },
        )
        await c.post(
            f"{API}/villages",
            json={"code": VILLAGE, "name_th": "บ้านน้ำใส", "households": 10, "local_government_code": LGO},
        )
        plan = await c.post(
            f"{API}/plans",
            json={
                "village_code": VILLAGE,
                "year": 2569,
                "households_contributing_data": 10 if quality_a else 1,
                "participating_households": 10,
                "lgo_participated_from_start": True,
                "sufficiency_economy_process": True,
                "book_file_ref": "ตู้เอกสาร 3",
            },
        )
        assert plan.status_code == 201, plan.text
        self.plan_id = plan.json()["id"]
        if activities:
            body = {
                "title": "ปลูกผักสวนครัว",
                "working_group": "economy",
                "kind": "self_reliance",
                "status": "completed",
            }
            assert (await c.post(f"{API}/plans/{self.plan_id}/activities", json=body)).status_code == 201
        await c.post(f"{API}/plans/{self.plan_id}/assessments", json={"kind": "quality"})
        if standard:
            await c.post(
                f"{API}/plans/{self.plan_id}/assessments", json={"kind": "standard", "scores": GOOD_SCORES}
            )
        for role, scope in SCOPES.items():
            key = await make_key(self.db, role, scope, f"wf {role}")
            self.callers[role] = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app),
                base_url="http://test",
                headers={"Authorization": f"Bearer {key}"},
            )
        return self

    async def set_status(self, status: PlanStatus) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE plan SET status = :s WHERE id = :i"), {"s": status.value, "i": self.plan_id}
            )

    async def act(
        self, role: Role, action: str, comment: str | None = "เหตุผลประกอบ", **headers: str
    ) -> httpx.Response:
        body: dict[str, Any] = {"action": action}
        if comment is not None:
            body["comment"] = comment
        return await self.callers[role].post(
            f"{API}/plans/{self.plan_id}/transitions", json=body, headers=headers
        )

    async def close(self) -> None:
        for caller in self.callers.values():
            await caller.aclose()


@pytest.fixture
async def world(app: Any, db: Database, client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    w = await World(app, db, client).build()
    yield w
    await w.close()


@pytest.mark.parametrize("action", list(Action), ids=[a.value for a in Action])
@pytest.mark.parametrize("state", list(PlanStatus), ids=[s.value for s in PlanStatus])
async def test_every_state_action_role_answers_as_the_table_says(
    world: World, db: Database, state: PlanStatus, action: Action
) -> None:
    step = WORKFLOW[action]
    for role in Role:
        await world.set_status(state)
        before_history = await count_rows(db, "plan_transition")
        before_events = await count_rows(db, "event")
        response = await world.act(role, action.value)
        if state not in step.sources:
            assert response.status_code == 409, (role, response.text)
            assert response.json()["type"].endswith("wrong-state")
            allowed = [a.value for a in Action if state in WORKFLOW[a].sources and WORKFLOW[a].role is role]
            assert response.json()["allowed_actions"] == allowed
        elif role is not step.role:
            assert response.status_code == 403, (role, response.text)
        else:
            assert response.status_code == 200, (role, response.text)
            assert response.json()["status"] == step.target.value
            assert await count_rows(db, "plan_transition") == before_history + 1
            assert await count_rows(db, "event") == before_events + (2 if action is Action.certify else 1)
            continue
        # A refused action changes nothing: same state, no history, no event.
        plan = (await world.client.get(f"{API}/plans/{world.plan_id}")).json()
        assert plan["status"] == state.value
        assert await count_rows(db, "plan_transition") == before_history
        assert await count_rows(db, "event") == before_events


async def test_allowed_actions_follow_the_caller(world: World) -> None:
    for role, expected in (
        (Role.village_committee, ["submit"]),
        (Role.district_officer, []),
        (Role.admin, []),
    ):
        plan = (await world.callers[role].get(f"{API}/plans/{world.plan_id}")).json()
        assert plan["allowed_actions"] == expected
    await world.set_status(PlanStatus.submitted)
    plan = (await world.callers[Role.district_officer].get(f"{API}/plans/{world.plan_id}")).json()
    assert plan["allowed_actions"] == ["return", "approve"]


async def test_a_plan_goes_from_draft_to_certified_by_the_right_roles(world: World, db: Database) -> None:
    steps = [
        (Role.village_committee, "submit", "submitted"),
        (Role.district_officer, "return", "returned"),
        (Role.village_committee, "submit", "submitted"),
        (Role.district_officer, "approve", "district_approved"),
        (Role.lgo_planner, "integrate", "tambon_integrated"),
        (Role.district_officer, "request_certification", "certification_requested"),
        (Role.provincial_officer, "certify", "certified"),
    ]
    for role, action, status in steps:
        response = await world.act(role, action, comment="แก้ไขงบประมาณ" if action == "return" else None)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == status
    history = (await world.client.get(f"{API}/plans/{world.plan_id}/history")).json()["items"]
    assert [(h["action"], h["from_status"], h["to_status"], h["actor_role"]) for h in history] == [
        ("submit", "draft", "submitted", "village_committee"),
        ("return", "submitted", "returned", "district_officer"),
        ("submit", "returned", "submitted", "village_committee"),
        ("approve", "submitted", "district_approved", "district_officer"),
        ("integrate", "district_approved", "tambon_integrated", "lgo_planner"),
        ("request_certification", "tambon_integrated", "certification_requested", "district_officer"),
        ("certify", "certification_requested", "certified", "provincial_officer"),
    ]
    assert history[1]["comment"] == "แก้ไขงบประมาณ"
    assert all(h["actor"].startswith("key:") and h["created_at"] for h in history)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT type, sequence, stream FROM event ORDER BY sequence"))).all()
    assert [r.type for r in rows] == ["plan.status_changed"] * 7 + ["plan.certified"]
    assert [r.sequence for r in rows] == list(range(1, 9))
    assert {r.stream for r in rows} == {f"local_government:{LGO}"}


@pytest.mark.parametrize(
    ("setup", "state", "role", "action", "guard"),
    [
        ({"activities": False}, PlanStatus.draft, Role.village_committee, "submit", "has_activities"),
        (
            {"quality_a": False},
            PlanStatus.tambon_integrated,
            Role.district_officer,
            "request_certification",
            "quality_grade_a",
        ),
        (
            {"standard": False},
            PlanStatus.certification_requested,
            Role.provincial_officer,
            "certify",
            "standard_good_or_better",
        ),
    ],
)
async def test_a_guard_not_met_is_409_naming_it(
    app: Any,
    db: Database,
    client: httpx.AsyncClient,
    setup: dict[str, bool],
    state: PlanStatus,
    role: Role,
    action: str,
    guard: str,
) -> None:
    w = await World(app, db, client).build(**setup)
    try:
        await w.set_status(state)
        response = await w.act(role, action)
        assert response.status_code == 409
        assert response.json()["guard"] == guard and guard in response.json()["detail"]
        assert await count_rows(db, "plan_transition") == 0
    finally:
        await w.close()


async def test_approve_needs_a_quality_assessment(app: Any, db: Database, client: httpx.AsyncClient) -> None:
    w = await World(app, db, client).build()
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM assessment WHERE kind = 'quality'"))
        await w.set_status(PlanStatus.submitted)
        response = await w.act(Role.district_officer, "approve")
        assert response.status_code == 409 and response.json()["guard"] == "quality_assessment_exists"
    finally:
        await w.close()


@pytest.mark.parametrize("comment", [None, "", "   "])
@pytest.mark.parametrize(
    ("state", "role", "action"),
    [
        (PlanStatus.submitted, Role.district_officer, "return"),
        (PlanStatus.certification_requested, Role.provincial_officer, "reject_certification"),
    ],
)
async def test_return_and_reject_need_a_comment(
    world: World, db: Database, state: PlanStatus, role: Role, action: str, comment: str | None
) -> None:
    await world.set_status(state)
    response = await world.act(role, action, comment=comment)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "comment"
    assert await count_rows(db, "plan_transition") == 0


async def test_bad_requests_change_nothing(world: World, db: Database) -> None:
    officer = world.callers[Role.village_committee]
    url = f"{API}/plans/{world.plan_id}/transitions"
    assert (await officer.post(url, json={"action": "publish"})).status_code == 422
    assert (await officer.post(url, json={"action": "submit", "comment": "ก" * 2001})).status_code == 422
    assert (await officer.post(url, json={"action": "submit", "extra": 1})).status_code == 422
    assert (
        await officer.post(f"{API}/plans/999999/transitions", json={"action": "submit"})
    ).status_code == 404
    stale = await world.act(Role.village_committee, "submit", **{"If-Match": '"1-0"'})
    assert stale.status_code == 412
    assert await count_rows(db, "plan_transition") == 0
    assert await count_rows(db, "event") == 0
    assert (await world.client.get(f"{API}/plans/{world.plan_id}")).json()["status"] == "draft"


async def test_current_etag_lets_the_action_through(world: World) -> None:
    etag = (await world.callers[Role.village_committee].get(f"{API}/plans/{world.plan_id}")).headers["ETag"]
    response = await world.act(Role.village_committee, "submit", **{"If-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


async def test_out_of_scope_officer_gets_404(app: Any, world: World, db: Database) -> None:
    key = await make_key(db, Role.district_officer, "8402", "other district")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    ) as other:
        await world.set_status(PlanStatus.submitted)
        response = await other.post(f"{API}/plans/{world.plan_id}/transitions", json={"action": "approve"})
        assert response.status_code == 404
        assert (await other.get(f"{API}/plans/{world.plan_id}/history")).status_code == 404


async def test_concurrent_officers_exactly_one_wins(world: World, db: Database) -> None:
    await world.set_status(PlanStatus.submitted)
    officer = world.callers[Role.district_officer]
    url = f"{API}/plans/{world.plan_id}/transitions"
    responses = await asyncio.gather(
        *(
            officer.post(url, json={"action": "approve" if i % 2 else "return", "comment": f"ความเห็น {i}"})
            for i in range(12)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1, [r.text for r in responses]
    assert set(codes) <= {200, 409, 412}
    history = (await world.client.get(f"{API}/plans/{world.plan_id}/history")).json()["items"]
    assert len(history) == 1
    assert await count_rows(db, "event") == 1
