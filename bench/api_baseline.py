"""The bare baselines for `bench/bench_api.py`: Starlette + asyncpg running the same SQL as the app's
endpoints, and an app variant with authentication switched off (for the auth-overhead ratio).

    python -m uvicorn api_baseline:baseline --factory --app-dir bench
    python -m uvicorn api_baseline:noauth --factory --app-dir bench
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DSN = os.environ.get("DATABASE_URL", "").replace("postgresql+asyncpg://", "postgresql://")
ACTIVITY_COLUMNS = (
    "a.id, a.plan_id, a.village_code, a.district_code, a.province_code, a.title, a.description, a.working_group, "
    "a.kind, a.budget_satang, a.funding_source, a.priority, a.fiscal_year, a.status, a.created_at, a.updated_at, "
    "a.upload_id, "
    "d.local_government_code AS adoption_local_government_code, d.fiscal_year AS adoption_fiscal_year, "
    "d.budget_satang AS adoption_budget_satang, d.lgo_project_ref AS adoption_lgo_project_ref, "
    "d.adopted_by AS adoption_adopted_by, d.adopted_at AS adoption_adopted_at, d.updated_at AS adoption_updated_at"
)


AUDIT_LOCK = 0x617564_6974_00  # the app's chain locks (app.audit.recorder.CHAIN_LOCK)


def _json(value: Any) -> Response:
    return Response(json.dumps(value, default=str, ensure_ascii=False), media_type="application/json")


def _activity(row: asyncpg.Record) -> dict[str, Any]:
    item = dict(row)
    item["budget"] = f"{item.pop('budget_satang') / 100:.2f}"
    adoption = {k.removeprefix("adoption_"): item.pop(k) for k in list(item) if k.startswith("adoption_")}
    item["adoption"] = adoption if adoption["local_government_code"] else None
    return item


def baseline() -> Starlette:
    pool: asyncpg.Pool | None = None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(DSN, min_size=4, max_size=10)
        yield
        await pool.close()

    async def district_activities(request: Request) -> Response:
        assert pool is not None
        after = int(request.query_params.get("after", "0"))
        rows = await pool.fetch(
            f"SELECT {ACTIVITY_COLUMNS} FROM activity a LEFT JOIN adoption d ON d.activity_id = a.id "
            "WHERE a.district_code = $1 AND a.id > $2 ORDER BY a.id LIMIT 51",
            request.query_params["district_code"],
            after,
        )
        items = [_activity(r) for r in rows[:50]]
        return _json({"items": items, "next_cursor": str(rows[49]["id"]) if len(rows) > 50 else None})

    async def adopted(request: Request) -> Response:
        assert pool is not None
        rows = await pool.fetch(
            f"SELECT {ACTIVITY_COLUMNS} FROM adoption d JOIN activity a ON a.id = d.activity_id "
            "WHERE d.local_government_code = $1 ORDER BY d.updated_at, d.activity_id LIMIT 51",
            request.path_params["code"],
        )
        return _json({"items": [_activity(r) for r in rows[:50]], "next_cursor": None})

    async def quality(request: Request) -> Response:
        assert pool is not None
        plan_id = int(request.path_params["plan_id"])
        async with pool.acquire() as conn, conn.transaction():
            plan = await conn.fetchrow("SELECT * FROM plan WHERE id = $1", plan_id)
            counts = await conn.fetchrow(
                "SELECT count(*), count(*) FILTER (WHERE kind = 'self_reliance'), "
                "count(*) FILTER (WHERE kind = 'self_reliance' AND status = 'completed') "
                "FROM activity WHERE plan_id = $1 AND status <> 'cancelled'",
                plan_id,
            )
            total = plan["households_total"] or 1
            result = {
                "households": plan["households_contributing_data"] * 100 // total,
                "counts": list(counts),
            }
            new_id = await conn.fetchval(
                "INSERT INTO assessment (plan_id, kind, rubric_id, rubric_version, inputs, indicators, passed_count, "
                "grade, assessed_by, created_at) VALUES ($1, 'quality', 'quality-2553', 1, '{}', $2, 6, 'A', 'x', now()) "
                "RETURNING id",
                plan_id,
                json.dumps([result]),
            )
        return _json({"id": new_id, **result})

    async def transition(request: Request) -> Response:
        """The three writes of a transition: the plan's state, a history row, an event (with its sequences)."""
        return await _transition(request, audited=False)

    async def transition_audited(request: Request) -> Response:
        """The same, and the transition's entry appended to the audit log's hash chain (issue 16's feature,
        which the bare transition leaves out): the app's cost over this is the framework's alone."""
        return await _transition(request, audited=True)

    async def _transition(request: Request, *, audited: bool) -> Response:
        assert pool is not None
        plan_id = int(request.path_params["plan_id"])
        async with pool.acquire() as conn, conn.transaction():
            plan = await conn.fetchrow(
                "UPDATE plan SET status = 'certification_rejected', updated_at = now(), version = version + 1 "
                "WHERE id = $1 AND status = 'certification_requested' RETURNING *",
                plan_id,
            )
            if plan is None:
                return Response(status_code=409)
            await conn.execute(
                "INSERT INTO plan_transition (plan_id, action, from_status, to_status, actor, actor_name, actor_role, "
                "comment, created_at) VALUES ($1, 'reject_certification', 'certification_requested', "
                "'certification_rejected', 'raw', 'raw', 'provincial_officer', 'raw', now())",
                plan_id,
            )
            village = plan["village_code"]
            if audited:
                chain = plan_id % 16
                entry = {
                    "chain": chain,
                    "at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
                    "actor_id": "raw",
                    "actor_name": "raw",
                    "actor_role": "provincial_officer",
                    "request_id": uuid.uuid4().hex,
                    "action": "transition",
                    "resource_type": "plan",
                    "resource_id": str(plan_id),
                    "province_code": plan["province_code"],
                    "district_code": plan["district_code"],
                    "changes": {
                        "status": {"from": "certification_requested", "to": "certification_rejected"},
                        "action": {"from": None, "to": "reject_certification"},
                        "comment": {"from": None, "to": "raw"},
                    },
                }
                content = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                await conn.execute(
                    "SELECT audit_append($1, $2::smallint, $3::text[])", AUDIT_LOCK + chain, chain, [content]
                )
            stream = "local_government:raw"
            streams = [
                "all",
                f"province:{village[:2]}",
                f"district:{village[:4]}",
                f"village:{village}",
                stream,
            ]
            numbers = dict(
                await conn.fetch(
                    "INSERT INTO event_counter (stream, last_sequence) VALUES ($1, 1), ($2, 1), ($3, 1), ($4, 1), "
                    "($5, 1) ON CONFLICT (stream) DO UPDATE SET last_sequence = event_counter.last_sequence + 1 "
                    "RETURNING stream, last_sequence",
                    *streams,
                )
            )
            await conn.execute(
                "INSERT INTO event (sequence, id, type, stream, stream_sequence, village_code, district_code, "
                "province_code, province_sequence, district_sequence, village_sequence, data, created_at) "
                "VALUES ($1, $2, 'plan.status_changed', $3, $4, $5, $6, $7, $8, $9, $10, $11, now())",
                numbers["all"],
                f"evt_{uuid.uuid4().hex}",
                stream,
                numbers[stream],
                village,
                village[:4],
                village[:2],
                *(numbers[s] for s in streams[1:4]),
                json.dumps(dict(plan), default=str),
            )
        return _json({"id": plan_id, "status": "certification_rejected", "at": dt.datetime.now(dt.UTC)})

    return Starlette(
        routes=[
            Route("/activities", district_activities),
            Route("/adopted/{code}", adopted),
            Route("/quality/{plan_id:int}", quality, methods=["POST"]),
            Route("/transition/{plan_id:int}", transition, methods=["POST"]),
            Route("/transition_audited/{plan_id:int}", transition_audited, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def noauth() -> Any:
    """The real app with authentication answered by a fixed admin, to measure what authentication costs."""
    from app.core.actor import Actor, Role, current_actor
    from app.main import create_app

    app = create_app()
    admin = Actor(principal="key:bench", name="bench", role=Role.admin, scope_code=None)

    async def fixed() -> Actor:
        return admin

    app.dependency_overrides[current_actor] = fixed
    return app
