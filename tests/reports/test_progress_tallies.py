"""The progress report read from the tallies the database keeps gives exactly the figures computed from
scratch: after a random mix of writes through the API (plans, revisions, activities, workflow steps,
assessments, adoptions and withdrawals, forums, deletes, bulk uploads), after writes that bypass the
application (Core, COPY, TRUNCATE), and with writers racing on the same plan."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core.actor import Actor, Role
from app.core.db import Database
from app.reports import service, tally
from tests.helpers import key_client

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
YEARS = (2568, 2569)
LGO = "6840101"  # covers tambon 840101
VILLAGES = ("84010101", "84010102", "84010103", "84010201", "84020101", "50010101", "50010201")
DISTRICTS = ("8401", "8402", "5001")
KINDS = ("self_reliance", "joint", "external_support")
STATUSES = ("planned", "in_progress", "completed", "cancelled")
GOOD_SCORES = {
    "sufficiency_economy": 18,
    "participation": 17,
    "learning": 16,
    "plan_use": 15,
    "plan_structure": 18,
}
GRADE_A_ACTIVITIES = (("self_reliance", "completed"), ("self_reliance", "planned"), ("joint", "completed"))
ADMIN = Actor("test", "test", Role.admin, None)
# The areas whose reports are compared: the country, two provinces, two districts.
AREAS = ((None, None), ("84", None), ("50", None), (None, "8401"), (None, "5001"))


async def assert_tallies_exact(db: Database) -> None:
    """Every figure of every compared report, and every tally row, equal to the from-scratch computation."""
    async with db.session() as session:
        assert await tally.check(session) == []
        # The notes of units to recount are gone with the transactions that made them.
        assert (await session.execute(text("SELECT count(*) FROM progress_pending"))).scalar_one() == 0
        for year in YEARS:
            for province, district in AREAS:
                kept = await service.progress(session, ADMIN, province, district, year)
                scratch = await service.progress(session, ADMIN, province, district, year, from_scratch=True)
                assert kept.model_dump() == scratch.model_dump(), (year, province, district)


async def made(response: Any) -> dict[str, Any]:
    r = await response
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


async def setup_areas(client: httpx.AsyncClient) -> None:
    await made(
        client.post(
            f"{API}/local-governments",
            json={
                "code": LGO,
                "name_th": "อบต.ตลาด",
                "kind": "subdistrict_administration",
                "province_code": "84",
                "subdistrict_codes": ["840101"],
            },
        )
    )
    for code in VILLAGES:
        body: dict[str, Any] = {"code": code, "name_th": "บ้านทดสอบ", "households": 40}
        if code.startswith("840101"):
            body["local_government_code"] = LGO
        await made(client.post(f"{API}/villages", json=body))


class World:
    """What the random writer knows: plans and activities made so far (some since deleted)."""

    def __init__(self, rng: random.Random, client: httpx.AsyncClient, roles: dict[Any, httpx.AsyncClient]):
        self.rng, self.client, self.roles = rng, client, roles
        self.plans: list[dict[str, Any]] = []
        self.activities: list[int] = []
        self.forums: list[int] = []
        self.statuses: dict[int, int] = {}  # HTTP status → how many

    def note(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code < 500, response.text
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response

    def plan(self) -> dict[str, Any] | None:
        return self.rng.choice(self.plans) if self.plans else None

    async def create_plan(self) -> None:
        body = {
            "village_code": self.rng.choice(VILLAGES),
            "year": self.rng.choice(YEARS),
            "households_contributing_data": 40,
            "participating_households": self.rng.choice((10, 40, 40, 40)),
            "lgo_participated_from_start": self.rng.random() < 0.9,
            "sufficiency_economy_process": self.rng.random() < 0.9,
            "book_file_ref": "ตู้ 1",
        }
        r = self.note(await self.client.post(f"{API}/plans", json=body))
        if r.status_code == 201:
            self.plans.append(r.json())

    async def revise(self) -> None:
        plan = self.plan()
        if plan:
            body = {"year": plan["year"] + 1} if self.rng.random() < 0.3 else {}
            r = self.note(await self.client.post(f"{API}/plans/{plan['id']}/revisions", json=body))
            if r.status_code == 201:
                self.plans.append(r.json())

    async def add_activity(self) -> None:
        plan = self.plan()
        if plan:
            await self.add_activity_to(plan["id"])

    async def change_activity(self) -> None:
        if self.activities:
            body = self.rng.choice(
                ({"status": self.rng.choice(STATUSES)}, {"kind": self.rng.choice(KINDS)}, {"title": "ใหม่"})
            )
            activity = self.rng.choice(self.activities)
            self.note(await self.client.patch(f"{API}/activities/{activity}", json=body))

    async def delete_activity(self) -> None:
        if self.activities:
            self.note(await self.client.delete(f"{API}/activities/{self.rng.choice(self.activities)}"))

    async def delete_plan(self) -> None:
        plan = self.plan()
        if plan:
            self.note(await self.client.delete(f"{API}/plans/{plan['id']}"))

    async def assess(self) -> None:
        plan = self.plan()
        if plan:
            body: dict[str, Any] = {"kind": "quality"}
            if self.rng.random() < 0.3:
                body = {"kind": "standard", "scores": GOOD_SCORES}
            elif self.rng.random() < 0.3:
                # A later, worse quality assessment: the newest one decides grade A.
                patch = {"participating_households": self.rng.choice((0, 40))}
                self.note(await self.client.patch(f"{API}/plans/{plan['id']}", json=patch))
            self.note(await self.client.post(f"{API}/plans/{plan['id']}/assessments", json=body))

    async def transition(self) -> None:
        plan = self.plan()
        if plan:
            action, role = self.rng.choice(
                (
                    ("submit", Role.village_committee),
                    ("approve", Role.district_officer),
                    ("return", Role.district_officer),
                    ("integrate", Role.lgo_planner),
                    ("request_certification", Role.district_officer),
                    ("certify", Role.provincial_officer),
                    ("reject_certification", Role.provincial_officer),
                )
            )
            caller = self.roles[(role, plan["village_code"])]
            body = {"action": action, "comment": "ตามมติเวที"}
            self.note(await caller.post(f"{API}/plans/{plan['id']}/transitions", json=body))

    async def push(self) -> None:
        """The next workflow step of a plan in the local government's tambon, with what it needs first
        (activities, assessments, adoptions): the random steps alone seldom get this far."""
        plans = [p for p in self.plans if p["village_code"].startswith("840101")]
        if not plans:
            return
        plan_id = self.rng.choice(plans)["id"]
        r = await self.client.get(f"{API}/plans/{plan_id}")
        if r.status_code != 200:
            return
        status, village = r.json()["status"], r.json()["village_code"]
        url = f"{API}/plans/{plan_id}"
        steps = {
            "draft": ("submit", Role.village_committee),
            "returned": ("submit", Role.village_committee),
            "submitted": ("approve", Role.district_officer),
            "district_approved": ("integrate", Role.lgo_planner),
            "tambon_integrated": ("request_certification", Role.district_officer),
            "certification_requested": ("certify", Role.provincial_officer),
        }
        if status not in steps:
            return
        action, role = steps[status]
        if status in ("draft", "returned"):
            # What a grade A plan holds (tests/test_reports.py): mostly self-reliance, some of it done.
            for kind, progress in GRADE_A_ACTIVITIES:
                await self.add_activity_to(plan_id, kind, progress)
        elif status in ("submitted", "tambon_integrated"):
            self.note(await self.client.post(f"{url}/assessments", json={"kind": "quality"}))
        elif status == "district_approved":
            listed = (await self.client.get(f"{url}/activities", params={"limit": 500})).json()["items"]
            for activity in listed:
                if self.rng.random() < 0.6:
                    body = {"local_government_code": LGO, "fiscal_year": 2569, "budget": "250.50"}
                    self.note(await self.client.put(f"{API}/activities/{activity['id']}/adoption", json=body))
        elif status == "certification_requested":
            body = {"kind": "standard", "scores": GOOD_SCORES}
            self.note(await self.client.post(f"{url}/assessments", json=body))
        caller = self.roles[(role, village)]
        self.note(await caller.post(f"{url}/transitions", json={"action": action, "comment": "ตามมติเวที"}))

    async def add_activity_to(self, plan_id: int, kind: str | None = None, status: str | None = None) -> None:
        body = {
            "title": "กิจกรรม",
            "working_group": "economy",
            "kind": kind or self.rng.choice(KINDS),
            "status": status or self.rng.choice(STATUSES),
            "budget": "100.00",
        }
        r = self.note(await self.client.post(f"{API}/plans/{plan_id}/activities", json=body))
        if r.status_code == 201:
            self.activities.append(r.json()["id"])

    async def adopt(self) -> None:
        if self.activities:
            body = {
                "local_government_code": LGO,
                "fiscal_year": 2569,
                "budget": self.rng.choice(("1500.25", "99.99", "0.00")),
            }
            activity = self.rng.choice(self.activities)
            self.note(await self.client.put(f"{API}/activities/{activity}/adoption", json=body))

    async def withdraw(self) -> None:
        if self.activities:
            activity = self.rng.choice(self.activities)
            self.note(await self.client.delete(f"{API}/activities/{activity}/adoption"))

    async def forum(self) -> None:
        counts = {
            "support_team_count": self.rng.choice((5, 20, 30)),
            "village_representative_count": self.rng.choice((10, 35, 50)),
        }
        if self.forums and self.rng.random() < 0.4:
            body: dict[str, Any] = self.rng.choice(
                (counts, {"district_code": self.rng.choice(DISTRICTS)}, {"date": "2025-09-30"})
            )
            self.note(await self.client.patch(f"{API}/forums/{self.rng.choice(self.forums)}", json=body))
            return
        body = {
            "district_code": self.rng.choice(DISTRICTS),
            "date": self.rng.choice(("2025-11-10", "2026-02-01", "2025-09-30")),
            "title": "เวทีประชาคมอำเภอ",
            **counts,
        }
        r = self.note(await self.client.post(f"{API}/forums", json=body))
        if r.status_code == 201:
            self.forums.append(r.json()["id"])

    async def village(self) -> None:
        code = f"8401010{self.rng.randint(4, 9)}"
        if self.rng.random() < 0.5:
            self.note(await self.client.post(f"{API}/villages", json={"code": code, "name_th": "บ้านใหม่"}))
        else:
            self.note(await self.client.delete(f"{API}/villages/{code}"))

    async def bulk(self) -> None:
        live = [p for p in self.plans if p["status"] in ("draft", "returned")][-3:]
        if not live:
            return
        lines = ["plan_id,title,working_group,kind,budget,fiscal_year,status"]
        for i in range(30):
            plan = self.rng.choice(live)
            kind, status = self.rng.choice(KINDS), self.rng.choice(STATUSES)
            lines.append(f"{plan['id']},งานที่ {i},economy,{kind},10.00,2569,{status}")
        body = ("\r\n".join(lines) + "\r\n").encode()
        r = self.note(
            await self.client.post(
                f"{API}/bulk/activities",
                content=body,
                params={"mode": "partial"},
                headers={"Content-Type": "text/csv"},
            )
        )
        assert r.status_code in (200, 201, 202), r.text


@pytest.mark.parametrize("seed", [1, 2])
async def test_random_writes_through_the_api_keep_every_figure_exact(
    app: Any, db: Database, client: httpx.AsyncClient, seed: int
) -> None:
    await setup_areas(client)
    scopes = {
        Role.village_committee: {v: v for v in VILLAGES},
        Role.district_officer: {v: v[:4] for v in VILLAGES},
        Role.provincial_officer: {v: v[:2] for v in VILLAGES},
        Role.lgo_planner: {v: LGO for v in VILLAGES},
    }
    clients: dict[tuple[Role, str], httpx.AsyncClient] = {}
    roles: dict[Any, httpx.AsyncClient] = {}
    try:
        for role, by_village in scopes.items():
            for village, scope in by_village.items():
                if (role, scope) not in clients:
                    clients[(role, scope)] = await key_client(app, db, role, scope)
                roles[(role, village)] = clients[(role, scope)]
        world = World(random.Random(seed), client, roles)
        steps = [
            (world.create_plan, 6),
            (world.revise, 2),
            (world.add_activity, 10),
            (world.change_activity, 4),
            (world.delete_activity, 2),
            (world.delete_plan, 1),
            (world.assess, 4),
            (world.transition, 4),
            (world.push, 12),
            (world.adopt, 4),
            (world.withdraw, 2),
            (world.forum, 3),
            (world.village, 1),
        ]
        actions = [step for step, weight in steps for _ in range(weight)]
        for i in range(200):
            await world.rng.choice(actions)()
            if i % 70 == 69:
                await world.bulk()
                await assert_tallies_exact(db)
        await assert_tallies_exact(db)
    finally:
        for c in clients.values():
            await c.aclose()
    # The mix did reach the interesting states (not only refusals).
    async with db.session() as session:
        reached = {
            row[0]
            for row in await session.execute(
                text("SELECT to_status FROM plan_transition UNION SELECT 'adopted' FROM adoption")
            )
        }
    assert {"submitted", "district_approved", "certified", "adopted"} <= reached, (reached, world.statuses)
    # And the report over HTTP is the from-scratch one, figure for figure.
    async with db.session() as session:
        scratch = await service.progress(session, ADMIN, None, None, 2569, from_scratch=True)
    response = await client.get(f"{API}/reports/progress", params={"year": 2569})
    assert response.json() == scratch.model_dump(mode="json")


async def test_writes_that_bypass_the_application_keep_the_tallies_exact(
    db: Database, client: httpx.AsyncClient
) -> None:
    await setup_areas(client)
    plan = await made(client.post(f"{API}/plans", json={"village_code": VILLAGES[0], "year": 2569}))
    revision = await made(client.post(f"{API}/plans/{plan['id']}/revisions", json={}))
    insert = text(
        "INSERT INTO activity (plan_id, village_code, district_code, province_code, title, working_group, "
        "kind, budget_satang, status, created_at, updated_at, version) VALUES "
        "(:plan, :village, :district, :province, 'งาน', 'economy', :kind, 0, :status, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
    )
    where = {"village": VILLAGES[0], "district": VILLAGES[0][:4], "province": VILLAGES[0][:2]}
    async with db.engine.begin() as conn:
        await conn.execute(
            insert,
            [
                {**where, "plan": p, "kind": kind, "status": status}
                for p in (plan["id"], revision["id"])
                for kind in KINDS
                for status in STATUSES
            ],
        )
        await conn.execute(
            text(
                "INSERT INTO adoption (activity_id, local_government_code, fiscal_year, budget_satang, "
                "adopted_by, adopted_at, updated_at, version) SELECT id, :lgo, 2569, id * 100, 'sql', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 FROM activity WHERE kind = 'joint'"
            ),
            {"lgo": LGO},
        )
        await conn.execute(text("UPDATE activity SET status = 'completed' WHERE status = 'planned'"))
        await conn.execute(text("UPDATE adoption SET budget_satang = budget_satang + 1"))
        await conn.execute(
            text(
                "INSERT INTO forum (district_code, province_code, date, fiscal_year, title, "
                "support_team_count, village_representative_count, created_by, created_at, updated_at, "
                "version) VALUES ('8401', '84', '2026-01-01', 2569, 'เวที', 20, 35, 'sql', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
        # A village moved to another tambon and district (no API does this; the tallies follow anyway).
        await conn.execute(
            text("UPDATE village SET subdistrict_code = '840201', district_code = '8402' WHERE code = :code"),
            {"code": VILLAGES[1]},
        )
    await assert_tallies_exact(db)
    async with db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM activity WHERE kind = 'external_support'"))
        # The current revision goes: the first one counts again, with its activities.
        await conn.execute(text("DELETE FROM plan WHERE id = :id"), {"id": revision["id"]})
        await conn.execute(text("UPDATE forum SET support_team_count = 1"))
    await assert_tallies_exact(db)
    if db.engine.dialect.name == "postgresql":
        now = dt.datetime.now(dt.UTC)
        async with db.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.copy_records_to_table(
                "activity",
                records=[(plan["id"], *where.values(), "งาน", "economy", "joint", 0, "planned", now, now, 1)]
                * 50,
                columns=[
                    "plan_id",
                    "village_code",
                    "district_code",
                    "province_code",
                    "title",
                    "working_group",
                    "kind",
                    "budget_satang",
                    "status",
                    "created_at",
                    "updated_at",
                    "version",
                ],
            )
        await assert_tallies_exact(db)
        async with db.engine.begin() as conn:
            await conn.execute(text("TRUNCATE adoption"))
        await assert_tallies_exact(db)


async def test_only_certification_among_status_changes_moves_the_tallies(
    db: Database, client: httpx.AsyncClient
) -> None:
    """The plan's trigger recounts only when a plan becomes or stops being certified (no other status
    reaches a figure): every status change, made behind the service's back, keeps the figures exact."""
    await setup_areas(client)
    plan = await made(client.post(f"{API}/plans", json={"village_code": VILLAGES[0], "year": 2569}))
    steps = ("submitted", "certified", "certification_rejected", "certified", "draft", "district_approved")
    certified = []
    for status in steps:
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE plan SET status = :status WHERE id = :id"), {"status": status, "id": plan["id"]}
            )
        await assert_tallies_exact(db)
        async with db.session() as session:
            report = await service.progress(session, ADMIN, "84", None, 2569)
        certified.append(report.totals.certified.count)
    assert certified == [0, 1, 0, 1, 0, 0]


