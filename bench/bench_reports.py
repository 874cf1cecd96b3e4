"""The progress report at national scale (issue 8): the national and a province report, timed, and the
same figures computed by one hand-written SQL query in the same run (checked equal, figure by figure).

    CPLAN_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cplan_bench_api python bench/bench_reports.py

Run after bench/dataset.py and bench/plan_dataset.py. Goal: ratio (hand-written / report) >= 0.5 and the
national report under 2 s on PostgreSQL.
"""

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.actor import Actor, Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.reports import service

URL = os.environ.get(
    "CPLAN_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/cplan_bench_api"
)
ADMIN = Actor("bench", "bench", Role.admin, None)
PROVINCE, DISTRICT = "30", "3001"  # Nakhon Ratchasima, the largest province, and its capital district

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


async def timed(fn, runs=5):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        r = await fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out), r


async def main() -> None:
    db = Database(URL)

    async def report(province=None, district=None):
        async with db.session() as s:
            return await service.progress(s, ADMIN, province, district, 2569)

    async def hand():
        async with db.engine.connect() as c:
            return (await c.execute(text(HAND), {"y": 2569})).all()

    await report()
    await hand()  # warm
    t_nat, rep = await timed(report)
    t_hand, rows = await timed(hand)
    t_prov, _ = await timed(lambda: report(PROVINCE))
    t_dist, _ = await timed(lambda: report(None, DISTRICT))
    # Same figures?
    by = {r.area.code: r for r in rep.breakdown}
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
    print(
        f"national report (service): {t_nat * 1000:.0f} ms; one hand-written query: {t_hand * 1000:.0f} ms; "
        f"ratio (hand/report) {t_hand / t_nat:.2f}"
    )
    print(
        f"province {PROVINCE} report: {t_prov * 1000:.0f} ms; district {DISTRICT} report: {t_dist * 1000:.0f} ms"
    )
    print(
        "totals:",
        rep.totals.villages,
        rep.totals.plans_reviewed.count,
        rep.totals.activities.total,
        rep.totals.adopted_budget,
    )
    await db.dispose()
    # Over HTTP, JSON and CSV, with the page.
    app = create_app(Settings(database_url=URL, deliver_in_process=False))
    from app.auth.service import create_api_key

    async with app.state.db.session() as s:
        _, key = await create_api_key(s, name="bench", role=Role.admin, scope_code=None)
        await s.commit()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    ) as c:
        for label, path, hdr in (
            ("json", "/api/v1/reports/progress?year=2569", {}),
            ("csv", "/api/v1/reports/progress?year=2569", {"Accept": "text/csv"}),
            ("page", "/reports/progress?year=2569", {}),
        ):
            await c.get(path, headers=hdr)
            t, r = await timed(lambda path=path, hdr=hdr: c.get(path, headers=hdr))
            print(f"HTTP national {label}: {t * 1000:.0f} ms, {len(r.content):,} bytes, {r.status_code}")
    await app.state.db.dispose()


asyncio.run(main())
