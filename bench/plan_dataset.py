"""Adds the plans, activities and adoptions of a national-scale year to a bench database that
`bench/dataset.py` made: one plan per village (75,086), 30 activities a plan (about 2.25 million), a
quarter of them adopted by the village's local government. Loaded with PostgreSQL COPY.

    CPLAN_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cplan_bench_api python bench/dataset.py
    CPLAN_BENCH_DATABASE_URL=... python bench/plan_dataset.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time

import asyncpg

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/cplan_bench_api"
GROUPS = [
    "administration",
    "governance",
    "development_planning",
    "economy",
    "social_environment_health",
    "education_religion_culture",
]
KINDS = ["self_reliance", "self_reliance", "joint", "external_support", "joint"]
STATUSES = ["planned", "in_progress", "completed", "completed", "planned", "cancelled"]
TITLES = [
    "ปลูกผักสวนครัวปลอดสารพิษ",
    "ปรับปรุงถนนคอนกรีตเสริมเหล็ก",
    "ส่งเสริมอาชีพผู้สูงอายุ",
    "ขุดลอกคลองส่งน้ำ",
    "ฝึกอบรมการทำบัญชีครัวเรือน",
    "จัดตั้งกองทุนสวัสดิการชุมชน",
]
PER_PLAN = 30


def dsn() -> str:
    return os.environ.get("CPLAN_BENCH_DATABASE_URL", DEFAULT_URL).replace(
        "postgresql+asyncpg://", "postgresql://"
    )


async def main() -> None:
    conn = await asyncpg.connect(dsn())
    started = time.perf_counter()
    try:
        if await conn.fetchval("SELECT count(*) FROM plan"):
            print("plans already loaded")
            return
        villages = await conn.fetch(
            "SELECT code, district_code, province_code, households, local_government_code FROM village ORDER BY code"
        )
        now = dt.datetime.now(dt.UTC)
        plans = [
            (
                i + 1,
                v["code"],
                v["district_code"],
                v["province_code"],
                2569,
                1,
                f"แผนชุมชน {v['code']} ปี 2569",
                "district_approved",
                v["households"],
                v["households"] * 8 // 10,
                v["households"] * 3 // 4,
                True,
                True,
                now,
                now,
                1,
            )
            for i, v in enumerate(villages)
        ]
        await conn.copy_records_to_table(
            "plan",
            records=plans,
            columns=[
                "id",
                "village_code",
                "district_code",
                "province_code",
                "year",
                "revision",
                "title",
                "status",
                "households_total",
                "households_contributing_data",
                "participating_households",
                "lgo_participated_from_start",
                "sufficiency_economy_process",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        await conn.execute("SELECT setval(pg_get_serial_sequence('plan', 'id'), (SELECT max(id) FROM plan))")

        def activities():  # type: ignore[no-untyped-def]
            activity_id = 0
            for plan_id, village, district, province, *_ in plans:
                for n in range(PER_PLAN):
                    activity_id += 1
                    yield (
                        activity_id,
                        plan_id,
                        village,
                        district,
                        province,
                        TITLES[n % len(TITLES)],
                        GROUPS[n % len(GROUPS)],
                        KINDS[n % len(KINDS)],
                        (n + 1) * 100_000,
                        2570,
                        STATUSES[(n + plan_id) % len(STATUSES)],
                        n + 1,
                        now,
                        now,
                        1,
                    )

        await conn.copy_records_to_table(
            "activity",
            records=activities(),
            columns=[
                "id",
                "plan_id",
                "village_code",
                "district_code",
                "province_code",
                "title",
                "working_group",
                "kind",
                "budget_satang",
                "fiscal_year",
                "status",
                "priority",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('activity', 'id'), (SELECT max(id) FROM activity))"
        )
        lgo_of = {v["code"]: v["local_government_code"] for v in villages}

        def adoptions():  # type: ignore[no-untyped-def]
            activity_id = 0
            for plan_id, village, *_ in plans:
                for n in range(PER_PLAN):
                    activity_id += 1
                    if n % 4 == 0 and STATUSES[(n + plan_id) % len(STATUSES)] != "cancelled":
                        stamp = now - dt.timedelta(seconds=activity_id)
                        yield (
                            activity_id,
                            lgo_of[village],
                            2570,
                            (n + 1) * 100_000,
                            f"ผ.{n}/2570",
                            "key:1",
                            stamp,
                            stamp,
                            1,
                        )

        await conn.copy_records_to_table(
            "adoption",
            records=adoptions(),
            columns=[
                "activity_id",
                "local_government_code",
                "fiscal_year",
                "budget_satang",
                "lgo_project_ref",
                "adopted_by",
                "adopted_at",
                "updated_at",
                "version",
            ],
        )
        await conn.execute("ANALYZE")
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("plan", "activity", "adoption")
        }
        print(counts, f"{time.perf_counter() - started:.1f} s")
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
