"""The OpenAPI document as a contract integrators can trust: every operation described (who may call it and
the problems it answers, from the code), tags in reading order, response headers documented and honest,
request examples that the API accepts, the webhook payloads the service really sends, both security schemes,
and problem types that resolve to pages explaining them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy import text

from app.auth.access import rule_of
from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import _HTTP_STATUS_KEYS, DomainError
from app.core.routing import iter_api_routes
from app.openapi_export import OPENAPI_PATH, current_document
from app.webhooks.worker import DeliveryWorker
from tests.helpers import make_key
from tests.receiver import Receiver

API = "/api/v1"
APP = Path(__file__).resolve().parents[2] / "app"
TAGS = [
    "geography",
    "villages",
    "plans",
    "workflow",
    "adoption",
    "events",
    "webhooks",
    "bulk",
    "reports",
    "identity",
]
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return dict(json.loads(current_document()))


def operations(document: dict[str, Any], *sections: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for section in sections or ("paths",):
        for path, item in document.get(section, {}).items():
            for method in METHODS:
                if method in item:
                    yield path, method, item[method]


def by_id(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (path, method, op) for path, method, op in operations(document)}


# --- tags ----------------------------------------------------------------------------------------------


def test_tags_are_listed_in_reading_order_and_cover_every_operation(document: dict[str, Any]) -> None:
    assert [tag["name"] for tag in document["tags"]] == TAGS
    assert all(len(tag.get("description", "")) >= 40 for tag in document["tags"])
    for path, method, op in operations(document, "paths", "webhooks"):
        assert op.get("tags"), f"{method} {path}"
        assert set(op["tags"]) <= set(TAGS), f"{method} {path}: {op['tags']}"


def test_the_bulk_job_operation_is_named_like_its_neighbours(document: dict[str, Any]) -> None:
    ids = by_id(document)
    assert ids["bulk_jobs_get"][:2] == (f"{API}/bulk-jobs/{{job_id}}", "get")
    assert "get_bulk_job" not in ids


# --- descriptions --------------------------------------------------------------------------------------


def _rules(dependant: Any) -> list[Any]:
    found = [rule_of(dependant.call)] if dependant.call else []
    for sub in dependant.dependencies:
        found += _rules(sub)
    return [r for r in found if r is not None]


def _paragraph(description: str, start: str) -> str:
    found = [p for p in description.split("\n\n") if p.startswith(start)]
    assert len(found) == 1, description
    return found[0]


def test_every_operation_says_what_it_does_who_may_call_it_and_its_problems(
    app: Any, document: dict[str, Any]
) -> None:
    routes = {
        (route.path_format, method.lower()): route
        for route in iter_api_routes(app.routes)
        for method in route.methods or ()
    }
    described = 0
    for path, method, op in operations(document):
        where = f"{method.upper()} {path} ({op['operationId']})"
        description = op.get("description", "")
        what = description.split("\n\n")[0]
        assert len(what) >= 40 and what != op.get("summary"), where
        assert not what.startswith("**"), where

        who = _paragraph(description, "**Who may call:**")
        rules = [r for r in _rules(routes[(path, method)].dependant) if r.authenticated]
        if not rules:
            assert "anyone" in who and "`" not in who, where
        else:
            (rule,) = rules
            named = set(re.findall(r"`([a-z_]+)`", who)) - {rule.name}
            assert named == {role.value for role in rule.roles}, where
            assert f"access rule `{rule.name}`" in who, where

        declared = sorted(int(s) for s in op["responses"] if s.isdigit() and int(s) >= 400)
        if declared:
            problems = _paragraph(description, "**Problems:**")
            listed = [int(s) for s in re.findall(r"(?:^\*\*Problems:\*\* |; )(\d{3}) ", problems)]
            assert listed == declared, where
        described += 1
    assert described >= 70

    for name, _, op in operations(document, "webhooks"):
        assert len(op.get("description", "")) >= 40, name


def test_the_transition_operation_lists_each_action_and_its_role(document: dict[str, Any]) -> None:
    from app.workflow.table import WORKFLOW

    description = by_id(document)["plans_transition"][2]["description"]
    for action, step in WORKFLOW.items():
        assert re.search(rf"\| `{action.value}` \|.*\| `{step.role.value}` \|", description), action


def test_every_schema_and_field_is_described_with_thai_labels(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("description"), name
        for field, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field}"
    thai = {
        ("VillageRead", "moo"): "หมู่ที่",
        ("VillageRead", "code"): "หมู่บ้าน",
        ("PlanRead", "year"): "พ.ศ.",
        ("ActivityRead", "budget"): "งบประมาณ",
        ("AdoptionRead", "budget"): "งบประมาณ",
        ("VillageRead", "local_government_code"): "อปท.",
        ("PlanRead", "participating_households"): "เวทีประชาคม",
    }
    for (name, field), word in thai.items():
        assert word in schemas[name]["properties"][field]["description"], (name, field)
    assert "คณะกรรมการหมู่บ้าน" in schemas["MemberRead"]["description"] + schemas["Role"]["description"]
    # Enumerations are labelled from the domain's own vocabulary.
    from app.plans.vocabulary import PLAN_STATUS_TH, WORKING_GROUP_TH

    for group, label in WORKING_GROUP_TH.items():
        assert f"`{group.value}`: {label}" in schemas["WorkingGroup"]["description"]
    for status, label in PLAN_STATUS_TH.items():
        assert f"`{status.value}`: {label}" in schemas["PlanStatus"]["description"]


# --- security -----------------------------------------------------------------------------------------


def test_api_keys_and_the_oauth2_password_flow_are_both_declared(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {**schemes["HTTPBearer"], "type": "http", "scheme": "bearer"}
    password = schemes["OAuth2PasswordBearer"]["flows"]["password"]
    assert schemes["OAuth2PasswordBearer"]["type"] == "oauth2"
    token_path, token_method, _ = by_id(document)["auth_token"]
    assert (password["tokenUrl"], token_method) == (token_path, "post")
    for path, _, op in operations(document):
        if path.startswith(API) and op["operationId"] != "auth_token":
            assert op.get("security") == [{"HTTPBearer": []}, {"OAuth2PasswordBearer": []}], path
        else:
            assert not op.get("security"), path


# --- response headers ----------------------------------------------------------------------------------


def _headers(document: dict[str, Any], op: dict[str, Any], status: str) -> dict[str, Any]:
    """The headers documented on an answer, resolved: name (lower case) -> header object."""
    found = {}
    for name, header in op["responses"][status].get("headers", {}).items():
        ref = header.get("$ref", "")
        assert ref.startswith("#/components/headers/"), (op["operationId"], status, name)
        found[name.lower()] = document["components"]["headers"][ref.rsplit("/", 1)[1]]
    return found


def test_response_headers_are_documented_once_and_referenced(document: dict[str, Any]) -> None:
    components = document["components"]["headers"]
    for name in ("ETag", "Location", "Idempotent-Replayed", "Retry-After", "X-Request-ID"):
        assert components[name]["description"], name
    assert components["X-Request-ID"]["required"] is True  # every answer carries it
    for name in ("RateLimit", "RateLimit-Policy"):
        assert components[name].get("required", False) is False
        assert "ratelimit-headers" in components[name]["description"]
    for path, _, op in operations(document):
        takes_key = "Idempotency-Key" in {p["name"] for p in op.get("parameters", [])}
        for status in op["responses"]:
            documented = _headers(document, op, status)
            assert {"x-request-id", "ratelimit", "ratelimit-policy"} <= set(documented), (path, status)
            if status in ("429", "503"):
                assert "retry-after" in documented, (path, status)
            if takes_key and status.startswith("2"):
                assert "idempotent-replayed" in documented, (path, status)
        if path.startswith(API):
            assert {"429", "503"} <= set(op["responses"]), path
        creates = [s for s in op["responses"] if s == "201"]
        if creates and op["operationId"] != "activities_adopt":
            assert "location" in _headers(document, op, "201"), path
    assert "location" in _headers(document, by_id(document)["bulk_upload"][2], "202")


# --- request examples, and every operation answering as documented ----------------------------------------

# Response headers whose presence the document must tell truly.
WATCHED = {
    "etag",
    "location",
    "idempotent-replayed",
    "retry-after",
    "x-request-id",
    "ratelimit",
    "ratelimit-policy",
    "www-authenticate",
    "geography-data-version",
}


def test_every_json_request_body_has_an_example(document: dict[str, Any]) -> None:
    for path, method, op in operations(document, "paths", "webhooks"):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            media = content["application/json"]
            assert media.get("examples") or media.get("example"), f"{method} {path}"


def test_webhook_examples_are_what_their_schemas_describe(document: dict[str, Any]) -> None:
    from app.contract.webhooks import ENVELOPES

    for name, _, op in operations(document, "webhooks"):
        media = op["requestBody"]["content"]["application/json"]
        for example in media["examples"].values():
            assert_shape(ENVELOPES[name], example["value"])


def assert_shape(model: type[BaseModel], body: dict[str, Any]) -> None:
    """`body` is valid for `model` and has exactly its fields, at every level."""

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value[:1]]
        return None

    assert shape(model.model_validate(body).model_dump(mode="json")) == shape(body), body


class Tour:
    """Calls operations of the document by operationId, checking each answer against the document: its
    status is documented, and so is every watched header it carries (and each header documented as
    always there is)."""

    def __init__(self, document: dict[str, Any], client: httpx.AsyncClient) -> None:
        self.document, self.client = document, client
        self.ops = by_id(document)
        self.called: set[str] = set()

    def media_type(self, op_id: str) -> str:
        """The body's media type the tour sends: the first that has examples (CSV for uploads)."""
        content = self.ops[op_id][2]["requestBody"]["content"]
        return next(m for m in ("application/json", "text/csv", *content) if "examples" in content.get(m, {}))

    def example(self, op_id: str, name: str | None = None) -> Any:
        content = self.ops[op_id][2]["requestBody"]["content"]
        return content[self.media_type(op_id)]["examples"][name or "example"]["value"]

    async def call(
        self,
        op_id: str,
        expect: int,
        client: httpx.AsyncClient | None = None,
        body: Any = "example",
        **params: Any,
    ) -> httpx.Response:
        template, method, op = self.ops[op_id]
        path = template.format(**{k: params.pop(k) for k in re.findall(r"{(\w+)}", template)})
        kwargs: dict[str, Any] = {"params": params.pop("query", None), "headers": params.pop("headers", {})}
        if "requestBody" in op and body is not None:
            media = self.media_type(op_id)
            value = self.example(op_id) if body == "example" else body
            if media == "application/json":
                kwargs["json"] = value
            elif media == "application/x-www-form-urlencoded":
                kwargs["data"] = value
            else:
                kwargs["content"] = value.encode() if isinstance(value, str) else value
                kwargs["headers"].setdefault("Content-Type", media)
        assert not params, params
        response = await (client or self.client).request(method.upper(), path, **kwargs)
        assert response.status_code == expect, (op_id, response.status_code, response.text)
        status = str(response.status_code)
        assert status in op["responses"], (op_id, status)
        documented = _headers(self.document, op, status)
        sent = {name.lower() for name in response.headers} & WATCHED
        assert sent <= set(documented), (op_id, status, sent - set(documented))
        for name, header in documented.items():
            if header.get("required"):
                assert name in sent, (op_id, status, name)
        self.called.add(op_id)
        return response


