"""What can be uploaded in bulk, and how each kind's rows are checked and written: by the same schemas and
`prepare()` functions as the single-row API, with writes batched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.activities import service as activities
from app.activities.models import Activity
from app.activities.schemas import ActivityCreate
from app.core.actor import Actor, Role
from app.core.db import utcnow
from app.core.errors import FieldIssue, Invalid, NotFound
from app.local_governments import repository as lgo_repository
from app.local_governments import service as local_governments
from app.local_governments.models import LocalGovernment, LocalGovernmentSubdistrict
from app.local_governments.schemas import LocalGovernmentCreate
from app.lookups import Lookups
from app.plans import service as plans
from app.plans.models import Plan
from app.plans.schemas import PlanCreate
from app.plans.vocabulary import EDITABLE_PLAN_STATES, PlanStatus
from app.villages import service as villages
from app.villages.models import Village
from app.villages.schemas import VillageCreate

village_table = Village.__table__  # type: ignore[attr-defined]
local_government_table = LocalGovernment.__table__  # type: ignore[attr-defined]
local_government_subdistrict_table = LocalGovernmentSubdistrict.__table__  # type: ignore[attr-defined]
plan_table = Plan.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]


class ActivityRow(ActivityCreate):
    """An activity row names its plan."""

    plan_id: int


@dataclass
class Prepared:
    number: int
    key: Hashable | None
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    name: str
    schema: type[BaseModel]
    roles: frozenset[Role]
    int_fields: frozenset[str] = frozenset()
    bool_fields: frozenset[str] = frozenset()
    list_fields: frozenset[str] = frozenset()
    number_fields: frozenset[str] = frozenset()  # money and codes: Thai digits become Arabic ones
    text_fields: frozenset[str] = frozenset()
    key: Callable[[Any], Hashable | None] = lambda data: None
    prefetch: Callable[[Lookups, Sequence[Any]], Awaitable[None]] | None = None
    prepare: Callable[[Actor, Any, Lookups], Awaitable[Prepared]] | None = None
    existing: Callable[[AsyncSession, list[Hashable]], Awaitable[dict[Hashable, Any]]] | None = None
    # New rows, each naming the upload that created them.
    insert: Callable[[AsyncSession, list[Prepared], str], Awaitable[None]] | None = None
    update: Callable[[AsyncSession, list[tuple[Prepared, Any]]], Awaitable[None]] | None = None
    # Whether an existing row may be overwritten (None: yes); a refusal names the field and reason.
    check_update: Callable[[AsyncSession, Prepared, Any], Awaitable[FieldIssue | None]] | None = None

    @property
    def columns(self) -> list[str]:
        return list(self.schema.model_fields)

    @property
    def required(self) -> set[str]:
        return {name for name, f in self.schema.model_fields.items() if f.is_required()}


def _stamps(upload_id: str) -> dict[str, Any]:
    """The columns every row an upload creates gets: its times, and the upload that created it."""
    now = utcnow()
    return {"created_at": now, "updated_at": now, "version": 1, "upload_id": upload_id}


async def _insert_rows(
    session: AsyncSession, table: Any, rows: list[Prepared], stamps: dict[str, Any]
) -> None:
    """Insert new rows (each a prepared row's values and the upload's `stamps`) in the session's transaction:
    PostgreSQL's COPY on PostgreSQL (asyncpg's binary COPY, several times faster than a multi-row INSERT),
    an executemany INSERT elsewhere."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(table.insert(), [{**r.values, **stamps} for r in rows])
        return
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter begins its transaction with the first statement it runs; COPY on
        # the driver's connection must not run before it, or it would commit on its own.
        await connection.exec_driver_sql("SELECT 1")
    assert driver.is_in_transaction()
    columns = list(rows[0].values)
    values = itemgetter(*columns)  # a row's values as a tuple (several columns)
    stamped = tuple(stamps.values())
    # One tuple per row, straight from its values (no merged dict per row: a million-row file makes many).
    records = [values(r.values) + stamped for r in rows]
    await driver.copy_records_to_table(table.name, records=records, columns=[*columns, *stamps])


# villages


async def _village_prefetch(lookups: Lookups, rows: Sequence[VillageCreate]) -> None:
    await lookups.prefetch_subdistricts({r.code[:6] for r in rows})
    await lookups.prefetch_local_governments(
        {r.local_government_code for r in rows if r.local_government_code}
    )


async def _village_prepare(actor: Actor, data: VillageCreate, lookups: Lookups) -> Prepared:
    return Prepared(0, data.code, await villages.prepare(actor, data, lookups))


