"""Read routes run their dependencies from a plan (app/core/fastpath.py): same answers as FastAPI's own
way, including the order in which problems are found."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.routing import APIRoute

from app.core.fastpath import compile_read

API = "/api/v1"


def _route(app: Any, path: str, method: str = "GET") -> APIRoute:
    return next(r for r in app.routes if isinstance(r, APIRoute) and r.path == path and method in r.methods)


def test_the_polled_read_paths_are_planned_and_writes_are_not(app: Any) -> None:
    for path in (
        f"{API}/villages/{{code}}",
        f"{API}/villages",
        f"{API}/local-governments/{{code}}/adopted-activities",
        f"{API}/activities",
        f"{API}/events",
        f"{API}/plans/{{plan_id}}",
    ):
        assert compile_read(_route(app, path)) is not None, path
    assert compile_read(_route(app, f"{API}/villages", "POST")) is None
    # A custom response class (HTML or PDF) is left to FastAPI.
    assert compile_read(_route(app, f"{API}/plans/{{plan_id}}/book")) is None


async def test_credentials_are_checked_before_parameters(anon: httpx.AsyncClient) -> None:
    response = await anon.get(f"{API}/villages", params={"limit": 0})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_every_bad_parameter_is_reported_together(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{API}/villages", params={"limit": 0, "district_code": "84x1"}, headers={"Accept-Language": "th"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in problem["errors"]} == {"query.limit", "query.district_code"}


async def test_a_bad_path_parameter_is_a_validation_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/villages/8401050X")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["path.code"]


async def test_headers_set_by_the_endpoint_reach_the_client(client: httpx.AsyncClient) -> None:
    await client.post(f"{API}/villages", json={"code": "84010101", "name_th": "บ้านดอน"})
    plan = await client.post(f"{API}/plans", json={"village_code": "84010101", "year": 2569})
    assert plan.status_code == 201, plan.text
    read = await client.get(f"{API}/plans/{plan.json()['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == plan.headers["etag"]
    assert read.json()["village_code"] == "84010101"