async def test_every_operation_answers_as_documented_with_its_examples(
    app: Any, db: Database, client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    tour = Tour(document, client)
    keys = {
        role: await make_key(db, role, scope, f"tour {role.value}")
        for role, scope in (
            (Role.village_committee, "84010101"),
            (Role.district_officer, "8401"),
            (Role.lgo_planner, "6840101"),
            (Role.provincial_officer, "84"),
        )
    }
    as_role = {
        role: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {key}"},
        )
        for role, key in keys.items()
    }
    receiver = Receiver().start()
    try:
        await _tour(tour, as_role, receiver)
    finally:
        receiver.stop()
        for c in as_role.values():
            await c.aclose()
    assert tour.called == set(tour.ops), sorted(set(tour.ops) - tour.called)


async def _tour(tour: Tour, as_role: dict[Role, httpx.AsyncClient], receiver: Receiver) -> None:
    call = tour.call
    # geography
    await call("provinces_list", 200)
    await call("provinces_get", 200, code="84")
    await call("districts_list", 200, query={"province_code": "84"})
    await call("districts_get", 200, code="8401")
    await call("subdistricts_list", 200, query={"district_code": "8401"})
    await call("subdistricts_get", 200, code="840101")
    lgo = (await call("local_governments_create", 201)).json()["code"]
    await call("local_governments_list", 200)
    etag = (await call("local_governments_get", 200, code=lgo)).headers["etag"]
    await call("local_governments_update", 200, code=lgo, headers={"If-Match": etag})
    spare = {**tour.example("local_governments_create"), "code": "6840109", "subdistrict_codes": []}
    await call("local_governments_create", 201, body=spare)
    await call("local_governments_delete", 204, code="6840109")
    # villages and committee
    village = (await call("villages_create", 201)).json()["code"]
    await call("local_governments_delete", 409, code=lgo)
    await call("villages_list", 200)
    etag = (await call("villages_get", 200, code=village)).headers["etag"]
    await call("villages_update", 412, code=village, headers={"If-Match": '"0-0"'})
    await call("villages_update", 200, code=village, headers={"If-Match": etag})
    member = (await call("committee_members_create", 201, code=village)).json()["id"]
    await call("committee_members_list", 200, code=village)
    await call("committee_members_update", 200, code=village, member_id=member)
    await call("committee_members_delete", 204, code=village, member_id=member)
    # a plan, its activity and its book
    plan = (await call("plans_create", 201)).json()["id"]
    await call("plans_list", 200)
    await call("plans_get", 200, plan_id=plan)
    await call("plans_update", 200, plan_id=plan)
    activity = (await call("plans_activities_create", 201, plan_id=plan)).json()["id"]
    await call("plans_activities_list", 200, plan_id=plan)
    await call("activities_list", 200)
    await call("activities_get", 200, activity_id=activity)
    await call("plans_book", 200, plan_id=plan)
    # the workflow, each step by its own role
    body = tour.example("plans_assessments_create", "quality")
    quality = await call("plans_assessments_create", 201, plan_id=plan, body=body)
    assert quality.json()["grade"] == "A", quality.json()
    await call("plans_assessments_list", 200, plan_id=plan)
    await call("assessments_get", 200, assessment_id=quality.json()["id"])
    await call("rubrics_list", 200)
    await call("plans_transition", 409, plan_id=plan, body={"action": "approve"})
    submit = tour.example("plans_transition", "submit")
    await call("plans_transition", 200, as_role[Role.village_committee], plan_id=plan, body=submit)
    steps = [
        (Role.district_officer, "approve"),
        (Role.lgo_planner, "integrate"),
        (Role.district_officer, "request_certification"),
    ]
    for role, action in steps:
        await call("plans_transition", 200, as_role[role], plan_id=plan, body={"action": action})
    standard = tour.example("plans_assessments_create", "standard")
    await call("plans_assessments_create", 201, as_role[Role.provincial_officer], plan_id=plan, body=standard)
    body = {"action": "certify"}
    await call("plans_transition", 200, as_role[Role.provincial_officer], plan_id=plan, body=body)
    await call("plans_history", 200, plan_id=plan)
    await call("activities_update", 200, activity_id=activity)
    # adoption by the local government
    await call("activities_adopt", 201, as_role[Role.lgo_planner], activity_id=activity)
    again = {**tour.example("activities_adopt"), "budget": "12000.00"}
    await call("activities_adopt", 200, as_role[Role.lgo_planner], activity_id=activity, body=again)
    await call("local_governments_adopted_activities", 200, code=lgo)
    await call("activities_withdraw_adoption", 204, activity_id=activity)
    await call("events_list", 200)
    # the yearly review: next year's plan, whose copied activity and itself can go while in draft
    revised = (await call("plans_revise", 201, plan_id=plan)).json()["id"]
    copied = (await tour.client.get(f"{API}/plans/{revised}/activities")).json()["items"][0]["id"]
    await call("activities_delete", 204, activity_id=copied)
    await call("plans_delete", 204, plan_id=revised)
    await call("villages_delete", 409, code=village)
    # webhooks (to a receiver on loopback: the example's host is not reachable from the tests)
    body = {**tour.example("webhook_subscriptions_create"), "url": receiver.url}
    sub = (await call("webhook_subscriptions_create", 201, as_role[Role.lgo_planner], body=body)).json()["id"]
    await call("webhook_subscriptions_list", 200)
    await call("webhook_subscriptions_get", 200, subscription_id=sub)
    await call("webhook_subscriptions_update", 200, subscription_id=sub)
    await call("webhook_subscriptions_rotate_secret", 200, subscription_id=sub)
    ping = (await call("webhook_subscriptions_test", 202, subscription_id=sub)).json()["delivery_ids"][0]
    await call("webhook_subscriptions_deliveries", 200, subscription_id=sub)
    await call("webhook_subscriptions_resend", 202, subscription_id=sub, delivery_id=ping)
    await call("webhook_subscriptions_replay", 202, subscription_id=sub)
    await call("webhook_subscriptions_delete", 204, subscription_id=sub)
    # bulk: a small upload answered at once, the same upload replayed, and one run as a job
    await call("bulk_template", 200, kind="villages")
    upload = {"headers": {"Idempotency-Key": "tour-upload"}, "kind": "villages"}
    first = await call("bulk_upload", 200, **upload)
    replayed = await call("bulk_upload", 200, **upload)
    assert replayed.headers["idempotent-replayed"] == "true" and replayed.json() == first.json()
    job = await call(
        "bulk_upload",
        202,
        kind="villages",
        query={"dry_run": "true"},
        headers={"Prefer": "respond-async"},
    )
    await call("bulk_jobs_get", 200, job_id=job.json()["id"])
    await call("villages_delete", 204, code="84010102")
    # monitoring and the learning network
    await call("reports_progress", 200, query={"province_code": "84"})
    forum = (await call("forums_create", 201)).json()["id"]
    await call("forums_list", 200)
    await call("forums_get", 200, forum_id=forum)
    await call("forums_update", 200, forum_id=forum, body={"plan_ids": [plan]})
    lesson_key = {"headers": {"Idempotency-Key": "tour-lesson"}}
    lesson = (await call("lessons_create", 201, **lesson_key)).json()["id"]
    assert (await call("lessons_create", 201, **lesson_key)).headers["idempotent-replayed"] == "true"
    await call("lessons_list", 200)
    await call("lessons_get", 200, lesson_id=lesson)
    await call("lessons_update", 200, lesson_id=lesson)
    await call("audit_log_list", 200, query={"resource_type": "lesson"})
    # identity
    user = (await call("users_create", 201)).json()["id"]
    await call("users_list", 200)
    await call("users_get", 200, user_id=user)
    await call("users_update", 200, user_id=user, body=tour.example("users_update", "move"))
    anonymous = httpx.AsyncClient(transport=tour.client._transport, base_url="http://test")
    async with anonymous:
        await call("auth_token", 200, anonymous)
        await call("users_list", 401, anonymous)
    key = (await call("api_keys_create", 201)).json()["id"]
    await call("api_keys_list", 200)
    await call("api_keys_revoke", 204, key_id=key)
    # the service itself
    await call("system_health", 200)
    await call("system_ready", 200)
    await call("system_metrics", 200)


