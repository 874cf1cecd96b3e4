"""Request ids and the structured request log: every answer says its X-Request-ID, problems quote it, each
request is one JSON line without secrets, and webhook deliveries and bulk jobs log under the id of the
request that caused them."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bulk.runner import BulkJobRunner
from app.core.config import Settings
from app.core.db import Database
from app.core.logs import RequestIdFilter, json_formatter
from app.main import create_app
from app.webhooks.worker import DeliveryWorker
from tests.bulk.test_bulk_jobs import ASYNC, GOOD, csv_body, post
from tests.processes import ROOT, free_port
from tests.receiver import Receiver
from tests.test_cli import CPLAN
from tests.webhooks import conftest as webhook_fixtures
from tests.webhooks.test_webhooks import Scene

# The webhook tests' fixtures: a scene with subscribable local governments, and a worker.
scene, worker = webhook_fixtures.scene, webhook_fixtures.worker

API = "/api/v1"
GENERATED = re.compile(r"[0-9a-f]{32}")


class JsonLines:
    """What the loggers write, as the JSON lines `cplan serve` and `cplan worker` print."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self, **match: Any) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.text.splitlines()]
        return [line for line in lines if all(line.get(k) == v for k, v in match.items())]


@pytest.fixture
def logs() -> Iterator[JsonLines]:
    lines = JsonLines()
    handler = logging.StreamHandler(lines.stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger(name) for name in ("app.request", "app.webhooks", "app.bulk.jobs")]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield lines
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_an_answer_without_a_request_id_gets_a_new_one(anon: httpx.AsyncClient) -> None:
    first, second = await anon.get("/healthz"), await anon.get("/healthz")
    assert GENERATED.fullmatch(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("given", ["abc-123", "2f1c7a9e.retry:2_of_3", "x" * 128])
async def test_a_sane_request_id_is_echoed(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get(f"{API}/provinces", headers={"X-Request-ID": given})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == given


@pytest.mark.parametrize(
    "given", ["", "has space", "x" * 129, "semi;colon", "new\\nline", "ไทย".encode().decode("latin-1")]
)
async def test_an_insane_request_id_is_replaced(anon: httpx.AsyncClient, given: str) -> None:
    response = await anon.get("/healthz", headers=[("X-Request-ID", given.encode("latin-1"))])
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["x-request-id"])


async def test_problems_quote_the_request_id(client: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    mine = await client.get(f"{API}/villages/84010199", headers={"X-Request-ID": "trace-404"})
    assert mine.status_code == 404
    assert mine.headers["content-type"] == "application/problem+json"
    assert mine.json()["request_id"] == "trace-404"
    for response in (
        await anon.get(f"{API}/villages"),  # 401
        await client.get(f"{API}/villages", params={"limit": 0}),  # 422
        await client.get("/no/such/path"),  # 404 from routing
        await client.post(f"{API}/villages", content=b"x" * 2_000_000),  # 413 from the size limit
    ):
        assert response.status_code in (401, 404, 413, 422), response.text
        assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_each_request_is_one_json_line_without_secrets(
    client: httpx.AsyncClient, admin_key: str, logs: JsonLines
) -> None:
    await client.post(
        f"{API}/local-governments",
        json={
            "code": "6840101",
            "name_th": "อบต.ทดสอบ",
            "kind": "subdistrict_administration",
            "province_code": "84",
            "subdistrict_codes": ["840101"],
        },
    )
    created = await client.post(
        f"{API}/villages",
        json={"code": "84010101", "name_th": "บ้านดอนเกลี้ยง", "households": 12, "local_government_code": None},
        headers={"X-Request-ID": "create-1"},
    )
    assert created.status_code == 201, created.text
    read = await client.get(f"{API}/villages/84010101", headers={"X-Request-ID": "read-1"})
    assert read.status_code == 200
    missing = await client.get(f"{API}/villages/84010199")

    (line,) = logs.records(request_id="read-1")
    assert line["logger"] == "app.request" and line["level"] == "INFO"
    assert (line["method"], line["route"], line["status"]) == ("GET", f"{API}/villages/{{code}}", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"key:\d+", line["caller"])
    (created_line,) = logs.records(request_id="create-1")
    assert (created_line["method"], created_line["route"], created_line["status"]) == (
        "POST",
        f"{API}/villages",
        201,
    )
    (missing_line,) = logs.records(request_id=missing.headers["x-request-id"])
    assert missing_line["status"] == 404 and missing_line["caller"] == line["caller"]
    assert len(logs.records(logger="app.request")) == 4
    # Neither the key (nor any part of it past its public prefix) nor the body is written.
    assert admin_key not in logs.text and admin_key[12:] not in logs.text
    assert "บ้านดอนเกลี้ยง" not in logs.text and "Bearer" not in logs.text


async def test_anonymous_and_unmatched_requests_are_logged_too(
    anon: httpx.AsyncClient, logs: JsonLines
) -> None:
    await anon.get(f"{API}/villages", headers={"X-Request-ID": "anon-1", "Authorization": "Bearer cpk_wrong"})
    await anon.get("/nowhere", headers={"X-Request-ID": "anon-2"})
    (refused,) = logs.records(request_id="anon-1")
    assert (refused["status"], refused["caller"], refused["route"]) == (401, None, f"{API}/villages")
    (unmatched,) = logs.records(request_id="anon-2")
    assert (unmatched["status"], unmatched["route"]) == (404, None)
    assert "cpk_wrong" not in logs.text


async def test_a_delivery_is_logged_with_the_request_that_caused_it(
    scene: Scene, worker: DeliveryWorker, receiver: Receiver, logs: JsonLines
) -> None:
    await scene.subscribe(receiver.url)
    adopted = await scene.lgo.put(
        f"{API}/activities/{scene.activities['6840101']}/adoption",
        json={"local_government_code": "6840101", "fiscal_year": 2570, "budget": "1000.00"},
        headers={"X-Request-ID": "adopt-7"},
    )
    assert adopted.status_code == 201, adopted.text
    assert await worker.run_once() == 1
    (line,) = logs.records(logger="app.webhooks", message="webhook delivery")
    assert line["request_id"] == "adopt-7"
    assert (line["method"], line["status"], line["attempt"]) == ("POST", 200, 1)
    assert line["event_id"] == receiver.received[0].headers["webhook-id"]
    assert isinstance(line["duration_ms"], int) and line["delivery_id"] > 0


async def test_a_bulk_job_is_logged_with_the_upload_request(
    client: httpx.AsyncClient, db: Database, settings: Settings, logs: JsonLines
) -> None:
    response = await post(client, csv_body(*GOOD), {**ASYNC, "X-Request-ID": "upload-3"})
    assert response.status_code == 202, response.text
    runner = BulkJobRunner(db, settings)
    assert await runner.run_once()
    lines = logs.records(logger="app.bulk.jobs")
    assert [line["status"] for line in lines] == ["running", "succeeded"]
    for line in lines:
        assert line["request_id"] == "upload-3"
        assert line["job_id"] == response.json()["id"]
        assert re.fullmatch(r"key:\d+", line["caller"])
    assert lines[-1]["rows"] == 3 and lines[-1]["duration_ms"] >= 0


async def test_an_unexpected_error_still_answers_its_request_id(settings: Settings, db: Database) -> None:
    app = create_app(settings, db)

    @app.get("/test-only/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/test-only/boom", headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "bug-1"
    assert response.json()["request_id"] == "bug-1"


def test_cplan_serve_writes_one_json_line_per_request(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cplan.db'}", PYTHONPATH=str(ROOT))
    port = free_port()
    process = subprocess.Popen(
        [*CPLAN, "serve", "--port", str(port), "--no-worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        key = None
        while key is None and (line := process.stdout.readline()):
            key = line.strip() if line.startswith("cpk_") else None
        assert key, "serve did not print a first admin key"
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        answer = httpx.get(
            f"{base}/api/v1/provinces/84",
            headers={"Authorization": f"Bearer {key}", "X-Request-ID": "served-1"},
        )
        assert answer.status_code == 200 and answer.headers["x-request-id"] == "served-1"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    lines = [json.loads(line) for line in stderr.splitlines()]  # every line is JSON, uvicorn's too
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    (request,) = [line for line in lines if line.get("request_id") == "served-1"]
    assert (request["logger"], request["route"], request["status"]) == (
        "app.request",
        "/api/v1/provinces/{code}",
        200,
    )
    assert key not in stderr
