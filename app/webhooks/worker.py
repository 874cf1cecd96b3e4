"""Webhook delivery: claim due deliveries, sign and send them, record every attempt.

Claims take a lease longer than the HTTP timeout (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number
of workers share the work; SQLite has one delivering process). No database transaction is open while a
request is in flight. A worker killed mid-batch leaves leases that expire, and another worker sends those
deliveries again: at least once, never lost.

A running worker (`run`) keeps up to `WEBHOOK_CONCURRENCY` deliveries in flight, claiming more as they
finish. It is woken when deliveries are queued (`app.webhooks.wakeup`: at the commit, in this process or, on
PostgreSQL, any other); polling every `WEBHOOK_POLL_SECONDS` is only the safety net for a missed wake-up, for
retries coming due and for leases a crashed worker left. Attempts that end together are recorded together,
in one transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlalchemy import and_, bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.config import Settings
from app.core.db import Database, utcnow
from app.core.logs import bind_request_id
from app.core.secrets import Keys, load_keys
from app.events.store import Subject, emit
from app.events.types import SUBSCRIPTION_DISABLED
from app.webhooks import secrets, wakeup
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.webhooks.sender import Clients, Outcome, post
from app.webhooks.targets import parse_networks

log = logging.getLogger("app.webhooks")

# Seconds after each failed attempt: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then it gives up.
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
DISABLE_AFTER = dt.timedelta(days=5)
MAX_RETRY_AFTER = 86_400
RECORD_BATCH = 200  # attempts recorded in one transaction at most
RECORD_LINGER = 0.002  # seconds a small group of attempts waits for others before it is recorded

webhook_delivery_table = WebhookDelivery.__table__  # type: ignore[attr-defined]
webhook_subscription_table = WebhookSubscription.__table__  # type: ignore[attr-defined]
webhook_attempt_table = WebhookAttempt.__table__  # type: ignore[attr-defined]


# Successful attempts, recorded in one statement on PostgreSQL: each attempt logged, each delivery still
# leased to this worker marked succeeded, and its subscription no longer failing.
_RECORD_SUCCEEDED = text(
    """
    WITH done AS (
        SELECT * FROM unnest(
            CAST(:ids AS integer[]), CAST(:leases AS timestamptz[]), CAST(:attempts AS integer[]),
            CAST(:status_codes AS integer[]), CAST(:durations AS integer[]), CAST(:excerpts AS text[])
        ) AS done (id, lease_until, attempts, status_code, duration_ms, excerpt)
    ), logged AS (
        INSERT INTO webhook_attempt (delivery_id, attempted_at, status_code, duration_ms, response_excerpt)
        SELECT id, :now, status_code, duration_ms, excerpt FROM done
    ), delivered AS (
        UPDATE webhook_delivery SET
            status = 'succeeded', attempts = done.attempts, lease_until = NULL, delivered_at = :now,
            last_status_code = done.status_code, last_error = NULL
        FROM done
        WHERE webhook_delivery.id = done.id AND webhook_delivery.lease_until = done.lease_until
    )
    UPDATE webhook_subscription SET failing_since = NULL
    WHERE id = ANY(CAST(:subscriptions AS integer[])) AND failing_since IS NOT NULL
    """
)


def _succeeded_parameters(succeeded: list[tuple[Claimed, Outcome]], now: dt.datetime) -> dict[str, object]:
    return {
        "ids": [c.delivery_id for c, _ in succeeded],
        "leases": [c.lease_until for c, _ in succeeded],
        "attempts": [c.attempts + 1 for c, _ in succeeded],
        "status_codes": [o.status_code for _, o in succeeded],
        "durations": [o.duration_ms for _, o in succeeded],
        "excerpts": [o.excerpt for _, o in succeeded],
        "now": now,
        "subscriptions": sorted({c.subscription_id for c, _ in succeeded}),
    }


def _attempt_row(claimed: Claimed, outcome: Outcome, now: dt.datetime) -> dict[str, object]:
    return {
        "delivery_id": claimed.delivery_id,
        "attempted_at": now,
        "status_code": outcome.status_code,
        "duration_ms": outcome.duration_ms,
        "error": outcome.error,
        "response_excerpt": outcome.excerpt,
    }


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    event_id: str
    payload: str
    attempts: int
    lease_until: dt.datetime
    subscription_id: int
    url: str
    secret_cipher: str
    previous_secret_cipher: str | None
    previous_secret_expires_at: dt.datetime | None
    request_id: str | None = None


def retry_delay(attempts: int, retry_after: float | None) -> float | None:
    """Seconds to wait before the next try after `attempts` failures, or None to give up."""
    if attempts > len(RETRY_SCHEDULE):
        return None
    delay = RETRY_SCHEDULE[attempts - 1] * random.uniform(0.9, 1.1)
    if retry_after is not None:
        delay = min(max(retry_after, 1.0), MAX_RETRY_AFTER)
    return delay


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        batch: int = 50,
        concurrency: int | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.batch = batch
        self.poll_seconds = poll_seconds or settings.webhook_poll_seconds
        self.lease = dt.timedelta(
            seconds=settings.webhook_timeout_seconds + settings.webhook_lease_margin_seconds
        )
        self.allowed = parse_networks(settings.webhook_allowed_networks)
        self.concurrency = concurrency or settings.webhook_concurrency
        self._semaphore = asyncio.Semaphore(self.concurrency)
        self._wake = asyncio.Event()
        self._keys: Keys | None = None
        self.client = Clients(settings.webhook_timeout_seconds, self.concurrency)
        self._unrecorded: list[tuple[Claimed, Outcome, asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None
        self.listener: wakeup.Listener | None = None  # while `run` listens on PostgreSQL

    def wake(self) -> None:
        """There may be new deliveries: look now rather than at the next poll."""
        self._wake.set()

    async def close(self) -> None:
        await self.client.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then finish the deliveries in flight."""
        async with wakeup.wake_ups(self.db, self.wake) as listener:
            self.listener = listener
            try:
                await self._deliver_until(stop)
            finally:
                self.listener = None

    async def _deliver_until(self, stop: asyncio.Event) -> None:
        in_flight: set[asyncio.Task[None]] = set()  # claimed and not yet recorded
        sending = 0  # claimed and not yet sent: at most `concurrency`, each sent as soon as claimed
        # Sent and waiting to be recorded, at most: a slow database slows the claims down too.
        most_in_flight = 2 * self.concurrency
        # While a backlog lasts, claims wait until this many can be taken (not one claim per delivery).
        refill = max(1, min(self.batch, self.concurrency) // 2)
        pending = True  # deliveries may be due that are not claimed yet
        backlog = False  # the last claim found all it asked for: more are probably due
        room_made = asyncio.Event()  # a delivery was sent or recorded
        stopping = asyncio.ensure_future(stop.wait())

        def sent() -> None:
            nonlocal sending
            sending -= 1
            room_made.set()

        def recorded(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            room_made.set()
            if not task.cancelled() and (error := task.exception()) is not None:
                # Not recorded: its lease runs out and it is sent again.
                log.error("webhook delivery failed", exc_info=error)

        try:
            while not stop.is_set():
                if self._wake.is_set():
                    self._wake.clear()  # before claiming: a wake-up during the claim calls for another
                    pending = True
                room = min(self.concurrency - sending, most_in_flight - len(in_flight))
                if pending and room >= (refill if backlog else 1):
                    asked = min(self.batch, room)
                    try:
                        claimed = await self._claim(asked)
                    except Exception:  # a database hiccup must not end delivery: log and try again shortly
                        log.exception("webhook delivery round failed")
                        pending, backlog = False, False
                        claimed = []
                    else:
                        backlog = pending = len(claimed) == asked
                    for one in claimed:
                        sending += 1
                        task = asyncio.create_task(self._deliver(one, sent))
                        in_flight.add(task)
                        task.add_done_callback(recorded)
                    continue
                room_made.clear()
                if pending:  # due work waits for room
                    made = asyncio.ensure_future(room_made.wait())
                    try:
                        await asyncio.wait({stopping, made}, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        made.cancel()
                    continue
                woken = asyncio.ensure_future(self._wake.wait())
                try:
                    await asyncio.wait(
                        {stopping, woken}, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    woken.cancel()
                pending = True  # woken, or time to look anyway
        finally:
            stopping.cancel()
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def run_once(self) -> int:
        """Claim and send one batch, and record every attempt; the number claimed."""
        claimed = await self._claim(self.batch)
        if claimed:
            await asyncio.gather(*(self._deliver(c) for c in claimed))
        return len(claimed)

    async def _begin(self, conn: AsyncConnection) -> AsyncConnection:
        return await conn.execution_options(sqlite_immediate=True)

    async def _claim(self, limit: int) -> list[Claimed]:
        if self._keys is None:
            self._keys = await load_keys(self.settings, self.db.engine)
        now = utcnow()
        lease_until = now + self.lease
        due = (
            select(webhook_delivery_table.c.id)
            .join(
                webhook_subscription_table,
                webhook_subscription_table.c.id == webhook_delivery_table.c.subscription_id,
            )
            .where(
                webhook_delivery_table.c.status == "pending",
                webhook_delivery_table.c.next_attempt_at <= now,
                or_(
                    webhook_delivery_table.c.lease_until.is_(None), webhook_delivery_table.c.lease_until < now
                ),
                webhook_subscription_table.c.status == "active",
            )
            .order_by(webhook_delivery_table.c.next_attempt_at, webhook_delivery_table.c.id)
            .limit(limit)
            .with_for_update(of=webhook_delivery_table, skip_locked=True)
        )
        columns = (
            webhook_delivery_table.c.id,
            webhook_delivery_table.c.event_id,
            webhook_delivery_table.c.payload,
            webhook_delivery_table.c.attempts,
            webhook_subscription_table.c.id.label("sub_id"),
            webhook_subscription_table.c.url,
            webhook_subscription_table.c.secret_cipher,
            webhook_subscription_table.c.previous_secret_cipher,
            webhook_subscription_table.c.previous_secret_expires_at,
            webhook_delivery_table.c.request_id,
        )
        if self.db.is_sqlite:  # RETURNING cannot name another table there: three statements
            async with self.db.engine.connect() as raw:
                conn = await self._begin(raw)
                async with conn.begin():
                    ids = [r[0] for r in (await conn.execute(due)).all()]
                    if not ids:
                        return []
                    await conn.execute(
                        update(webhook_delivery_table)
                        .where(webhook_delivery_table.c.id.in_(ids))
                        .values(lease_until=lease_until)
                    )
                    rows = (
                        await conn.execute(
                            select(*columns)
                            .join(
                                webhook_subscription_table,
                                webhook_subscription_table.c.id == webhook_delivery_table.c.subscription_id,
                            )
                            .where(webhook_delivery_table.c.id.in_(ids))
                        )
                    ).all()
        else:
            # One statement that locks, leases and reads the due deliveries with their subscriptions,
            # committed on its own: no BEGIN and COMMIT round trips.
            async with self.db.engine.connect() as raw:
                conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
                rows = (
                    await conn.execute(
                        update(webhook_delivery_table)
                        .where(
                            webhook_delivery_table.c.id.in_(due),
                            webhook_subscription_table.c.id == webhook_delivery_table.c.subscription_id,
                        )
                        .values(lease_until=lease_until)
                        .returning(*columns)
                    )
                ).all()
        return [
            Claimed(
                delivery_id=r.id,
                event_id=r.event_id,
                payload=r.payload,
                attempts=r.attempts,
                lease_until=lease_until,
                subscription_id=r.sub_id,
                url=r.url,
                secret_cipher=r.secret_cipher,
                previous_secret_cipher=r.previous_secret_cipher,
                previous_secret_expires_at=r.previous_secret_expires_at,
                request_id=r.request_id,
            )
            for r in sorted(rows, key=lambda r: int(r.id))
        ]

    async def _secrets(self, claimed: Claimed) -> list[str]:
        try:
            return self._decrypted(claimed)
        except InvalidToken:
            # Made with a key this process has not loaded: `cplan rotate-keys` ran since it started.
            self._keys = await load_keys(self.settings, self.db.engine)
            return self._decrypted(claimed)

    def _decrypted(self, claimed: Claimed) -> list[str]:
        assert self._keys is not None
        fernet = self._keys.fernet
        found = [secrets.decrypt(fernet, claimed.secret_cipher)]
        expires = claimed.previous_secret_expires_at
        if claimed.previous_secret_cipher and expires is not None and expires > utcnow():
            found.append(secrets.decrypt(fernet, claimed.previous_secret_cipher))
        return found

    async def send(self, claimed: Claimed) -> Outcome:
        try:
            signing_secrets = await self._secrets(claimed)
        except InvalidToken:
            log.error(
                "subscription %s: its secret is not readable with the keys in force", claimed.subscription_id
            )
            return Outcome(None, 0, "the subscription's secret cannot be decrypted: rotate it", None, None)
        now = utcnow()
        headers = {
            "content-type": "application/json",
            "webhook-id": claimed.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": secrets.signature_header(
                signing_secrets, claimed.event_id, now, claimed.payload
            ),
        }
        return await post(
            self.client,
            claimed.url,
            self.allowed,
            content=claimed.payload.encode(),
            headers=headers,
            deadline=self.settings.webhook_timeout_seconds,
        )

    async def _deliver(self, claimed: Claimed, sent: Callable[[], None] | None = None) -> None:
        # Each delivery runs in a task of its own: its lines carry the id of the request that caused it.
        request_id = bind_request_id(claimed.request_id)
        try:
            async with self._semaphore:
                outcome = await self.send(claimed)
        finally:
            if sent is not None:
                sent()
        log.info(
            "webhook delivery",
            extra={
                "method": "POST",
                "status": outcome.status_code,
                "duration_ms": outcome.duration_ms,
                "request_id": request_id,
                "delivery_id": claimed.delivery_id,
                "event_id": claimed.event_id,
                "subscription_id": claimed.subscription_id,
                "attempt": claimed.attempts + 1,
                "error": outcome.error,
            },
        )
        await self._recorded(claimed, outcome)

    async def _recorded(self, claimed: Claimed, outcome: Outcome) -> None:
        """Record the attempt, together with those of the deliveries that end meanwhile (one transaction
        for all: group commit). Returns once it is recorded, or once recording it failed: then the lease
        runs out and the delivery is tried again (at least once)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unrecorded.append((claimed, outcome, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_unrecorded())
        await asyncio.shield(done)

    async def _record_unrecorded(self) -> None:
        while self._unrecorded:
            if len(self._unrecorded) < self.concurrency // 2:
                await asyncio.sleep(RECORD_LINGER)  # others are ending too: record them together
            batch = self._unrecorded[:RECORD_BATCH]
            del self._unrecorded[:RECORD_BATCH]
            try:
                await self._record([(c, o) for c, o, _ in batch])
            except Exception:  # one attempt that cannot be recorded must not cost the others theirs
                if len(batch) == 1:
                    log.exception("could not record webhook attempt for delivery %s", batch[0][0].delivery_id)
                else:
                    await self._record_each(batch)
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _record_each(self, batch: list[tuple[Claimed, Outcome, asyncio.Future[None]]]) -> None:
        for claimed, outcome, _ in batch:
            try:
                await self._record([(claimed, outcome)])
            except Exception:
                log.exception("could not record webhook attempt for delivery %s", claimed.delivery_id)

    async def _record(self, attempts: list[tuple[Claimed, Outcome]]) -> None:
        now = utcnow()
        succeeded = [(c, o) for c, o in attempts if o.ok]
        failed = sorted(((c, o) for c, o in attempts if not o.ok), key=lambda a: a[0].subscription_id)
        if not failed and not self.db.is_sqlite:  # the common case: one statement, committed on its own
            async with self.db.engine.connect() as raw:
                conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(_RECORD_SUCCEEDED, _succeeded_parameters(succeeded, now))
            return
        async with self.db.session() as session:
            if self.db.is_sqlite:
                await session.connection(execution_options={"sqlite_immediate": True})
            conn = await session.connection()
            if succeeded and not self.db.is_sqlite:
                await conn.execute(_RECORD_SUCCEEDED, _succeeded_parameters(succeeded, now))
            elif succeeded:
                await self._record_succeeded(conn, succeeded, now)
            if failed:
                rows = [_attempt_row(c, o, now) for c, o in failed]
                await conn.execute(webhook_attempt_table.insert(), rows)
            for claimed, outcome in failed:
                await self._record_failure(session, claimed, outcome, now)
            await session.commit()

    async def _record_succeeded(
        self, conn: AsyncConnection, succeeded: list[tuple[Claimed, Outcome]], now: dt.datetime
    ) -> None:
        """What `_RECORD_SUCCEEDED` does, in three statements (SQLite)."""
        await conn.execute(webhook_attempt_table.insert(), [_attempt_row(c, o, now) for c, o in succeeded])
        await conn.execute(
            update(webhook_delivery_table)
            .where(
                webhook_delivery_table.c.id == bindparam("b_id"),
                webhook_delivery_table.c.lease_until == bindparam("b_lease"),
            )
            .values(
                status="succeeded",
                attempts=bindparam("b_attempts"),
                lease_until=None,
                delivered_at=now,
                last_status_code=bindparam("b_status"),
                last_error=None,
            ),
            [
                {
                    "b_id": c.delivery_id,
                    "b_lease": c.lease_until,
                    "b_attempts": c.attempts + 1,
                    "b_status": o.status_code,
                }
                for c, o in succeeded
            ],
        )
        await conn.execute(
            update(webhook_subscription_table)
            .where(
                webhook_subscription_table.c.id.in_(sorted({c.subscription_id for c, _ in succeeded})),
                webhook_subscription_table.c.failing_since.is_not(None),
            )
            .values(failing_since=None)
        )

    async def _record_failure(
        self, session: AsyncSession, claimed: Claimed, outcome: Outcome, now: dt.datetime
    ) -> None:
        attempts = claimed.attempts + 1
        mine = and_(
            webhook_delivery_table.c.id == claimed.delivery_id,
            webhook_delivery_table.c.lease_until == claimed.lease_until,
        )
        delay = None if outcome.status_code == 410 else retry_delay(attempts, outcome.retry_after)
        values: dict[str, object] = {
            "attempts": attempts,
            "lease_until": None,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if delay is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = now + dt.timedelta(seconds=delay)
        await session.execute(update(webhook_delivery_table).where(mine).values(**values))
        await self._note_failure(session, claimed.subscription_id, outcome, now)

    async def _note_failure(
        self, session: AsyncSession, subscription_id: int, outcome: Outcome, now: dt.datetime
    ) -> None:
        sub = (
            await session.execute(
                select(WebhookSubscription)
                .where(webhook_subscription_table.c.id == subscription_id)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if sub is None or sub.status != "active":
            return
        if sub.failing_since is None:
            sub.failing_since = now
        reason = None
        if outcome.status_code == 410:
            reason = "the endpoint answered 410 Gone"
        elif now - sub.failing_since >= DISABLE_AFTER:
            reason = "the endpoint has failed for 5 days"
        if reason is not None:
            sub.status, sub.disabled_reason, sub.updated_at = "disabled", reason, now
            await session.flush()
            data = {
                "id": sub.id,
                "url": sub.url,
                "local_government_code": sub.local_government_code,
                "status": sub.status,
                "disabled_reason": reason,
                "failing_since": sub.failing_since.isoformat(),
            }
            await emit(session, SUBSCRIPTION_DISABLED, Subject(None, sub.local_government_code), data)
        await session.flush()
