"""Recording writes: every change of an audited table's rows through the ORM is collected as it is
flushed, other writes (workflow transitions, adoptions, uploads, sign-ins, ...) are recorded explicitly
with `record`, and all of them are written to the chain just before their transaction commits, so an entry
commits with its change or not at all.

A transaction's entries join one of the log's chains (`app.audit.chain`), picked by the first entry's
resource, in one order: on PostgreSQL under that chain's transaction-scoped advisory lock, taken as late as
it can be (at commit, or as below); SQLite has one writer at a time already.

A transaction that emits an event writes its entries so far just before the event takes its numbers
(`write_before_numbering`, called by `app.events.store.emit`): the event counters' row locks, which every
such writer queues on, are then held only for the event's own statements and the commit, not for the
entries too. Entries recorded after that join the same chain at commit. The lock order is always the
chain's lock, then the counters', so the two cannot deadlock.

Personal values (`personal` of a table) are never stored: they become `redacted:` and a keyed hash
(HMAC-SHA-256 with a key derived from the installation's keys), so two entries can still be compared.
Secrets (password hashes, key hashes, webhook secrets) are left out altogether.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import hmac
import random
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import column, event, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.audit.chain import CHAINS, GENESIS, audit_entry_table, content_text, entry_hash
from app.core import direct, secrets
from app.core.actor import Actor
from app.core.db import utcnow
from app.core.logs import current_request_id
from app.core.reads import ReadStatement
from app.core.uow import REQUEST_INFO

PENDING = "audit_pending"
CHAIN = "audit_chain"  # the chain the transaction's entries join, once it holds that chain's lock
ACTOR = "audit_actor"
KEY = "audit_key"
# Any constant: chain n's writers take advisory lock CHAIN_LOCK + n.
CHAIN_LOCK = 0x617564_6974_00  # "audit"

# Bookkeeping columns: they change with every write and say nothing of their own.
NOT_CHANGES = frozenset({"version", "created_at", "updated_at", "last_used_at", "last_login_at"})
REDACTED = "redacted"


class AuditAction(enum.StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    transition = "transition"
    adopt = "adopt"
    withdraw = "withdraw"
    upload = "upload"
    sign_in = "sign_in"
    sign_in_failed = "sign_in_failed"
    rotate_secret = "rotate_secret"
    revoke = "revoke"
    test = "test"
    resend = "resend"
    replay = "replay"
    read_personal_data = "read_personal_data"


class AuditResource(enum.StrEnum):
    village = "village"
    local_government = "local_government"
    plan = "plan"
    activity = "activity"
    assessment = "assessment"
    committee_member = "committee_member"
    forum = "forum"
    lesson = "lesson"
    user = "user"
    api_key = "api_key"
    webhook_subscription = "webhook_subscription"
    bulk_upload = "bulk_upload"


Area = tuple[str | None, str | None]  # province code, district code


def _own_area(values: Mapping[str, Any]) -> Area:
    """The area a row names itself, or through its village's code (DOPA codes nest: PP DD SS VV)."""
    province, district = values.get("province_code"), values.get("district_code")
    village = values.get("village_code")
    if province is None and village:
        province = village[:2]
    if district is None and village:
        district = village[:4]
    return province, district


def _plan_area(session: Session, values: Mapping[str, Any]) -> Area:
    row = session.execute(
        text("SELECT province_code, district_code FROM plan WHERE id = :id"), {"id": values["plan_id"]}
    ).first()
    return (row[0], row[1]) if row else (None, None)


def _local_government_area(session: Session, values: Mapping[str, Any]) -> Area:
    row = session.execute(
        text("SELECT province_code FROM local_government WHERE code = :code"),
        {"code": values["local_government_code"]},
    ).first()
    return (row[0], None) if row else (None, None)


@dataclass(frozen=True)
class Audited:
    """How an audited table's rows are recorded."""

    resource_type: AuditResource
    key: str = "id"
    personal: frozenset[str] = frozenset()
    secret: frozenset[str] = frozenset()
    area: Callable[[Session, Mapping[str, Any]], Area] | None = None


# By table name, so that this module imports no domain package. Tables not named here (events, outbox,
# idempotency records, deliveries, upload chunks, ...) are bookkeeping of a write recorded elsewhere.
AUDITED: dict[str, Audited] = {
    "village": Audited(AuditResource.village, key="code"),
    "local_government": Audited(AuditResource.local_government, key="code"),
    "plan": Audited(AuditResource.plan),
    "activity": Audited(AuditResource.activity),
    "assessment": Audited(AuditResource.assessment, area=_plan_area),
    "committee_member": Audited(AuditResource.committee_member, personal=frozenset({"name", "phone"})),
    "forum": Audited(AuditResource.forum),
    "lesson": Audited(AuditResource.lesson),
    "user_account": Audited(
        AuditResource.user, personal=frozenset({"username"}), secret=frozenset({"password_hash"})
    ),
    "api_key": Audited(AuditResource.api_key, secret=frozenset({"key_hash"})),
    "webhook_subscription": Audited(
        AuditResource.webhook_subscription,
        secret=frozenset({"secret_cipher", "previous_secret_cipher"}),
        area=_local_government_area,
    ),
}

