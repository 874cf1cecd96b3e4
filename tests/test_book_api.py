"""The plan book through the API: HTML and PDF from the plan's data; rendering it makes the book exist."""

from __future__ import annotations

import httpx

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