# --- webhook payloads ----------------------------------------------------------------------------------


async def test_the_events_the_service_emits_are_the_documented_webhook_payloads(
    app: Any, db: Database, client: httpx.AsyncClient, settings: Settings
) -> None:
    from app.contract.webhooks import ENVELOPES
    from tests.helpers import create_lgo, create_village

    lgo, village = await create_lgo(client), await create_village(client, local_government_code="6840101")
    plan = (await client.post(f"{API}/plans", json={"village_code": village["code"], "year": 2569})).json()
    activity = {"title": "ถนนคอนกรีต", "working_group": "economy", "kind": "joint", "budget": "1000.00"}
    activity_id = (await client.post(f"{API}/plans/{plan['id']}/activities", json=activity)).json()["id"]
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE plan SET status = 'certification_requested'"))
    province = await make_key(db, Role.provincial_officer, "84", "province")
    headers = {"Authorization": f"Bearer {province}"}
    standard = {
        "kind": "standard",
        "scores": {
            "sufficiency_economy": 18,
            "participation": 17,
            "learning": 16,
            "plan_use": 15,
            "plan_structure": 18,
        },
    }
    assert (await client.post(f"{API}/plans/{plan['id']}/assessments", json=standard)).status_code == 201
    certify = await client.post(
        f"{API}/plans/{plan['id']}/transitions", json={"action": "certify"}, headers=headers
    )
    assert certify.status_code == 200, certify.text
    adoption = {"local_government_code": lgo["code"], "fiscal_year": 2570, "budget": "900.00"}
    adoption_path = f"{API}/activities/{activity_id}/adoption"
    for budget in ("900.00", "800.00"):
        put = await client.put(adoption_path, json={**adoption, "budget": budget})
        assert put.status_code in (200, 201), put.text
    assert (await client.delete(adoption_path)).status_code == 204

    # An endpoint that answers 410 Gone is disabled at once, and a ping is sent to it first.
    receiver = Receiver(default=410).start()
    worker = DeliveryWorker(db, settings)
    try:
        body = {"url": receiver.url, "local_government_code": lgo["code"], "event_types": ["plan.certified"]}
        sub = (await client.post(f"{API}/webhook-subscriptions", json=body)).json()
        assert (await client.post(f"{API}/webhook-subscriptions/{sub['id']}/test")).status_code == 202
        while await worker.run_once():
            pass
    finally:
        await worker.close()
        receiver.stop()
    ping = json.loads(receiver.received[0].body)
    assert_shape(ENVELOPES[ping["type"]], ping)

    events = (await client.get(f"{API}/events", params={"limit": 100})).json()["items"]
    seen = set()
    for event in events:
        assert_shape(ENVELOPES[event["type"]], {k: event[k] for k in ("type", "timestamp", "data")})
        seen.add(event["type"])
    assert seen | {ping["type"]} == set(ENVELOPES)