BY_RESOURCE: dict[str, Audited] = {spec.resource_type.value: spec for spec in AUDITED.values()}


@dataclass
class Pending:
    action: str
    resource_type: str
    resource_id: str | None
    changes: dict[str, tuple[Any, Any]]
    personal: frozenset[str] = frozenset()
    province_code: str | None = None
    district_code: str | None = None
    actor: Actor | None = None
    at: dt.datetime = field(default_factory=utcnow)
    located_by: Mapping[str, Any] | None = None  # row values that tell where it lies, when area is not given


def _pending(session: Session) -> list[Pending]:
    found: list[Pending] | None = session.info.get(PENDING)
    if found is None:
        found = session.info[PENDING] = []
    return found


def record(
    session: AsyncSession | Session,
    action: AuditAction,
    resource_type: AuditResource,
    resource_id: object | None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    *,
    area: Area | None = None,
    located_by: Mapping[str, Any] | None = None,
    personal: frozenset[str] = frozenset(),
    actor: Actor | None = None,
) -> None:
    """Record a write that is not a plain row change (or one whose meaning the row does not tell), in the
    session's transaction. `changes`: field -> (from, to). Where the resource lies: `area` (province and
    district codes), or `located_by`, values of its row from which its table's rule finds them."""
    area = area or (None, None)
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    _pending(sync).append(
        Pending(
            action.value,
            resource_type.value,
            None if resource_id is None else str(resource_id),
            dict(changes or {}),
            personal,
            area[0],
            area[1],
            actor,
            located_by=located_by,
        )
    )


def act_as(session: AsyncSession | Session, actor: Actor | None) -> None:
    """Whom the session's entries name (the request's caller; a job's submitter; the command line)."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info[ACTOR] = actor


def use_key(session: AsyncSession | Session, key: bytes) -> None:
    """The key personal values are hashed with (derived from the installation's keys)."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info[KEY] = key


def as_action(obj: Any, action: AuditAction) -> None:
    """Record the next flush of `obj`'s change as `action` (a key revoked, a secret rotated)."""
    inspect(obj).info["audit_action"] = action.value


def locate(obj: Any, area: Area) -> None:
    """Where the next flush of `obj`'s change lies, when the caller knows it already (its table's own rule
    would look it up)."""
    inspect(obj).info["audit_area"] = area


# Collecting row changes


def _columns(obj: Any) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def _collect(session: Session, obj: Any, action: AuditAction) -> None:
    spec = AUDITED.get(getattr(type(obj), "__tablename__", ""))
    if spec is None:
        return
    state = inspect(obj)
    action = AuditAction(state.info.pop("audit_action", action.value))
    names = [n for n in _columns(obj) if n not in NOT_CHANGES and n not in spec.secret]
    values = {name: state.attrs[name].loaded_value for name in _columns(obj)}
    changes: dict[str, tuple[Any, Any]] = {}
    if action is AuditAction.create:
        changes = _created(spec, values)
    elif action is AuditAction.delete:
        changes = {n: (values[n], None) for n in names if n != spec.key and values[n] is not None}
    else:
        for name in names:
            history = state.attrs[name].history
            if history.added or history.deleted:
                before = history.deleted[0] if history.deleted else None
                after = history.added[0] if history.added else None
                if before != after:
                    changes[name] = (before, after)
    area = state.info.pop("audit_area", None)
    if area is None:
        area = spec.area(session, values) if spec.area is not None else _own_area(values)
    _pending(session).append(
        Pending(
            action.value,
            spec.resource_type.value,
            str(values[spec.key]),
            changes,
            spec.personal,
            area[0],
            area[1],
        )
    )


def _created(spec: Audited, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        name: (None, value)
        for name, value in values.items()
        if name != spec.key and name not in NOT_CHANGES and name not in spec.secret and value is not None
    }


def created(session: AsyncSession | Session, table: str, values: Mapping[str, Any], *, area: Area) -> None:
    """Record a row of an audited table inserted without the ORM (a Core insert), as the ORM's flush of the
    same row would have been recorded. `values`: every column of the new row, its key included."""
    spec = AUDITED[table]
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    _pending(sync).append(
        Pending(
            AuditAction.create.value,
            spec.resource_type.value,
            str(values[spec.key]),
            _created(spec, values),
            spec.personal,
            area[0],
            area[1],
        )
    )


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for obj in session.new:
        _collect(session, obj, AuditAction.create)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _collect(session, obj, AuditAction.update)
    for obj in session.deleted:
        _collect(session, obj, AuditAction.delete)


# Writing the chain


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return _json(value.value)
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json(v) for v in value]
    return str(value)


def redact(key: bytes, value: Any) -> str | None:
    """`redacted:` and a keyed hash of a personal value (None stays None)."""
    if value is None:
        return None
    digest = hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()[:32]
    return f"{REDACTED}:{digest}"


