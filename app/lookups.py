"""Cached reads of what a written row refers to (areas, local governments, villages, plans).

One `Lookups` serves one request or one bulk upload: the single-row API asks it one code at a time, a bulk
upload prefetches a batch's codes in one query each. Both then run the same rules over the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geography.models import Province, Subdistrict
from app.local_governments.models import LocalGovernment, LocalGovernmentSubdistrict
from app.plans.models import Plan
from app.villages.models import Village

subdistrict_table = Subdistrict.__table__  # type: ignore[attr-defined]
province_table = Province.__table__  # type: ignore[attr-defined]
local_government_table = LocalGovernment.__table__  # type: ignore[attr-defined]
local_government_subdistrict_table = LocalGovernmentSubdistrict.__table__  # type: ignore[attr-defined]
village_table = Village.__table__  # type: ignore[attr-defined]
plan_table = Plan.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LocalGovernmentInfo:
    code: str
    province_code: str
    covers: frozenset[str]


@dataclass(frozen=True)
class VillageInfo:
    code: str
    moo: int
    name_th: str
    district_code: str
    province_code: str
    local_government_code: str | None
    households: int


@dataclass(frozen=True)
class PlanInfo:
    id: int
    village_code: str
    district_code: str
    province_code: str
    status: str
    local_government_code: str | None


class Lookups:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._subdistricts: dict[str, bool] = {}
        self._provinces: dict[str, bool] = {}
        self._lgos: dict[str, LocalGovernmentInfo | None] = {}
        self._villages: dict[str, VillageInfo | None] = {}
        self._plans: dict[int, PlanInfo | None] = {}

    async def _codes(self, table: object, codes: set[str]) -> set[str]:
        rows = await self.session.execute(select(table.c.code).where(table.c.code.in_(sorted(codes))))  # type: ignore[attr-defined]
        return {r[0] for r in rows}

    async def prefetch_subdistricts(self, codes: Iterable[str]) -> None:
        missing = {c for c in codes if c not in self._subdistricts}
        if missing:
            found = await self._codes(subdistrict_table, missing)
            self._subdistricts.update({c: c in found for c in missing})

    async def subdistrict_exists(self, code: str) -> bool:
        await self.prefetch_subdistricts([code])
        return self._subdistricts[code]

    async def province_exists(self, code: str) -> bool:
        if code not in self._provinces:
            self._provinces[code] = bool(await self._codes(province_table, {code}))
        return self._provinces[code]

    async def prefetch_local_governments(self, codes: Iterable[str]) -> None:
        missing = {c for c in codes if c not in self._lgos}
        if not missing:
            return
        found = {
            r.code: r.province_code
            for r in await self.session.execute(
                select(local_government_table.c.code, local_government_table.c.province_code).where(
                    local_government_table.c.code.in_(sorted(missing))
                )
            )
        }
        covers: dict[str, set[str]] = {c: set() for c in found}
        for lgo, sub in await self.session.execute(
            select(
                local_government_subdistrict_table.c.local_government_code,
                local_government_subdistrict_table.c.subdistrict_code,
            ).where(local_government_subdistrict_table.c.local_government_code.in_(sorted(found)))
        ):
            covers[lgo].add(sub)
        for code in missing:
            self._lgos[code] = (
                LocalGovernmentInfo(code, found[code], frozenset(covers[code])) if code in found else None
            )

    async def local_government(self, code: str) -> LocalGovernmentInfo | None:
        await self.prefetch_local_governments([code])
        return self._lgos[code]

    async def prefetch_villages(self, codes: Iterable[str]) -> None:
        missing = {c for c in codes if c not in self._villages}
        if not missing:
            return
        rows = await self.session.execute(
            select(
                village_table.c.code,
                village_table.c.moo,
                village_table.c.name_th,
                village_table.c.district_code,
                village_table.c.province_code,
                village_table.c.local_government_code,
                village_table.c.households,
            ).where(village_table.c.code.in_(sorted(missing)))
        )
        found = {r.code: VillageInfo(*r) for r in rows}
        for code in missing:
            self._villages[code] = found.get(code)

    async def village(self, code: str) -> VillageInfo | None:
        if code not in self._villages:  # looked up once per row of an upload: the common case is known
            await self.prefetch_villages([code])
        return self._villages[code]

    def remember_village(self, village: VillageInfo) -> None:
        self._villages[village.code] = village

    def remember_local_government(self, lgo: LocalGovernmentInfo) -> None:
        self._lgos[lgo.code] = lgo

    async def prefetch_plans(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i not in self._plans}
        if not missing:
            return
        rows = await self.session.execute(
            select(
                plan_table.c.id,
                plan_table.c.village_code,
                plan_table.c.district_code,
                plan_table.c.province_code,
                plan_table.c.status,
                village_table.c.local_government_code,
            )
            .join(village_table, village_table.c.code == plan_table.c.village_code)
            .where(plan_table.c.id.in_(sorted(missing)))
        )
        found = {r.id: PlanInfo(*r) for r in rows}
        for plan_id in missing:
            self._plans[plan_id] = found.get(plan_id)

    async def plan(self, plan_id: int) -> PlanInfo | None:
        if plan_id not in self._plans:
            await self.prefetch_plans([plan_id])
        return self._plans[plan_id]
