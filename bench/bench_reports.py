"""The progress report at national scale (issues 8 and 17): the national, a province and a district report,
read from the tallies the database keeps ("kept") and computed from scratch ("scratch", the reference
query the tallies are checked against), through the service and as JSON over HTTP, in the same run; and one
hand-written from-scratch SQL query as the raw baseline. Every pair of reports is checked equal, figure by
figure, before anything is timed.

    CPLAN_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cplan_bench_api python bench/bench_reports.py

It also times single-row writes (an activity added and deleted, a plan's status changed, each its own
transaction) with the progress triggers disabled and enabled, alternating: what keeping the tallies costs a
write. Every round puts the data back, so the tallies stay exact (the script checks them first).

Run after bench/dataset.py and bench/plan_dataset.py (it migrates the database to head first: the first run
after the tallies' migration backfills them). Goal (issue 17): the national report under 200 ms, as JSON
over HTTP too, with the same figures. Results also go to bench/results/reports.json.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.actor import Actor, Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.migrations import upgrade
from app.reports import repository, service, tally

ROOT = Path(__file__).resolve().parents[1]
URL = os.environ.get(
    "CPLAN_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/cplan_bench_api"
)
ADMIN = Actor("bench", "bench", Role.admin, None)
YEAR = 2569
PROVINCE, DISTRICT = "30", "3001"  # Nakhon Ratchasima, the largest province, and its capital district
AREAS = {
    "national": (None, None),
    f"province {PROVINCE}": (PROVINCE, None),
    f"district {DISTRICT}": (None, DISTRICT),
}

HAND = """
WITH cur AS (
  SELECT p.* FROM plan p WHERE p.year = :y AND NOT EXISTS (
    SELECT 1 FROM plan n WHERE n.village_code = p.village_code AND n.year = p.year AND n.revision > p.revision)
), pl AS (
  SELECT cur.province_code g, count(*) reviewed,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM assessment s WHERE s.plan_id = cur.id)) assessed,
    count(*) FILTER (WHERE (SELECT s.grade FROM assessment s WHERE s.plan_id = cur.id AND s.kind = 'quality'
                            ORDER BY s.id DESC LIMIT 1) = 'A') grade_a,
    count(*) FILTER (WHERE cur.status = 'certified') certified
  FROM cur GROUP BY 1
), ac AS (
  SELECT a.province_code g, count(*) total,
    count(*) FILTER (WHERE a.kind = 'self_reliance') sr,
    count(*) FILTER (WHERE a.kind = 'self_reliance' AND a.status = 'completed') done,
    count(d.activity_id) adopted, coalesce(sum(d.budget_satang), 0) budget
  FROM activity a JOIN cur ON cur.id = a.plan_id LEFT JOIN adoption d ON d.activity_id = a.id
  WHERE a.status <> 'cancelled' GROUP BY 1
), vi AS (SELECT province_code g, count(*) villages FROM village GROUP BY 1),
fo AS (SELECT province_code g, count(*) held FROM forum WHERE fiscal_year = :y GROUP BY 1)
SELECT vi.g, vi.villages, pl.reviewed, pl.assessed, pl.grade_a, pl.certified, ac.total, ac.sr, ac.done, ac.adopted, ac.budget, fo.held
FROM vi LEFT JOIN pl USING (g) LEFT JOIN ac USING (g) LEFT JOIN fo USING (g) ORDER BY vi.g
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> dict[str, float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    p99 = out[min(len(out) - 1, round(0.99 * (len(out) - 1)))]
    return {"runs": runs, "p50_ms": round(statistics.median(out), 1), "p99_ms": round(p99, 1)}


def check_against_hand(report: Any, rows: list[Any]) -> None:
    by = {r.area.code: r for r in report.breakdown}
    for r in rows:
        row = by[r.g]
        assert row.villages == r.villages
        assert row.plans_reviewed.count == (r.reviewed or 0)
        assert row.plans_assessed.count == (r.assessed or 0)
        assert row.quality_grade_a.count == (r.grade_a or 0)
        assert row.certified.count == (r.certified or 0)
        assert row.activities.total == (r.total or 0)
        assert row.completed_by_community.count == (r.done or 0)
        assert row.adopted.count == (r.adopted or 0)
        assert int(row.adopted_budget * 100) == int(r.budget or 0)
        assert (row.forums.held if row.forums else 0) == (r.held or 0)


PROGRESS_TRIGGERS = {
    "plan": ("progress_plan_insert", "progress_plan_delete", "progress_plan_update"),
    "activity": ("progress_activity_insert", "progress_activity_delete", "progress_activity_update"),
}


async def write_cost(db: Database, n: int) -> dict[str, Any]:
    """What the tallies add to a write: single-row writes, each its own transaction (so each pays the recount
    at commit; the status change moves the certified figure back and forth), timed with the progress triggers disabled (the raw baseline) and enabled, alternating. Every
    round puts the data back as it found it, so the tallies stay exact."""
    async with db.engine.connect() as c:
        plan_id, village, district, province, first_status = (
            await c.execute(
                text(
                    "SELECT id, village_code, district_code, province_code, status FROM plan "
                    "WHERE year = :y AND status <> 'certified' ORDER BY id LIMIT 1"
                ),
                {"y": YEAR},
            )
        ).one()
    insert = text(
        "INSERT INTO activity (plan_id, village_code, district_code, province_code, title, working_group, kind, "
        "budget_satang, status, created_at, updated_at, version) VALUES (:p, :v, :d, :pr, 'bench', 'economy', "
        "'joint', 0, 'planned', now(), now(), 1) RETURNING id"
    )
    status = text("UPDATE plan SET status = :s WHERE id = :p")
    delete = text("DELETE FROM activity WHERE id = :id")

    async def one_round() -> dict[str, list[float]]:
        times: dict[str, list[float]] = {
            "activity insert": [],
            "plan status update": [],
            "activity delete": [],
        }
        ids = []
        for _ in range(n):
            t = time.perf_counter()
            async with db.engine.begin() as c:
                ids.append(
                    (
                        await c.execute(insert, {"p": plan_id, "v": village, "d": district, "pr": province})
                    ).scalar()
                )
            times["activity insert"].append((time.perf_counter() - t) * 1000)
        for i in range(n - n % 2):  # in pairs: the plan ends as it was
            t = time.perf_counter()
            async with db.engine.begin() as c:
                await c.execute(status, {"s": "certified" if i % 2 == 0 else first_status, "p": plan_id})
            times["plan status update"].append((time.perf_counter() - t) * 1000)
        for activity_id in ids:
            t = time.perf_counter()
            async with db.engine.begin() as c:
                await c.execute(delete, {"id": activity_id})
            times["activity delete"].append((time.perf_counter() - t) * 1000)
        return times

    async def set_triggers(enabled: bool) -> None:
        async with db.engine.begin() as c:
            for table, names in PROGRESS_TRIGGERS.items():
                for name in names:
                    await c.execute(
                        text(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER {name}")
                    )

    def summary(values: list[float]) -> dict[str, float]:
        values = sorted(values)
        return {
            "p50_ms": round(statistics.median(values), 2),
            "p99_ms": round(values[min(len(values) - 1, round(0.99 * (len(values) - 1)))], 2),
        }

    raw: dict[str, list[float]] = {}
    kept: dict[str, list[float]] = {}
    try:
        for _ in range(2):
            await set_triggers(False)
            for k, v in (await one_round()).items():
                raw.setdefault(k, []).extend(v)
            await set_triggers(True)
            for k, v in (await one_round()).items():
                kept.setdefault(k, []).extend(v)
    finally:
        await set_triggers(True)
    return {k: {"raw": summary(raw[k]), "kept": summary(kept[k])} for k in raw}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each kept report")
    parser.add_argument("--scratch-runs", type=int, default=7, help="timed runs of each from-scratch report")
    parser.add_argument("--writes", type=int, default=200, help="single-row writes of each kind per round")
    args = parser.parse_args()
    results: dict[str, Any] = {"load_before": load()}
    started = time.perf_counter()
    await asyncio.to_thread(upgrade, URL)
    results["migrate_seconds"] = round(time.perf_counter() - started, 1)
    db = Database(URL)

    def report(province: str | None, district: str | None, scratch: bool) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            async with db.session() as s:
                return await service.progress(s, ADMIN, province, district, YEAR, from_scratch=scratch)

        return run

    async def hand() -> list[Any]:
        async with db.engine.connect() as c:
            return list((await c.execute(text(HAND), {"y": YEAR})).all())

    # Same figures? Every field of every row, kept against scratch; the national one against the hand query.
    for province, district in AREAS.values():
        kept = await report(province, district, False)()
        scratch = await report(province, district, True)()
        assert kept.model_dump() == scratch.model_dump(), (province, district)
    check_against_hand(await report(None, None, False)(), await hand())
    async with db.session() as s:
        assert await tally.check(s) == [], "tallies differ from scratch: run `cplan check-reports --repair`"
    national = await report(None, None, False)()
    results["totals"] = {
        "villages": national.totals.villages,
        "plans_reviewed": national.totals.plans_reviewed.count,
        "activities": national.totals.activities.total,
        "adopted_budget": str(national.totals.adopted_budget),
    }

    service_figures: dict[str, Any] = {}
    for label, (province, district) in AREAS.items():
        service_figures[label] = {
            "kept": await timed(report(province, district, False), args.runs),
            "scratch": await timed(report(province, district, True), args.scratch_runs),
        }
    service_figures["hand-written query (national, from scratch)"] = {
        "scratch": await timed(hand, args.scratch_runs)
    }
    results["service"] = service_figures
    results["writes"] = await write_cost(db, args.writes)
    await db.dispose()

    # Over HTTP (in-process ASGI transport: the app's routing, auth, serialization), JSON, CSV and the page.
    app = create_app(Settings(database_url=URL, deliver_in_process=False))
    from app.auth.service import create_api_key

    async with app.state.db.session() as s:
        _, key = await create_api_key(s, name="bench", role=Role.admin, scope_code=None)
        await s.commit()
    http: dict[str, Any] = {}
    kept_counts, kept_forums = tally.progress_counts, tally.district_forums
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    ) as c:
        for label, path, headers in (
            ("national json", f"/api/v1/reports/progress?year={YEAR}", {}),
            ("national csv", f"/api/v1/reports/progress?year={YEAR}", {"Accept": "text/csv"}),
            ("national page", f"/reports/progress?year={YEAR}", {}),
            (
                f"province {PROVINCE} json",
                f"/api/v1/reports/progress?year={YEAR}&province_code={PROVINCE}",
                {},
            ),
        ):

            async def get(path: str = path, headers: dict[str, str] = headers) -> None:
                r = await c.get(path, headers=headers)
                assert r.status_code == 200, r.text

            row: dict[str, Any] = {}
            for source, runs in (("kept", args.runs), ("scratch", args.scratch_runs)):
                # The app always reads the tallies; for "scratch" this process swaps in the reference.
                scratch = source == "scratch"
                tally.progress_counts = repository.progress_counts if scratch else kept_counts  # type: ignore[assignment]
                tally.district_forums = repository.district_forums if scratch else kept_forums  # type: ignore[assignment]
                await get()
                row[source] = await timed(get, runs)
            tally.progress_counts, tally.district_forums = kept_counts, kept_forums  # type: ignore[assignment]
            http[label] = row
    await app.state.db.dispose()
    results["http"] = http
    results["load_after"] = load()

    print(f"load average before {results['load_before']}, after {results['load_after']}")
    print(f"{'report':<44} {'kept p50':>9} {'p99':>8} {'scratch p50':>12} {'p99':>8} {'scratch/kept':>13}")
    for group, figures in (("service", service_figures), ("HTTP", http)):
        for label, row in figures.items():
            kept_row, scratch_row = row.get("kept"), row["scratch"]
            speedup = f"{scratch_row['p50_ms'] / kept_row['p50_ms']:.0f}x" if kept_row else ""
            k50 = f"{kept_row['p50_ms']:.1f}" if kept_row else "-"
            k99 = f"{kept_row['p99_ms']:.1f}" if kept_row else "-"
            print(
                f"{group + ' ' + label:<44} {k50:>9} {k99:>8} {scratch_row['p50_ms']:>12.1f} "
                f"{scratch_row['p99_ms']:>8.1f} {speedup:>13}"
            )
    print(
        f"{'write (own transaction)':<44} {'raw p50':>9} {'p99':>8} {'kept p50':>12} {'p99':>8} {'kept/raw':>13}"
    )
    for label, row in results["writes"].items():
        r, k = row["raw"], row["kept"]
        print(
            f"{label:<44} {r['p50_ms']:>9.2f} {r['p99_ms']:>8.2f} {k['p50_ms']:>12.2f} {k['p99_ms']:>8.2f} "
            f"{k['p50_ms'] / r['p50_ms']:>12.2f}x"
        )
    hand_p50 = service_figures["hand-written query (national, from scratch)"]["scratch"]["p50_ms"]
    kept_p50 = service_figures["national"]["kept"]["p50_ms"]
    print(f"national, kept report against the raw from-scratch SQL: {hand_p50 / kept_p50:.0f}x faster")
    print("totals:", results["totals"])
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "reports.json").write_text(json.dumps(results, indent=2))


asyncio.run(main())
