"""Read routes run their dependencies from a plan (app/core/fastpath.py): same answers as FastAPI's own
way, including the order in which problems are found."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.routing import APIRoute

from app.core.actor import Role
from app.core.fastpath import compile_read
from tests.helpers import create_lgo, create_village

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


def _forced_through_fastapi() -> Any:
    """An override nothing depends on: while the app has one, every route runs FastAPI's own way."""

    def unused() -> None:
        return None

    return unused


_VARIABLE_HEADERS = {"x-request-id", "date", "content-length"}


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in response.headers.items() if k not in _VARIABLE_HEADERS}
    if response.headers.get("content-type", "").endswith("json"):
        body = response.json()
        if isinstance(body, dict):
            body.pop("request_id", None)
    else:
        body = response.text
    return response.status_code, headers, body


async def test_every_planned_route_answers_the_same_both_ways(
    app: Any, client: httpx.AsyncClient, anon: httpx.AsyncClient, client_as: Any
) -> None:
    """Every GET route the plan runs, asked good and bad questions by several callers, answers exactly as
    FastAPI's own dependency solving does: status, headers and body. This is the seam on FastAPI's private
    functions (`request_params_to_args`, `serialize_response`), pinned to the tested minor version in
    pyproject.toml: a FastAPI whose internals changed fails here."""
    village = await create_village(client)
    lgo = await create_lgo(client)
    plan = (await client.post(f"{API}/plans", json={"village_code": village["code"], "year": 2569})).json()
    activity = await client.post(
        f"{API}/plans/{plan['id']}/activities",
        json={"title": "ปรับปรุงถนนในหมู่บ้าน", "working_group": "development_planning", "kind": "self_reliance"},
    )
    assert activity.status_code == 201, activity.text
    ids = {
        "code": village["code"],
        "plan_id": plan["id"],
        "activity_id": activity.json()["id"],
    }
    path_values = {"code": [village["code"], lgo["code"], "84", "8401", "840105", "99999999", "x"]}
    for name in ("plan_id", "activity_id", "assessment_id", "subscription_id", "job_id", "user_id"):
        path_values[name] = [str(ids.get(name, 1)), "999999", "abc"]
    path_values["forum_id"] = path_values["lesson_id"] = ["1", "abc"]
    queries: list[dict[str, Any]] = [{}, {"limit": 1}, {"limit": 0}, {"bogus": 1}, {"cursor": "nonsense"}]
    district = await client_as(Role.district_officer, "8401")
    committee = await client_as(Role.village_committee, village["code"])
    callers = {"admin": client, "anonymous": anon, "district": district, "committee": committee}

    planned = [r for r in app.routes if isinstance(r, APIRoute) and compile_read(r) is not None]
    assert len(planned) >= 30
    compared = 0
    for route in planned:
        names = list(route.param_convertors)
        paths = [route.path]
        for name in names:
            paths = [p.replace(f"{{{name}}}", value) for p in paths for value in path_values[name]]
        for path in paths:
            for query in queries:
                for who, caller in callers.items():
                    planned_answer = _answer(await caller.get(path, params=query))
                    override = _forced_through_fastapi()
                    app.dependency_overrides[override] = override
                    try:
                        fastapi_answer = _answer(await caller.get(path, params=query))
                    finally:
                        del app.dependency_overrides[override]
                    assert planned_answer == fastapi_answer, (who, path, query)
                    compared += 1
    assert compared > 1000