async def _existing_codes(session: AsyncSession, table: Any, keys: list[Hashable]) -> dict[Hashable, Any]:
    rows = await session.execute(select(table.c.code).where(table.c.code.in_([str(k) for k in keys])))
    return {r.code: r.code for r in rows}


async def _village_existing(session: AsyncSession, keys: list[Hashable]) -> dict[Hashable, Any]:
    return await _existing_codes(session, village_table, keys)


async def _village_insert(session: AsyncSession, rows: list[Prepared], upload_id: str) -> None:
    stamps = _stamps(upload_id)
    await _insert_rows(session, village_table, rows, stamps)


VILLAGE_CHANGEABLE = ("name_th", "name_en", "households", "population", "local_government_code")


async def _village_update(session: AsyncSession, rows: list[tuple[Prepared, Any]]) -> None:
    changes: dict[str, Any] = {c: bindparam(f"b_{c}") for c in VILLAGE_CHANGEABLE}
    statement = (
        update(village_table)
        .where(village_table.c.code == bindparam("b_code"))
        .values({**changes, "updated_at": utcnow(), "version": village_table.c.version + 1})
    )
    await session.execute(
        statement,
        [
            {"b_code": p.values["code"], **{f"b_{c}": p.values[c] for c in VILLAGE_CHANGEABLE}}
            for p, _ in rows
        ],
    )


# local governments


async def _lgo_prefetch(lookups: Lookups, rows: Sequence[LocalGovernmentCreate]) -> None:
    await lookups.prefetch_subdistricts({s for r in rows for s in r.subdistrict_codes})


async def _lgo_prepare(actor: Actor, data: LocalGovernmentCreate, lookups: Lookups) -> Prepared:
    values = await local_governments.prepare(actor, data, lookups)
    return Prepared(0, data.code, values, {"subdistrict_codes": list(data.subdistrict_codes)})


async def _lgo_existing(session: AsyncSession, keys: list[Hashable]) -> dict[Hashable, Any]:
    return await _existing_codes(session, local_government_table, keys)


async def _lgo_insert(session: AsyncSession, rows: list[Prepared], upload_id: str) -> None:
    stamps = _stamps(upload_id)
    await session.execute(local_government_table.insert(), [{**r.values, **stamps} for r in rows])
    coverage = [
        {"local_government_code": r.values["code"], "subdistrict_code": s}
        for r in rows
        for s in r.extra["subdistrict_codes"]
    ]
    if coverage:
        await session.execute(local_government_subdistrict_table.insert(), coverage)


async def _lgo_check_update(session: AsyncSession, prepared: Prepared, existing: Any) -> FieldIssue | None:
    code = prepared.values["code"]
    if await lgo_repository.villages_outside(session, code, prepared.extra["subdistrict_codes"]):
        return FieldIssue("subdistrict_codes", "field.lgo_still_has_villages", code=code)
    return None


async def _lgo_update(session: AsyncSession, rows: list[tuple[Prepared, Any]]) -> None:
    for prepared, _ in rows:
        code = prepared.values["code"]
        await session.execute(
            update(local_government_table)
            .where(local_government_table.c.code == code)
            .values(
                name_th=prepared.values["name_th"],
                name_en=prepared.values["name_en"],
                kind=prepared.values["kind"],
                updated_at=utcnow(),
                version=local_government_table.c.version + 1,
            )
        )
        await session.execute(
            delete(local_government_subdistrict_table).where(
                local_government_subdistrict_table.c.local_government_code == code
            )
        )
        if prepared.extra["subdistrict_codes"]:
            await session.execute(
                local_government_subdistrict_table.insert(),
                [
                    {"local_government_code": code, "subdistrict_code": s}
                    for s in prepared.extra["subdistrict_codes"]
                ],
            )


# plans


async def _plan_prefetch(lookups: Lookups, rows: Sequence[PlanCreate]) -> None:
    await lookups.prefetch_villages({r.village_code for r in rows})


async def _plan_prepare(actor: Actor, data: PlanCreate, lookups: Lookups) -> Prepared:
    return Prepared(0, (data.village_code, data.year), await plans.prepare(actor, data, lookups))


async def _plan_existing(session: AsyncSession, keys: list[Hashable]) -> dict[Hashable, Any]:
    villages_in = sorted({k[0] for k in keys})  # type: ignore[index]
    rows = await session.execute(
        select(
            plan_table.c.id,
            plan_table.c.village_code,
            plan_table.c.year,
            plan_table.c.revision,
            plan_table.c.status,
        )
        .where(plan_table.c.village_code.in_(villages_in))
        .order_by(plan_table.c.revision)
    )
    wanted = set(keys)
    return {(r.village_code, r.year): r for r in rows if (r.village_code, r.year) in wanted}


