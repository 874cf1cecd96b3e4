"""The plan book through the API: HTML and PDF from the plan's data; rendering it makes the book exist."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from app.core.actor import Role
from app.core.db import Database
from tests.helpers import make_key

API = "/api/v1"


async def _plan(client: httpx.AsyncClient) -> int:
    await client.post(f"{API}/villages", json={"code": "84010101", "name_th": "บ้านน้ำใส", "households": 10})
    plan = (
        await client.post(
            f"{API}/plans", json={"village_code": "84010101", "year": 2569, "households_contributing_data": 8}
        )
    ).json()
    await client.post(
        f"{API}/villages/84010101/committee-members",
        json={"name": "นายสมศักดิ์ ใจดี", "position": "ผู้ใหญ่บ้าน", "working_group": "administration"},
    )
    for title, kind, budget in (
        ("ปลูกผักสวนครัวปลอดสารพิษ", "self_reliance", "5000.00"),
        ("ปรับปรุงถนนคอนกรีตเสริมเหล็ก", "external_support", "250000.50"),
    ):
        await client.post(
            f"{API}/plans/{plan['id']}/activities",
            json={"title": title, "working_group": "economy", "kind": kind, "budget": budget},
        )
    return int(plan["id"])


async def test_book_html_shows_the_plans_data(client: httpx.AsyncClient) -> None:
    plan_id = await _plan(client)
    response = await client.get(f"{API}/plans/{plan_id}/book")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for expected in (
        "บ้านน้ำใส",
        "นายสมศักดิ์ ใจดี",
        "ปลูกผักสวนครัวปลอดสารพิษ",
        "ด้านส่งเสริมเศรษฐกิจ",
        "255,000.50",
        "2569",
    ):
        assert expected in page, expected
    assert "http://" not in page and "https://" not in page


async def test_book_pdf_and_the_quality_indicator_it_satisfies(client: httpx.AsyncClient) -> None:
    plan_id = await _plan(client)
    before = (await client.post(f"{API}/plans/{plan_id}/assessments", json={"kind": "quality"})).json()
    book_before = next(i for i in before["indicators"] if i["key"] == "plan_book")
    assert book_before["passed"] is False
    assert (await client.get(f"{API}/plans/{plan_id}")).json()["book"]["produced_at"] is None

    response = await client.get(f"{API}/plans/{plan_id}/book", headers={"Accept": "application/pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    assert (await client.get(f"{API}/plans/{plan_id}")).json()["book"]["produced_at"] is not None
    after = (await client.post(f"{API}/plans/{plan_id}/assessments", json={"kind": "quality"})).json()
    assert next(i for i in after["indicators"] if i["key"] == "plan_book")["passed"] is True


async def test_book_of_an_unknown_plan_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/plans/999999/book")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_book_html_embeds_its_fonts_and_sends_the_progress_pages_headers(
    client: httpx.AsyncClient,
) -> None:
    plan_id = await _plan(client)
    response = await client.get(f"{API}/plans/{plan_id}/book")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "font-src data:" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert "accept" in response.headers["vary"].lower()
    page = response.text
    assert "@font-face { font-family: 'Sarabun'; font-style: normal; font-weight: 400;" in page
    assert "@font-face { font-family: 'Sarabun'; font-style: normal; font-weight: 700;" in page
    assert page.count("src: url(data:font/ttf;base64,") == 3  # Sarabun regular and bold, the ✔/✘ marks

    pdf = await client.get(f"{API}/plans/{plan_id}/book", headers={"Accept": "application/pdf"})
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["cache-control"] == "private, no-store"
    assert "accept" in pdf.headers["vary"].lower()


async def test_book_standard_indicators_show_their_maximum_not_a_pass_of_it(
    client: httpx.AsyncClient,
) -> None:
    plan_id = await _plan(client)
    scores = {
        "sufficiency_economy": 18,
        "participation": 11,
        "learning": 16,
        "plan_use": 15,
        "plan_structure": 18,
    }
    created = await client.post(
        f"{API}/plans/{plan_id}/assessments", json={"kind": "standard", "scores": scores}
    )
    assert created.status_code == 201, created.text
    page = (await client.get(f"{API}/plans/{plan_id}/book")).text
    # pass_percent 60 of a maximum of 20: at least 12
    assert page.count("≥ 12 (เต็ม 20)") == 5
    assert "ผ่าน 20" not in page
    assert "11 / 20" in page and "18 / 20" in page


async def test_book_signatures_are_dated_from_the_workflow(client: httpx.AsyncClient, db: Database) -> None:
    plan_id = await _plan(client)
    assert (
        await client.post(f"{API}/plans/{plan_id}/assessments", json={"kind": "quality"})
    ).status_code == 201
    committee = await make_key(db, Role.village_committee, "84010101", "book committee")
    officer = await make_key(db, Role.district_officer, "8401", "book officer")

    async def act(key: str, action: str) -> None:
        response = await client.post(
            f"{API}/plans/{plan_id}/transitions",
            json={"action": action, "comment": "ตรวจแล้ว"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200, response.text

    def signed_on(page: str) -> list[str]:
        return re.findall(r"วันที่ \d+ เดือน\S+ พ\.ศ\. \d{4}", page)

    async def last(action: str) -> str:
        """The date of the plan's last `action` from its history, as a signature block prints it."""
        from app.book.view import _signing_date

        history = (await client.get(f"{API}/plans/{plan_id}/history")).json()
        at = [dt.datetime.fromisoformat(t["created_at"]) for t in history["items"] if t["action"] == action][
            -1
        ]
        return _signing_date(at)

    draft = (await client.get(f"{API}/plans/{plan_id}/book")).text
    assert "ประธานคณะกรรมการหมู่บ้าน" in draft and "(นายสมศักดิ์ ใจดี)" in draft
    assert signed_on(draft) == [] and "พัฒนาการอำเภอ" not in draft

    await act(committee, "submit")
    submitted = (await client.get(f"{API}/plans/{plan_id}/book")).text
    assert signed_on(submitted) == [await last("submit")] and "พัฒนาการอำเภอ" not in submitted

    await act(officer, "return")
    returned = (await client.get(f"{API}/plans/{plan_id}/book")).text
    assert signed_on(returned) == []  # sent back: the committee signs again when it resends

    await act(committee, "submit")
    await act(officer, "approve")
    approved = (await client.get(f"{API}/plans/{plan_id}/book")).text
    assert signed_on(approved) == [await last("submit"), await last("approve")]
    assert "ได้พิจารณาแล้ว เห็นชอบแผนชุมชนฉบับนี้" in approved and "พัฒนาการอำเภอ" in approved