async def test_writers_racing_on_one_plan_lose_no_count(
    app: Any, db: Database, client: httpx.AsyncClient
) -> None:
    await setup_areas(client)
    village = VILLAGES[0]
    plan = await made(client.post(f"{API}/plans", json={"village_code": village, "year": 2569}))
    url = f"{API}/plans/{plan['id']}"
    body = {"title": "งาน", "working_group": "economy", "kind": "self_reliance", "status": "completed"}

    async def add() -> int:
        return int((await made(client.post(f"{url}/activities", json=body)))["id"])

    ids = await asyncio.gather(*(add() for _ in range(24)))
    more = await asyncio.gather(
        *(add() for _ in range(6)),
        *(made(client.patch(f"{API}/activities/{i}", json={"kind": "joint"})) for i in ids[:6]),
        *(client.delete(f"{API}/activities/{i}") for i in ids[6:12]),
        client.post(f"{url}/assessments", json={"kind": "quality"}),
    )
    assert all(getattr(r, "status_code", 204) == 204 for r in more[12:18])
    committee = await key_client(app, db, Role.village_committee, village)
    officer = await key_client(app, db, Role.district_officer, village[:4])
    try:
        for caller, action in ((committee, "submit"), (officer, "approve")):
            await made(caller.post(f"{url}/transitions", json={"action": action}))
    finally:
        await committee.aclose()
        await officer.aclose()
    adoption = {"local_government_code": LGO, "fiscal_year": 2569, "budget": "10.00"}
    await asyncio.gather(
        *(made(client.put(f"{API}/activities/{i}/adoption", json=adoption)) for i in ids[12:24]),
        *(made(client.patch(f"{API}/activities/{i}", json={"status": "planned"})) for i in ids[:3]),
    )
    await assert_tallies_exact(db)
    async with db.session() as session:
        report = await service.progress(session, ADMIN, None, village[:4], 2569)
    assert report.totals.activities.total == 24
    assert report.totals.activities.joint == 6
    assert report.totals.completed_by_community.count == 18
    assert report.totals.adopted.count == 12
    assert str(report.totals.adopted_budget) == "120.00"