async def _plan_insert(session: AsyncSession, rows: list[Prepared], upload_id: str) -> None:
    stamps = _stamps(upload_id)
    await session.execute(
        plan_table.insert(),
        [{**r.values, "status": PlanStatus.draft.value, **stamps} for r in rows],
    )


PLAN_CHANGEABLE = (
    "title",
    "households_total",
    "households_contributing_data",
    "participating_households",
    "lgo_participated_from_start",
    "sufficiency_economy_process",
    "book_file_ref",
)


async def _plan_check_update(session: AsyncSession, prepared: Prepared, existing: Any) -> FieldIssue | None:
    if PlanStatus(existing.status) not in EDITABLE_PLAN_STATES:
        return FieldIssue("year", "field.plan_frozen_row", status=existing.status)
    return None


async def _plan_update(session: AsyncSession, rows: list[tuple[Prepared, Any]]) -> None:
    for prepared, existing in rows:
        await session.execute(
            update(plan_table)
            .where(plan_table.c.id == existing.id)
            .values({**{c: prepared.values[c] for c in PLAN_CHANGEABLE}, "updated_at": utcnow()})
            .values(version=plan_table.c.version + 1)
        )


# activities


async def _activity_prefetch(lookups: Lookups, rows: Sequence[ActivityRow]) -> None:
    await lookups.prefetch_plans({r.plan_id for r in rows})


async def _activity_prepare(actor: Actor, data: ActivityRow, lookups: Lookups) -> Prepared:
    plan = await lookups.plan(data.plan_id)
    if plan is None:
        raise Invalid(FieldIssue("plan_id", "field.unknown_plan", id=data.plan_id))
    try:
        return Prepared(0, None, activities.prepare(actor, plan, data))
    except NotFound:
        # A plan outside the caller's scope reads exactly as one that does not exist: a row must not tell
        # an uploader which plan ids are taken elsewhere.
        raise Invalid(FieldIssue("plan_id", "field.unknown_plan", id=data.plan_id)) from None


async def _activity_insert(session: AsyncSession, rows: list[Prepared], upload_id: str) -> None:
    stamps = _stamps(upload_id)
    await _insert_rows(session, activity_table, rows, stamps)


KINDS: dict[str, Kind] = {
    "villages": Kind(
        name="villages",
        schema=VillageCreate,
        roles=frozenset({Role.admin, Role.provincial_officer, Role.district_officer}),
        int_fields=frozenset({"moo", "households", "population"}),
        number_fields=frozenset({"code", "local_government_code"}),
        text_fields=frozenset({"name_th", "name_en"}),
        key=lambda d: d.code,
        prefetch=_village_prefetch,
        prepare=_village_prepare,
        existing=_village_existing,
        insert=_village_insert,
        update=_village_update,
    ),
    "local-governments": Kind(
        name="local-governments",
        schema=LocalGovernmentCreate,
        roles=frozenset({Role.admin, Role.provincial_officer}),
        list_fields=frozenset({"subdistrict_codes"}),
        number_fields=frozenset({"code", "province_code", "subdistrict_codes"}),
        text_fields=frozenset({"name_th", "name_en"}),
        key=lambda d: d.code,
        prefetch=_lgo_prefetch,
        prepare=_lgo_prepare,
        existing=_lgo_existing,
        insert=_lgo_insert,
        update=_lgo_update,
        check_update=_lgo_check_update,
    ),
    "plans": Kind(
        name="plans",
        schema=PlanCreate,
        roles=frozenset({Role.admin, Role.village_committee, Role.district_officer}),
        int_fields=frozenset(
            {"year", "households_total", "households_contributing_data", "participating_households"}
        ),
        bool_fields=frozenset({"lgo_participated_from_start", "sufficiency_economy_process"}),
        number_fields=frozenset({"village_code"}),
        text_fields=frozenset({"title", "book_file_ref"}),
        key=lambda d: (d.village_code, d.year),
        prefetch=_plan_prefetch,
        prepare=_plan_prepare,
        existing=_plan_existing,
        insert=_plan_insert,
        update=_plan_update,
        check_update=_plan_check_update,
    ),
    "activities": Kind(
        name="activities",
        schema=ActivityRow,
        roles=frozenset({Role.admin, Role.village_committee, Role.district_officer}),
        int_fields=frozenset({"plan_id", "priority", "fiscal_year"}),
        number_fields=frozenset({"budget"}),
        text_fields=frozenset({"title", "description", "funding_source"}),
        prefetch=_activity_prefetch,
        prepare=_activity_prepare,
        insert=_activity_insert,
    ),
}
