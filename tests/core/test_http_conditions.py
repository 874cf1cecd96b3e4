"""HTTP conditions over every route, found by walking the app: `If-None-Match` answers 304 wherever an
`ETag` is sent (on the fast read path and FastAPI's own), an unknown query parameter is a problem naming it,
and `REQUIRE_IF_MATCH` turns a change without `If-Match` into 428."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.dependencies.utils import get_flat_params
from sqlalchemy import text

from app.core.config import Settings
from app.core.db import Database
from app.core.uow import TransactionalRoute
from app.main import create_app
from tests.helpers import (
    LGO,
    OTHER_SUBDISTRICT,
    SUBDISTRICT,
    assert_problem,
    count_rows,
    create_lgo,
    create_village,
    has_thai,
)

API = "/api/v1"
VILLAGE = f"{SUBDISTRICT}01"
ADOPTED_VILLAGE = f"{SUBDISTRICT}02"
# Nothing refers to these: they can be deleted.
SPARE_VILLAGE = f"{SUBDISTRICT}04"
SPARE_LGO = "6840102"

# The GET routes that answer an ETag today; the walk below must find at least these.
ETAG_READS = {
    f"{API}/villages/{{code}}",
    f"{API}/local-governments/{{code}}",
    f"{API}/plans/{{plan_id}}",
    f"{API}/activities/{{activity_id}}",
    f"{API}/users/{{user_id}}",
    f"{API}/webhook-subscriptions/{{subscription_id}}",
    f"{API}/forums/{{forum_id}}",
    f"{API}/lessons/{{lesson_id}}",
}


def _routes(app: Any) -> list[TransactionalRoute]:
    return [r for r in app.routes if isinstance(r, TransactionalRoute)]


# Listed from an app made for the purpose, so that each route is a test of its own.
# Only its routes are read: an in-memory database, and a key given (it has no file to keep one beside).
_APP = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="route-table-only-" * 3))
GET_ROUTES = sorted(r.path for r in _routes(_APP) if "GET" in (r.methods or set()))
# Changes of a resource that has an ETag: the ones that take If-Match, less the workflow's POST.
IF_MATCH_WRITES = sorted(
    (method, r.path)
    for r in _routes(_APP)
    for method in sorted(r.methods or set())
    if method in {"PATCH", "PUT", "DELETE"} and "If-Match" in {f.alias for f in get_flat_params(r.dependant)}
)


@dataclass
class Scene:
    """One of every resource, so that every route has something to answer about."""

    ids: dict[str, Any] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)  # resource URL -> its ETag when made

    def url(self, template: str, method: str = "GET") -> str:
        values = dict(self.ids)
        spare = method == "DELETE"
        for prefix, code in (
            ("/villages", SPARE_VILLAGE if spare and template.endswith("/{code}") else VILLAGE),
            ("/local-governments", SPARE_LGO if spare else LGO),
            ("/provinces", "84"),
            ("/districts", "8401"),
            ("/subdistricts", SUBDISTRICT),
        ):
            if template.startswith(API + prefix + "/{code}"):
                values["code"] = code
        return template.format(**values)


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.text
    return dict(response.json())


async def build_scene(client: httpx.AsyncClient, db: Database) -> Scene:
    scene = Scene()
    await create_lgo(client)
    for code in (VILLAGE, ADOPTED_VILLAGE):
        await create_village(client, code=code, local_government_code=LGO)
    await create_village(client, code=SPARE_VILLAGE)
    await create_lgo(client, code=SPARE_LGO, subdistrict_codes=[OTHER_SUBDISTRICT])
    plan = await _created(await client.post(f"{API}/plans", json={"village_code": VILLAGE, "year": 2569}))
    activity = await _created(
        await client.post(
            f"{API}/plans/{plan['id']}/activities",
            json={
                "title": "ปรับปรุงถนนในหมู่บ้าน",
                "working_group": "development_planning",
                "kind": "self_reliance",
                "budget": "15000.00",
            },
        )
    )
    member_response = await client.post(
        f"{API}/villages/{VILLAGE}/committee-members",
        json={"name": "นายสมชาย ใจดี", "position": "ประธาน", "working_group": "economy"},
    )
    member = await _created(member_response)
    scene.etags[f"{API}/villages/{VILLAGE}/committee-members/{member['id']}"] = member_response.headers[
        "etag"
    ]
    assessment = await _created(
        await client.post(f"{API}/plans/{plan['id']}/assessments", json={"kind": "quality"})
    )
    forum = await _created(
        await client.post(
            f"{API}/forums",
            json={
                "district_code": "8401",
                "date": "2026-03-15",
                "title": "เวทีประชาคมอำเภอ",
                "agenda": "ทบทวนแผนชุมชน",
                "support_team_count": 20,
                "village_representative_count": 35,
            },
        )
    )
    lesson = await _created(
        await client.post(
            f"{API}/lessons",
            json={
                "title": "ถอดบทเรียน",
                "body": "การมีส่วนร่วม",
                "scope_level": "district",
                "scope_code": "8401",
            },
        )
    )
    user = await _created(
        await client.post(
            f"{API}/users",
            json={"username": "walker", "password": "correct horse battery", "role": "admin"},
        )
    )
    subscription = await _created(
        await client.post(
            f"{API}/webhook-subscriptions",
            json={"url": "http://127.0.0.1:9/hook", "local_government_code": LGO},
        )
    )
    job = await _created(
        await client.post(
            f"{API}/bulk/villages",
            content=b"code,name_th\r\n84010103,\xe0\xb8\x9a\xe0\xb9\x89\xe0\xb8\xb2\xe0\xb8\x99\r\n",
            headers={"Content-Type": "text/csv", "Prefer": "respond-async"},
        )
    )
    # A district-approved plan in a second village, with an adopted activity.
    adopted_plan = await _created(
        await client.post(f"{API}/plans", json={"village_code": ADOPTED_VILLAGE, "year": 2569})
    )
    adopted = await _created(
        await client.post(
            f"{API}/plans/{adopted_plan['id']}/activities",
            json={
                "title": "ถนนคอนกรีต",
                "working_group": "development_planning",
                "kind": "external_support",
                "budget": "250000.00",
            },
        )
    )
    async with db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE plan SET status = 'district_approved' WHERE id = :id"), {"id": adopted_plan["id"]}
        )
    adoption = await client.put(
        f"{API}/activities/{adopted['id']}/adoption",
        json={"local_government_code": LGO, "fiscal_year": 2570, "budget": "200000.00"},
    )
    assert adoption.status_code == 201, adoption.text
    scene.etags[f"{API}/activities/{adopted['id']}/adoption"] = adoption.headers["etag"]
    scene.ids = {
        "plan_id": plan["id"],
        "activity_id": activity["id"],
        "member_id": member["id"],
        "assessment_id": assessment["id"],
        "forum_id": forum["id"],
        "lesson_id": lesson["id"],
        "user_id": user["id"],
        "subscription_id": subscription["id"],
        "job_id": job["id"],
        "kind": "villages",
    }
    return scene


@pytest.fixture
async def scene(client: httpx.AsyncClient, db: Database) -> Scene:
    return await build_scene(client, db)


@pytest.fixture(params=["fast path", "FastAPI's path"])
async def read_path(request: pytest.FixtureRequest, app: Any) -> AsyncIterator[str]:
    """Read routes run from a plan (app/core/fastpath.py) unless a dependency is overridden: both ways."""
    if request.param == "FastAPI's path":

        def _unused() -> None: ...

        app.dependency_overrides[_unused] = _unused
    yield request.param
    app.dependency_overrides.clear()


# --- If-None-Match ------------------------------------------------------------------------------------


async def test_every_etag_read_answers_304_when_the_etag_is_current(
    client: httpx.AsyncClient, scene: Scene, read_path: str
) -> None:
    with_etag: set[str] = set()
    for template in GET_ROUTES:
        url = scene.url(template)
        first = await client.get(url)
        assert first.status_code == 200, (url, first.text)
        etag = first.headers.get("etag")
        if etag is None:
            continue
        with_etag.add(template)
        weak = etag if etag.startswith("W/") else f"W/{etag}"
        for condition in (etag, weak, f'"nope", {etag}', f'"a", W/"b",{weak}', "*", f" {etag} "):
            again = await client.get(url, headers={"If-None-Match": condition})
            assert again.status_code == 304, (url, condition, again.text)
            assert again.content == b"", url
            assert again.headers["etag"] == etag
            assert "content-type" not in again.headers and "content-length" not in again.headers
        for condition in ('"nope"', 'W/"nope"', f'"x{etag[1:]}', "", etag.strip('"'), ", ,"):
            again = await client.get(url, headers={"If-None-Match": condition})
            assert again.status_code == 200, (url, condition)
            assert again.content == first.content and again.headers["etag"] == etag
    assert with_etag >= ETAG_READS, sorted(ETAG_READS - with_etag)


async def test_a_changed_resource_answers_200_to_its_old_etag(
    client: httpx.AsyncClient, read_path: str
) -> None:
    await create_village(client)
    url = f"{API}/villages/{VILLAGE}"
    old = (await client.get(url)).headers["etag"]
    changed = await client.patch(url, json={"households": 7}, headers={"If-Match": old})
    assert changed.status_code == 200
    response = await client.get(url, headers={"If-None-Match": old})
    assert response.status_code == 200 and response.json()["households"] == 7
    assert response.headers["etag"] == changed.headers["etag"] != old
    assert (await client.get(url, headers={"If-None-Match": changed.headers["etag"]})).status_code == 304


async def test_if_none_match_does_not_hide_problems(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    assert_problem(await client.get(f"{API}/villages/84010199", headers={"If-None-Match": "*"}), 404)
    assert_problem(await anon.get(f"{API}/villages/84010199", headers={"If-None-Match": "*"}), 401)


# --- unknown query parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", GET_ROUTES)
async def test_every_get_route_refuses_a_made_up_parameter(
    client: httpx.AsyncClient, scene: Scene, template: str
) -> None:
    url = scene.url(template)
    problem = assert_problem(await client.get(url, params={"colour": "red"}), 422)
    assert [e["field"] for e in problem["errors"]] == ["query.colour"], problem
    assert "colour" in problem["detail"]
    thai = assert_problem(
        await client.get(url, params={"colour": "red"}, headers={"Accept-Language": "th"}), 422
    )
    assert has_thai(thai["title"]) and has_thai(thai["errors"][0]["message"]) and "colour" in thai["detail"]
    assert (await client.get(url)).status_code == 200


async def test_a_misspelt_filter_is_refused_not_ignored(client: httpx.AsyncClient, read_path: str) -> None:
    await create_lgo(client)
    await create_village(client)
    response = await client.get(f"{API}/villages", params={"distrct_code": "8405", "limit": 10})
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "query.distrct_code"
    assert "district_code" in problem["errors"][0]["message"]  # the names it does take
    assert "cursor" in problem["errors"][0]["message"] and "limit" in problem["errors"][0]["message"]
    # Declared parameters still work.
    page = await client.get(f"{API}/villages", params={"district_code": "8401", "limit": 1})
    assert page.status_code == 200 and len(page.json()["items"]) == 1
    listed = await client.get(f"{API}/events", params={"types": "activity.adopted", "limit": 5})
    assert listed.status_code == 200


@pytest.mark.parametrize("template", GET_ROUTES)
async def test_credentials_are_still_checked_first(
    anon: httpx.AsyncClient, scene: Scene, template: str
) -> None:
    # Also where the credentials are checked by the route's access rule, not its router (the HTML page).
    assert_problem(await anon.get(scene.url(template), params={"colour": "red"}), 401)


async def test_a_write_with_an_unknown_parameter_changes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    # A misspelt `dry_run` must not write the file for real.
    response = await client.post(
        f"{API}/bulk/villages",
        params={"dryrun": "true"},
        content="code,name_th\r\n84010101,บ้านดอน\r\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert assert_problem(response, 422)["errors"][0]["field"] == "query.dryrun"
    village = {"code": VILLAGE, "name_th": "บ้านดอน"}
    assert_problem(await client.post(f"{API}/villages", params={"x": "1"}, json=village), 422)
    assert await count_rows(db, "village") == 0


async def test_many_or_long_unknown_names_make_a_small_problem(client: httpx.AsyncClient) -> None:
    params = [(f"p{i}" + "x" * 500, "1") for i in range(100)]
    problem = assert_problem(await client.get(f"{API}/provinces", params=params), 422)
    assert len(problem["errors"]) == 20 and len(json.dumps(problem)) < 20_000


def test_the_openapi_document_still_lists_each_route_s_parameters(app: Any) -> None:
    document = app.openapi()
    for route in _routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods or set():
            operation = document["paths"][route.path][method.lower()]
            listed = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert listed == route.query_names, (method, route.path)
    villages = document["paths"][f"{API}/villages"]["get"]["parameters"]
    assert {"district_code", "limit", "cursor"} <= {p["name"] for p in villages}


# --- REQUIRE_IF_MATCH -------------------------------------------------------------------------------------

WRITE_BODIES = {
    "PUT": {"local_government_code": LGO, "fiscal_year": 2570, "budget": "210000.00"},  # the adoption
}


async def _current_etag(client: httpx.AsyncClient, scene: Scene, url: str) -> str:
    if url in scene.etags:
        return scene.etags[url]
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def _write_url(method: str, template: str, scene: Scene) -> str:
    if template.endswith("/adoption"):
        return next(u for u in scene.etags if u.endswith("/adoption"))
    return scene.url(template, method)


@pytest.fixture
async def strict(settings: Settings, db: Database, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"require_if_match": True}), db)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c


def test_the_writes_that_need_if_match_are_found() -> None:
    assert ("PATCH", f"{API}/villages/{{code}}") in IF_MATCH_WRITES
    assert ("PUT", f"{API}/activities/{{activity_id}}/adoption") in IF_MATCH_WRITES
    assert ("DELETE", f"{API}/villages/{{code}}/committee-members/{{member_id}}") in IF_MATCH_WRITES
    assert all(path != f"{API}/plans/{{plan_id}}/transitions" for _, path in IF_MATCH_WRITES)
    assert len(IF_MATCH_WRITES) == 17
    # Each documents the 428 it may answer.
    document = _APP.openapi()
    for method, path in IF_MATCH_WRITES:
        assert "428" in document["paths"][path][method.lower()]["responses"], (method, path)
    assert "428" not in document["paths"][f"{API}/plans/{{plan_id}}/transitions"]["post"]["responses"]


@pytest.mark.parametrize(("method", "template"), IF_MATCH_WRITES)
async def test_required_if_match_refuses_a_blind_change(
    client: httpx.AsyncClient, strict: httpx.AsyncClient, db: Database, method: str, template: str
) -> None:
    scene = await build_scene(client, db)
    url = _write_url(method, template, scene)
    etag = await _current_etag(client, scene, url)
    body = WRITE_BODIES.get(method, {}) if method != "DELETE" else None
    problem = assert_problem(
        await strict.request(method, url, json=body, headers={"Accept-Language": "th"}), 428
    )
    assert (
        problem["title"] == "ต้องระบุ If-Match"
        and "If-Match" in problem["detail"]
        and has_thai(problem["detail"])
    )
    english = assert_problem(await strict.request(method, url, json=body), 428)
    assert english["title"] == "Precondition required" and english["type"].endswith("precondition-required")
    assert await _current_etag(client, scene, url) == etag  # unchanged
    # With the ETag it goes through, and a stale one is still 412.
    assert_problem(await strict.request(method, url, json=body, headers={"If-Match": '"1-0"'}), 412)
    done = await strict.request(method, url, json=body, headers={"If-Match": etag})
    assert 200 <= done.status_code < 300, done.text


@pytest.mark.parametrize(("method", "template"), IF_MATCH_WRITES)
async def test_if_match_is_optional_by_default(
    client: httpx.AsyncClient, db: Database, method: str, template: str
) -> None:
    scene = await build_scene(client, db)
    url = _write_url(method, template, scene)
    body = WRITE_BODIES.get(method, {}) if method != "DELETE" else None
    response = await client.request(method, url, json=body)
    assert 200 <= response.status_code < 300, response.text


async def test_required_if_match_leaves_creation_and_workflow_alone(
    client: httpx.AsyncClient, strict: httpx.AsyncClient, db: Database
) -> None:
    scene = await build_scene(client, db)
    # Creating needs no ETag: there is none yet (a first adoption is a PUT).
    assert (
        await strict.post(f"{API}/villages", json={"code": f"{SUBDISTRICT}05", "name_th": "บ้านใหม่"})
    ).status_code == 201
    adopted = next(u for u in scene.etags if u.endswith("/adoption"))
    assert (await strict.delete(adopted, headers={"If-Match": scene.etags[adopted]})).status_code == 204
    again = await strict.put(adopted, json=WRITE_BODIES["PUT"])
    assert again.status_code == 201, again.text
    # Workflow actions are POSTs, guarded by the plan's state.
    submitted = await strict.post(
        f"{API}/plans/{scene.ids['plan_id']}/transitions", json={"action": "submit"}
    )
    assert submitted.status_code != 428, submitted.text