async def test_every_trigger_is_in_place(db: Database) -> None:
    """A migration that rebuilds one of these tables on SQLite (batch mode) drops its triggers with it."""
    async with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'progress_%'"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'progress_%'"
        found = {row[0] for row in await conn.execute(text(query))}
    events = ["insert", "delete", "update"]
    if db.engine.dialect.name == "postgresql":
        events.append("truncate")
    tables = ("plan", "activity", "assessment", "adoption", "village", "forum")
    expected = {f"progress_{t}_{e}" for t in tables for e in events}
    if db.engine.dialect.name == "postgresql":
        expected.add("progress_pending_flush")  # the recount at commit
    assert found == expected


async def test_rebuild_repairs_tallies_that_drifted(db: Database, client: httpx.AsyncClient) -> None:
    await setup_areas(client)
    await made(client.post(f"{API}/plans", json={"village_code": VILLAGES[0], "year": 2569}))
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE progress_unit SET activities = 7"))
        await conn.execute(text("DELETE FROM progress_village WHERE province_code = '50'"))
    async with db.session() as session:
        drift = await tally.check(session)
        assert {(d.table, d.key) for d in drift} == {
            ("progress_unit", (2569, VILLAGES[0])),
            ("progress_village", ("50", "5001", "500101")),
            ("progress_village", ("50", "5001", "500102")),
        }
        await tally.rebuild(session)
        await session.commit()
    await assert_tallies_exact(db)


def test_check_reports_command_finds_and_repairs_drift(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cplan.db'}"
    env["PYTHONPATH"] = str(ROOT)

    def cplan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "check-reports", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert cplan().returncode == 0
    with sqlite3.connect(tmp_path / "cplan.db") as conn:
        conn.execute("INSERT INTO progress_village VALUES ('84', '8401', '840101', 3)")
    found = cplan()
    assert found.returncode == 1 and "progress_village" in found.stdout, found.stdout
    assert cplan("--repair").returncode == 1
    repaired = cplan()
    assert repaired.returncode == 0, repaired.stdout
