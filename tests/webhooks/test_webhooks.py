"""Adoption, the event feed and signed webhooks, against a real HTTP receiver on loopback whose every
delivery is verified with the `standardwebhooks` package."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import socket
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from standardwebhooks import Webhook

from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.webhooks.worker import DeliveryWorker
from tests.helpers import count_rows, make_key
from tests.receiver import Receiver

API = "/api/v1"
LGO, OTHER_LGO = "6840101", "6840201"
VILLAGE, OTHER_VILLAGE = "84010101", "84010201"


def _client(app: Any, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    )


class Scene:
    """Two local governments, each with a village and a district-approved plan with one activity."""

    def __init__(self, app: Any, db: Database, client: httpx.AsyncClient, settings: Settings) -> None:
        self.app, self.db, self.client, self.settings = app, db, client, settings
        self.activities: dict[str, int] = {}
        self.plans: dict[str, int] = {}

    async def build(self) -> Scene:
        for lgo, village, sub in ((LGO, VILLAGE, "840101"), (OTHER_LGO, OTHER_VILLAGE, "840102")):
            await self.client.post(
                f"{API}/local-governments",
                json={
                    "code": lgo,
                    "name_th": "อบต.ทดสอบ",
                    "kind": "subdistrict_administration",
                    "province_code": "84",
                    "subdistrict_codes": [sub],
                },
            )
            await self.client.post(
                f"{API}/villages",
                json={"code": village, "name_th": "บ้านน้ำใส", "households": 50, "local_government_code": lgo},
            )
            plan = (
                await self.client.post(f"{API}/plans", json={"village_code": village, "year": 2569})
            ).json()
            activity = await self.client.post(
                f"{API}/plans/{plan['id']}/activities",
                json={
                    "title": "ถนนคอนกรีตเสริมเหล็ก",
                    "working_group": "development_planning",
                    "kind": "external_support",
                    "budget": "250000.00",
                },
            )
            self.plans[lgo], self.activities[lgo] = plan["id"], activity.json()["id"]
        await self.set_status("district_approved")
        self.lgo = _client(self.app, await make_key(self.db, Role.lgo_planner, LGO, "lgo system"))
        self.other = _client(self.app, await make_key(self.db, Role.lgo_planner, OTHER_LGO, "other lgo"))
        return self

    async def set_status(self, status: str) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(text("UPDATE plan SET status = :s"), {"s": status})

    async def subscribe(
        self, url: str, caller: httpx.AsyncClient | None = None, **extra: Any
    ) -> dict[str, Any]:
        body = {"url": url, "local_government_code": LGO, **extra}
        response = await (caller or self.lgo).post(f"{API}/webhook-subscriptions", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def adopt(
        self, budget: str = "200000.00", lgo: str = LGO, caller: httpx.AsyncClient | None = None
    ) -> httpx.Response:
        return await (caller or self.lgo).put(
            f"{API}/activities/{self.activities[lgo]}/adoption",
            json={
                "local_government_code": lgo,
                "fiscal_year": 2570,
                "budget": budget,
                "lgo_project_ref": "ผ.02/2570-15",
            },
        )

    async def make_due(self) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE webhook_delivery SET next_attempt_at = :t WHERE status = 'pending'"),
                {"t": dt.datetime(2000, 1, 1)},
            )

    async def close(self) -> None:
        await self.lgo.aclose()
        await self.other.aclose()


def verify(secret: str, received: Any) -> dict[str, Any]:
    return dict(Webhook(secret).verify(received.body, received.headers))


async def test_an_adoption_reaches_the_local_government_signed(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver
) -> None:
    sub = await scene.subscribe(receiver.url)
    assert sub["secret"].startswith("whsec_")
    adopted = await scene.adopt()
    assert adopted.status_code == 201
    assert adopted.json()["adoption"]["budget"] == "200000.00"
    assert await worker.run_once() == 1
    assert len(receiver.received) == 1
    payload = verify(sub["secret"], receiver.received[0])
    assert payload["type"] == "activity.adopted"
    assert payload["data"]["id"] == scene.activities[LGO]
    assert payload["data"]["adoption"] == adopted.json()["adoption"]
    assert payload["data"]["title"] == "ถนนคอนกรีตเสริมเหล็ก"
    # The webhook-id is the event's id in the feed.
    feed = (await scene.lgo.get(f"{API}/events")).json()["items"]
    assert receiver.received[0].headers["webhook-id"] == feed[-1]["id"]
    # And the attempt is logged; the secret is never shown again.
    deliveries = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"]
    assert deliveries[0]["status"] == "succeeded" and deliveries[0]["attempt_log"][0]["status_code"] == 200
    got = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}")).json()
    assert "secret" not in got
    async with scene.db.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT secret_cipher FROM webhook_subscription"))).scalar_one()
    assert sub["secret"] not in stored and sub["secret"][6:] not in stored


async def test_update_and_withdrawal_are_events_too(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver
) -> None:
    sub = await scene.subscribe(receiver.url)
    await scene.adopt()
    same = await scene.adopt()
    assert same.status_code == 200  # nothing changed: no event
    changed = await scene.adopt(budget="180000.50")
    assert changed.status_code == 200 and changed.json()["adoption"]["budget"] == "180000.50"
    assert (await scene.lgo.delete(f"{API}/activities/{scene.activities[LGO]}/adoption")).status_code == 204
    await worker.run_once()
    types = [verify(sub["secret"], r)["type"] for r in sorted(receiver.received, key=lambda r: r.at)]
    assert sorted(types) == sorted(
        ["activity.adopted", "activity.adoption_updated", "activity.adoption_withdrawn"]
    )
    feed = (await scene.lgo.get(f"{API}/events")).json()["items"]
    assert [e["type"] for e in feed] == [
        "activity.adopted",
        "activity.adoption_updated",
        "activity.adoption_withdrawn",
    ]
    assert [e["stream_sequence"] for e in feed] == [1, 2, 3]
    assert feed[2]["data"]["adoption"] is None


async def test_a_receiver_that_is_down_then_fails_then_recovers_gets_everything(
    scene: Scene, worker: DeliveryWorker
) -> None:
    with socket.socket() as s:  # a port with nobody listening yet
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    late = Receiver(port=port)
    sub = await scene.subscribe(f"http://127.0.0.1:{port}/hooks/cplan")
    await scene.adopt()
    await worker.run_once()  # down: connection refused
    late.script.extend([(500, {}), (500, {})])
    late.start()
    try:
        for _ in range(3):
            await scene.make_due()
            await worker.run_once()
        ids = {r.headers["webhook-id"] for r in late.received}
        assert len(late.received) == 3 and len(ids) == 1  # two 500s, then success; one webhook-id
        verify(sub["secret"], late.received[-1])
        log = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"][0]
        assert log["status"] == "succeeded"
        assert [a["status_code"] for a in log["attempt_log"]] == [None, 500, 500, 200]
        assert "ConnectError" in log["attempt_log"][0]["error"]
        assert (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}")).json()[
            "failing_since"
        ] is None
    finally:
        late.stop()


async def test_retries_back_off_and_honour_retry_after(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver, db: Database
) -> None:
    await scene.subscribe(receiver.url)
    receiver.script.extend([(500, {}), (429, {"Retry-After": "120"})])
    await scene.adopt()
    await worker.run_once()

    async def next_in() -> float:
        async with db.engine.connect() as conn:
            when = (await conn.execute(text("SELECT next_attempt_at FROM webhook_delivery"))).scalar_one()
        when = when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(when)
        when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
        return (when - dt.datetime.now(dt.UTC)).total_seconds()

    assert 3 <= await next_in() <= 6  # about 5 s, with jitter
    await scene.make_due()
    await worker.run_once()
    assert 110 <= await next_in() <= 121  # Retry-After: 120


async def test_redirects_are_not_followed(scene: Scene, worker: DeliveryWorker, receiver: Receiver) -> None:
    target = Receiver().start()
    try:
        sub = await scene.subscribe(receiver.url)
        receiver.script.append((302, {"Location": target.url}))
        await scene.adopt()
        await worker.run_once()
        assert target.received == []
        log = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"][0]
        assert log["status"] == "pending" and log["attempt_log"][0]["status_code"] == 302
    finally:
        target.stop()


async def test_gone_disables_and_reenabling_replays_the_backlog(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver
) -> None:
    sub = await scene.subscribe(receiver.url)
    receiver.script.append((410, {}))
    await scene.adopt()
    await worker.run_once()
    got = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}")).json()
    assert got["status"] == "disabled" and "410" in got["disabled_reason"]
    feed = (await scene.lgo.get(f"{API}/events", params={"types": "webhook_subscription.disabled"})).json()
    assert len(feed["items"]) == 1
    await scene.adopt(budget="1.00")  # while disabled: kept, not sent
    await worker.run_once()
    assert len(receiver.received) == 1
    enabled = await scene.lgo.patch(f"{API}/webhook-subscriptions/{sub['id']}", json={"status": "active"})
    assert enabled.status_code == 200 and enabled.json()["status"] == "active"
    await worker.run_once()
    types = sorted(verify(sub["secret"], r)["type"] for r in receiver.received[1:])
    assert types == sorted(["activity.adopted", "activity.adoption_updated", "webhook_subscription.disabled"])


async def test_an_endpoint_failing_for_five_days_is_disabled(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver, db: Database
) -> None:
    sub = await scene.subscribe(receiver.url)
    receiver.default = 503
    await scene.adopt()
    await worker.run_once()
    assert (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}")).json()["status"] == "active"
    async with db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE webhook_subscription SET failing_since = :t"),
            {"t": dt.datetime.now(dt.UTC) - dt.timedelta(days=5, minutes=1)},
        )
    await scene.make_due()
    await worker.run_once()
    got = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}")).json()
    assert got["status"] == "disabled" and "5 days" in got["disabled_reason"]


async def test_rotation_signs_with_both_secrets_for_the_grace_period(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver
) -> None:
    sub = await scene.subscribe(receiver.url)
    rotated = await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/rotate-secret", json={})
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != sub["secret"]
    await scene.adopt()
    await worker.run_once()
    message = receiver.received[0]
    assert len(message.headers["webhook-signature"].split(" ")) == 2
    assert verify(new_secret, message)["type"] == "activity.adopted"
    assert verify(sub["secret"], message)["type"] == "activity.adopted"
    # Without a grace period the old secret stops signing at once.
    await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/rotate-secret", json={"grace_seconds": 0})
    await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/test")
    await worker.run_once()
    assert len(receiver.received[1].headers["webhook-signature"].split(" ")) == 1


async def test_ping_resend_and_replay(scene: Scene, worker: DeliveryWorker, receiver: Receiver) -> None:
    sub = await scene.subscribe(receiver.url)
    queued = await scene.lgo.post(f"{API}/webhook-subscriptions/{sub['id']}/test")
    assert queued.status_code == 202
    await scene.adopt()
    await worker.run_once()
    assert sorted(verify(sub["secret"], r)["type"] for r in receiver.received) == [
        "activity.adopted",
        "webhook.test",
    ]
    deliveries = (await scene.lgo.get(f"{API}/webhook-subscriptions/{sub['id']}/deliveries")).json()["items"]
    adopted = next(d for d in deliveries if d["event_type"] == "activity.adopted")
    resend = await scene.lgo.post(
        f"{API}/webhook-subscriptions/{sub['id']}/deliveries/{adopted['id']}/resend"
    )
    assert resend.status_code == 202
    replay = await scene.lgo.post(
        f"{API}/webhook-subscriptions/{sub['id']}/replay", json={"since": "2020-01-01T00:00:00Z"}
    )
    assert replay.status_code == 202 and replay.json()["queued"] == 1
    await worker.run_once()
    adopted_ids = [
        r.headers["webhook-id"]
        for r in receiver.received
        if verify(sub["secret"], r)["type"] == "activity.adopted"
    ]
    assert len(adopted_ids) == 3 and len(set(adopted_ids)) == 1


async def test_subscriptions_only_get_their_local_governments_events(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver, client: httpx.AsyncClient
) -> None:
    other_receiver = Receiver().start()
    try:
        await scene.subscribe(receiver.url, event_types=["activity.adopted"])
        await scene.subscribe(other_receiver.url, caller=scene.other, local_government_code=OTHER_LGO)
        assert (await scene.adopt(lgo=OTHER_LGO, caller=scene.other)).status_code == 201
        transition = await client.post(
            f"{API}/plans/{scene.plans[LGO]}/transitions", json={"action": "integrate"}
        )
        assert transition.status_code == 403  # (admin is not the local government)
        await worker.run_once()
        assert receiver.received == []
        assert len(other_receiver.received) == 1
        # Each local government's feed holds only its own events.
        assert (await scene.lgo.get(f"{API}/events")).json()["items"] == []
        assert len((await scene.other.get(f"{API}/events")).json()["items"]) == 1
    finally:
        other_receiver.stop()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x"}, "url"),
        ({"url": "http://no-such-host.invalid/x"}, "url"),
        ({"url": "RECEIVER", "event_types": ["activity.eaten"]}, "event_types.0"),
    ],
)
async def test_bad_subscriptions_are_refused(
    scene: Scene, receiver: Receiver, db: Database, body: dict[str, Any], field: str
) -> None:
    if body["url"] == "RECEIVER":
        body["url"] = receiver.url
    response = await scene.lgo.post(
        f"{API}/webhook-subscriptions", json={"local_government_code": LGO, **body}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert await count_rows(db, "webhook_subscription") == 0


async def test_private_targets_need_the_allowlist(
    db: Database, settings: Settings, scene: Scene, receiver: Receiver
) -> None:
    strict = create_app(settings.model_copy(update={"webhook_allowed_networks": ""}), db)
    key = await make_key(db, Role.lgo_planner, LGO)
    async with _client(strict, key) as caller:
        for url in (
            receiver.url,
            "http://10.1.2.3/x",
            "http://169.254.169.254/latest",
            "http://[::1]:8080/x",
        ):
            response = await caller.post(
                f"{API}/webhook-subscriptions", json={"url": url, "local_government_code": LGO}
            )
            assert response.status_code == 422, url
            assert response.json()["errors"][0]["field"] == "url"


async def test_a_subscription_for_another_local_government_is_403(scene: Scene, receiver: Receiver) -> None:
    response = await scene.lgo.post(
        f"{API}/webhook-subscriptions", json={"url": receiver.url, "local_government_code": OTHER_LGO}
    )
    assert response.status_code == 403


async def test_adoption_rules(scene: Scene, db: Database) -> None:
    url = f"{API}/activities/{scene.activities[LGO]}/adoption"
    await scene.set_status("submitted")
    assert (await scene.adopt()).status_code == 409
    await scene.set_status("district_approved")
    bad_bodies = [
        {"local_government_code": OTHER_LGO, "fiscal_year": 2570, "budget": "1.00"},
        {"local_government_code": LGO, "fiscal_year": 2570, "budget": 15000.5},
        {"local_government_code": LGO, "fiscal_year": 2570, "budget": "1.005"},
        {"local_government_code": LGO, "fiscal_year": "2570x", "budget": "1.00"},
    ]
    for body in bad_bodies:
        assert (await scene.lgo.put(url, json=body)).status_code == 422, body
    # Another local government cannot see this activity at all.
    assert (
        await scene.other.put(
            url, json={"local_government_code": OTHER_LGO, "fiscal_year": 2570, "budget": "1.00"}
        )
    ).status_code == 404
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE activity SET status = 'cancelled'"))
    assert (await scene.adopt()).status_code == 409
    assert await count_rows(db, "adoption") == 0
    assert await count_rows(db, "event") == 0


async def test_adopted_activities_pull(scene: Scene) -> None:
    await scene.adopt()
    url = f"{API}/local-governments/{LGO}/adopted-activities"
    page = (await scene.lgo.get(url)).json()
    assert [a["id"] for a in page["items"]] == [scene.activities[LGO]]
    assert (await scene.lgo.get(url, params={"fiscal_year": 2571})).json()["items"] == []
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).isoformat()
    assert (await scene.lgo.get(url, params={"updated_after": later})).json()["items"] == []
    assert (await scene.lgo.get(f"{API}/local-governments/{OTHER_LGO}/adopted-activities")).status_code == 404
    only_adopted = (await scene.lgo.get(f"{API}/activities", params={"adopted": "true"})).json()["items"]
    assert [a["id"] for a in only_adopted] == [scene.activities[LGO]]


async def test_adopted_activities_pages_filters_and_scope(scene: Scene, db: Database) -> None:
    await scene.set_status("draft")
    ids = [scene.activities[LGO]]
    for n in range(6):
        response = await scene.client.post(
            f"{API}/plans/{scene.plans[LGO]}/activities",
            json={
                "title": f"กิจกรรม {n}",
                "working_group": "economy",
                "kind": "self_reliance",
                "budget": "10.00",
            },
        )
        ids.append(response.json()["id"])
    await scene.set_status("district_approved")
    for n, activity_id in enumerate(ids):
        body = {"local_government_code": LGO, "fiscal_year": 2570 + n % 2, "budget": f"{n + 1}.50"}
        assert (await scene.lgo.put(f"{API}/activities/{activity_id}/adoption", json=body)).status_code == 201
    url = f"{API}/local-governments/{LGO}/adopted-activities"

    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await scene.lgo.get(url, params=params)).json()
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert [a["id"] for a in seen] == ids  # adopted in this order, each once
    assert [a["adoption"]["budget"] for a in seen] == [f"{n + 1}.50" for n in range(7)]
    assert all(a["adoption"]["updated_at"].endswith("Z") for a in seen)
    odd = (await scene.lgo.get(url, params={"fiscal_year": 2571})).json()["items"]
    assert [a["id"] for a in odd] == ids[1::2]
    # Changing an adoption moves it to the end of the order, where a poller's cursor will find it.
    last = page["next_cursor"] or params.get("cursor")
    body = {"local_government_code": LGO, "fiscal_year": 2570, "budget": "99.00"}
    assert (await scene.lgo.put(f"{API}/activities/{ids[0]}/adoption", json=body)).status_code == 200
    after = (await scene.lgo.get(url, params={"cursor": last})).json()["items"]
    assert ids[0] in [a["id"] for a in after]

    # Scope: the district's officer sees it; another district's, another local government's and an unknown
    # code are 404; an admin sees a local government with nothing adopted as an empty page.
    district = _client(scene.app, await make_key(db, Role.district_officer, "8401"))
    elsewhere = _client(scene.app, await make_key(db, Role.district_officer, "8402"))
    async with district, elsewhere:
        assert len((await district.get(url, params={"limit": 500})).json()["items"]) == 7
        assert (await elsewhere.get(url)).status_code == 404
    assert (await scene.other.get(url)).status_code == 404
    assert (await scene.client.get(f"{API}/local-governments/6849999/adopted-activities")).status_code == 404
    empty = await scene.client.get(f"{API}/local-governments/{OTHER_LGO}/adopted-activities")
    assert empty.status_code == 200 and empty.json() == {"items": [], "next_cursor": None}


async def test_a_reader_paging_the_feed_sees_every_event_exactly_once(
    app: Any, scene: Scene, db: Database, client: httpx.AsyncClient
) -> None:
    # Many plans of one village moving at once while a reader pages the global feed.
    plan_ids = [scene.plans[LGO]]
    for year in range(2570, 2578):
        response = await client.post(f"{API}/plans", json={"village_code": VILLAGE, "year": year})
        plan_ids.append(response.json()["id"])
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE plan SET status = 'district_approved'"))
    seen: list[int] = []
    done = asyncio.Event()

    async def read_feed() -> None:
        cursor = None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            finished = done.is_set()
            body = (await client.get(f"{API}/events", params=params)).json()
            seen.extend(e["sequence"] for e in body["items"])
            cursor = body["next_cursor"] or cursor
            if not body["items"]:
                if finished:
                    return
                await asyncio.sleep(0)

    async def move(plan_id: int) -> None:
        assert (
            await scene.lgo.post(f"{API}/plans/{plan_id}/transitions", json={"action": "integrate"})
        ).status_code == 200

    reader = asyncio.create_task(read_feed())
    await asyncio.gather(*(move(p) for p in plan_ids))
    done.set()
    await reader
    total = await count_rows(db, "event")
    assert total == len(plan_ids)
    assert sorted(seen) == list(range(1, total + 1))
    assert len(seen) == len(set(seen))


def _cursor_numbers(cursor: str) -> list[Any]:
    """What a cursor carries (it is signed, not secret): only the caller's own numbers may be in it."""
    payload = cursor.split(".", 1)[0]
    return list(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_each_caller_numbers_its_own_feed_without_gaps(
    app: Any, db: Database, client: httpx.AsyncClient, scene: Scene
) -> None:
    # A third local government, in another district (8402) of the same province.
    far_lgo, far_village = "6840301", "84020101"
    await client.post(
        f"{API}/local-governments",
        json={
            "code": far_lgo,
            "name_th": "อบต.ไกล",
            "kind": "subdistrict_administration",
            "province_code": "84",
            "subdistrict_codes": ["840201"],
        },
    )
    await client.post(
        f"{API}/villages", json={"code": far_village, "name_th": "บ้านไกล", "local_government_code": far_lgo}
    )
    plan = (await client.post(f"{API}/plans", json={"village_code": far_village, "year": 2569})).json()
    activity = await client.post(
        f"{API}/plans/{plan['id']}/activities",
        json={"title": "ฝาย", "working_group": "economy", "kind": "joint", "budget": "1000.00"},
    )
    scene.activities[far_lgo] = activity.json()["id"]
    await scene.set_status("district_approved")
    far = _client(app, await make_key(db, Role.lgo_planner, far_lgo, "far lgo"))
    district = _client(app, await make_key(db, Role.district_officer, "8401", "district"))
    province = _client(app, await make_key(db, Role.provincial_officer, "84", "province"))
    committee = _client(app, await make_key(db, Role.village_committee, VILLAGE, "committee"))
    async with far, district, province, committee:
        # Global order: 1 LGO, 2 far, 3 other, 4 LGO, 5 far, 6 LGO.
        for budget, lgo, caller in (
            ("1.00", LGO, scene.lgo),
            ("2.00", far_lgo, far),
            ("3.00", OTHER_LGO, scene.other),
            ("4.00", LGO, scene.lgo),
            ("5.00", far_lgo, far),
            ("6.00", LGO, scene.lgo),
        ):
            assert (await scene.adopt(budget, lgo, caller)).status_code in (200, 201)

        async def numbers(
            caller: httpx.AsyncClient,
        ) -> tuple[list[tuple[str, int, str, int]], dict[str, Any]]:
            page = (await caller.get(f"{API}/events")).json()
            budgets = [
                (e["data"]["adoption"]["budget"], e["sequence"], e["stream"], e["stream_sequence"])
                for e in page["items"]
            ]
            return budgets, page

        own, page = await numbers(scene.lgo)
        stream = f"local_government:{LGO}"
        assert own == [("1.00", 1, stream, 1), ("4.00", 2, stream, 2), ("6.00", 3, stream, 3)]
        assert _cursor_numbers(page["next_cursor"]) == [3]
        seen, page = await numbers(district)
        assert [(b, n) for b, n, _, _ in seen] == [("1.00", 1), ("3.00", 2), ("4.00", 3), ("6.00", 4)]
        assert {(s, n) for _, n, s, sn in seen if sn == n} == {("district:8401", n) for n in (1, 2, 3, 4)}
        assert _cursor_numbers(page["next_cursor"]) == [4, "district"]
        seen, _ = await numbers(committee)
        assert [(b, n, s) for b, n, s, _ in seen] == [
            ("1.00", 1, f"village:{VILLAGE}"),
            ("4.00", 2, f"village:{VILLAGE}"),
            ("6.00", 3, f"village:{VILLAGE}"),
        ]
        seen, _ = await numbers(province)
        assert [n for _, n, _, _ in seen] == [1, 2, 3, 4, 5, 6]
        # An admin sees everything: the global number, and each event's local-government stream.
        seen, _ = await numbers(client)
        assert [(n, s, sn) for _, n, s, sn in seen] == [
            (1, stream, 1),
            (2, f"local_government:{far_lgo}", 1),
            (3, f"local_government:{OTHER_LGO}", 1),
            (4, stream, 2),
            (5, f"local_government:{far_lgo}", 2),
            (6, stream, 3),
        ]

        # Paging the district's feed goes on from its own numbers and misses nothing.
        first = (await district.get(f"{API}/events", params={"limit": 3})).json()
        rest = (await district.get(f"{API}/events", params={"cursor": first["next_cursor"]})).json()
        assert [e["sequence"] for e in first["items"] + rest["items"]] == [1, 2, 3, 4]
        # A cursor from before areas were numbered on their own holds the global number: it still goes on
        # exactly after the last event seen (here the global 2nd, the district's 1st).
        legacy = (await client.get(f"{API}/events", params={"limit": 2})).json()["next_cursor"]
        assert _cursor_numbers(legacy) == [2]
        after = (await district.get(f"{API}/events", params={"cursor": legacy})).json()
        assert [e["sequence"] for e in after["items"]] == [2, 3, 4]
        # A cursor for another area's level is refused, not misread.
        wrong = (await province.get(f"{API}/events", params={"limit": 1})).json()["next_cursor"]
        assert (await district.get(f"{API}/events", params={"cursor": wrong})).status_code == 400


async def test_unknown_event_type_filter_is_422(scene: Scene) -> None:
    response = await scene.lgo.get(f"{API}/events", params={"types": "activity.adopted,nope"})
    assert response.status_code == 422


async def test_emit_refuses_to_run_with_no_subscriber(db: Database) -> None:
    """A process that never installed the webhook fan-out would write events nobody is told of."""
    from app.events import store
    from app.events.types import PLAN_STATUS_CHANGED

    installed = list(store._subscribers)
    store._subscribers.clear()
    try:
        async with db.session() as session:
            with pytest.raises(RuntimeError, match="no subscriber"):
                await store.emit(session, PLAN_STATUS_CHANGED, store.Subject("84010101", None), {})
    finally:
        store._subscribers[:] = installed
    assert await count_rows(db, "event") == 0