def _key(session: Session) -> bytes:
    key: bytes | None = session.info.get(KEY) or secrets.personal_data_key()
    if key is None:
        raise RuntimeError("no key for personal data in the audit log: load the installation's keys first")
    return key


def _changes(session: Session, pending: Pending) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (before, after) in pending.changes.items():
        if name in pending.personal:
            key = _key(session)
            out[name] = {"from": redact(key, before), "to": redact(key, after)}
        else:
            out[name] = {"from": _json(before), "to": _json(after)}
    return out


_INSERT = audit_entry_table.insert()


def _entries(session: Session, pending: list[Pending]) -> tuple[int, list[dict[str, Any]]]:
    """The chain the transaction's entries join (picked by its first entry), and the entries' rows. Runs a
    query only for an entry located by its row's values through its table's rule."""
    chain = session.info.get(CHAIN)
    if chain is None:
        first = pending[0]
        chain = session.info[CHAIN] = (
            zlib.crc32(f"{first.resource_type}:{first.resource_id}".encode()) % CHAINS
        )
    request_id = current_request_id()
    default_actor: Actor | None = session.info.get(ACTOR)
    rows: list[dict[str, Any]] = []
    for entry in pending:
        if entry.located_by is not None:
            spec = BY_RESOURCE[entry.resource_type]
            locate = spec.area or (lambda _session, values: _own_area(values))
            entry.province_code, entry.district_code = locate(session, entry.located_by)
        actor = entry.actor or default_actor
        rows.append(
            {
                "chain": chain,
                "at": entry.at,
                "actor_id": actor.principal if actor else None,
                "actor_name": actor.name[:200] if actor else None,
                "actor_role": actor.role.value if actor else None,
                "request_id": request_id,
                "action": entry.action,
                "resource_type": entry.resource_type,
                "resource_id": entry.resource_id,
                "province_code": entry.province_code,
                "district_code": entry.district_code,
                "changes": _changes(session, entry),
            }
        )
    return chain, rows


def _append_params(chain: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    # PostgreSQL, one round trip: the function takes the chain's lock, reads its last hash, and hashes (the
    # same bytes as `entry_hash`) and inserts each entry, its columns read from the content text it hashes.
    return {"lock": CHAIN_LOCK + chain, "chain": chain, "contents": [content_text(row) for row in rows]}


def _write(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # collects the last row changes (`_after_flush`)
    pending: list[Pending] | None = session.info.pop(PENDING, None)
    if not pending:
        return
    chain, rows = _entries(session, pending)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_APPEND.statement, _append_params(chain, rows))
        return
    # SQLite: one writer at a time already.
    last = session.execute(
        select(audit_entry_table.c.hash)
        .where(audit_entry_table.c.chain == chain)
        .order_by(audit_entry_table.c.id.desc())
        .limit(1)
    ).scalar()
    prev_hash = str(last) if last is not None else GENESIS
    for row in rows:
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = entry_hash(row, prev_hash)
        session.execute(_INSERT, row)


_APPEND = ReadStatement(
    text("SELECT audit_append(:lock, CAST(:chain AS smallint), CAST(:contents AS text[])) AS done").columns(
        column("done")
    )
)
_LOCK = ReadStatement(text("SELECT pg_advisory_xact_lock(:lock) AS locked").columns(column("locked")))


async def attribute(session: AsyncSession, request: Any) -> None:
    """Name the request's caller on the session's entries, and give the key that hashes personal values."""
    act_as(session, getattr(request.state, "actor", None))
    use_key(session, (await secrets.app_keys(request.app)).personal_data)


async def write_pending(session: AsyncSession) -> None:
    """Write the entries recorded so far: straight on the connection (`app.core.direct`) when there is
    nothing to flush first and nothing to look up, as an event's own statements are; else as at commit.
    (The commit's own hook, synchronous, then writes only what is recorded after this.)"""
    sync = session.sync_session
    pending: list[Pending] = sync.info.get(PENDING) or []
    flush = sync.new or sync.dirty or sync.deleted
    lookups = any(p.located_by is not None for p in pending)
    if session.get_bind().dialect.driver != "asyncpg" or flush or lookups:
        await session.run_sync(_write)
    elif pending:
        del sync.info[PENDING]
        chain, rows = _entries(sync, pending)
        await direct.fetch(session, _APPEND, **_append_params(chain, rows))


async def write_before_numbering(session: AsyncSession) -> None:
    """Write the transaction's entries so far, and hold its chain's lock, before an event takes the counters'
    locks (see the module's docstring)."""
    info = session.sync_session.info
    request = info.get(REQUEST_INFO)
    if request is not None and ACTOR not in info:
        await attribute(session, request)
    await write_pending(session)
    if CHAIN not in info and session.get_bind().dialect.name == "postgresql":
        # Nothing recorded yet: hold a chain's lock anyway, so that one taken at commit comes first too.
        chain = info[CHAIN] = random.randrange(CHAINS)
        await direct.fetch(session, _LOCK, lock=CHAIN_LOCK + chain)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _write(session)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(CHAIN, None)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(CHAIN, None)