# --- problem pages -------------------------------------------------------------------------------------


def problem_types_in_code() -> set[str]:
    """Every problem type the code can answer: the DomainError family's, the HTTP errors', and any type
    written out in the source."""
    import app.main  # noqa: F401  (imports every domain, and so every DomainError)

    def family(cls: type[DomainError]) -> Iterator[type[DomainError]]:
        yield cls
        for sub in cls.__subclasses__():
            yield from family(sub)

    slugs = {cls.slug for cls in family(DomainError)}
    slugs |= {slug for slug, _, _ in _HTTP_STATUS_KEYS.values()}
    for source in APP.rglob("*.py"):
        code = source.read_text(encoding="utf-8")
        slugs |= set(re.findall(r'"([a-z][a-z-]+)",\s*"title\.', code))
        slugs |= set(re.findall(r'\bslug\s*=\s*"([a-z][a-z-]+)"', code))
        slugs |= set(re.findall(r'PROBLEM_BASE \+ "([a-z][a-z-]+)"', code))
    return slugs


async def test_every_problem_type_resolves_to_a_page_in_english_and_thai(anon: httpx.AsyncClient) -> None:
    slugs = problem_types_in_code()
    assert {"not-found", "validation", "wrong-state", "bulk-rejected", "http-error", "busy"} <= slugs
    for slug in sorted(slugs):
        english = await anon.get(f"/problems/{slug}")
        assert english.status_code == 200, slug
        assert english.headers["content-type"].startswith("text/html")
        assert english.headers["content-language"] == "en"
        thai = await anon.get(f"/problems/{slug}", headers={"Accept-Language": "th"})
        assert thai.status_code == 200 and thai.headers["content-language"] == "th", slug
        assert re.search("[\u0e00-\u0e7f]{10}", thai.text), slug
        assert not re.search("[\u0e00-\u0e7f]", english.text.split("<nav>")[0]), slug
        for page in (english.text, thai.text):
            assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page), slug
            assert "<script" not in page
        plain = await anon.get(f"/problems/{slug}", headers={"Accept": "text/plain"})
        assert plain.headers["content-type"].startswith("text/plain") and f"/problems/{slug}" in plain.text
    index = await anon.get("/problems/")
    assert all(f'href="/problems/{slug}"' in index.text for slug in slugs)
    unknown = await anon.get("/problems/no-such-problem")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


async def test_the_type_of_a_real_problem_is_a_page(client: httpx.AsyncClient) -> None:
    problem = (await client.get(f"{API}/villages/84019999", headers={"Accept-Language": "th"})).json()
    page = await client.get(problem["type"], headers={"Accept-Language": "th"})
    assert page.status_code == 200 and "ไม่พบข้อมูล" in page.text


# --- generated TypeScript client --------------------------------------------------------------------------


def test_typescript_types_generate_without_warnings(tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx is not installed")
    result = subprocess.run(
        # --offline: from npm's cache, never the network (`npx --yes openapi-typescript …` fills it once).
        [npx, "--yes", "--offline", "openapi-typescript", str(OPENAPI_PATH), "-o", str(tmp_path / "api.ts")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0 and ("only-if-cached" in output or "ENOTCACHED" in output):
        pytest.skip("openapi-typescript is not in npm's cache")
    assert result.returncode == 0, output
    assert "warn" not in output.lower(), output
    assert "ActivityAdoptedEvent" in (tmp_path / "api.ts").read_text()
