"""Pages of activities are rendered straight from the database's rows (`activities.service.page_json`,
without validating each row into a model first): their bytes must be exactly what the route's declared
model renders, for adopted and unadopted activities, Thai text, money, nulls and cursors alike."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from app.activities.schemas import ActivityPage
from app.core.db import Database
from tests.helpers import LGO, create_lgo, create_village

API = "/api/v1"


def as_the_model_renders(response: httpx.Response) -> bytes:
    page = ActivityPage.model_validate(response.json())
    return page.__pydantic_serializer__.to_json(page)


async def test_pages_are_the_bytes_the_model_renders(client: httpx.AsyncClient, db: Database) -> None:
    await create_lgo(client)
    village = await create_village(client, local_government_code=LGO)
    plan = (await client.post(f"{API}/plans", json={"village_code": village["code"], "year": 2569})).json()
    bodies = [
        {"title": "ปลูกผักปลอดสารพิษ", "working_group": "economy", "kind": "self_reliance", "budget": "0.00"},
        {
            "title": 'ซ่อมถนน "ลูกรัง" หมู่ ๓',
            "description": "ยาว ๒ กม.\nกว้าง ๔ ม.",
            "working_group": "development_planning",
            "kind": "external_support",
            "budget": "999999999999.99",
            "funding_source": "อบต.",
            "priority": 1,
            "fiscal_year": 2570,
            "status": "in_progress",
        },
        {
            "title": "อบรมอาชีพ",
            "working_group": "social_environment_health",
            "kind": "joint",
            "budget": "1500.50",
        },
    ]
    made = []
    for body in bodies:
        response = await client.post(f"{API}/plans/{plan['id']}/activities", json=body)
        assert response.status_code == 201, response.text
        made.append(response.json())
    async with db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE plan SET status = 'district_approved' WHERE id = :i"), {"i": plan["id"]}
        )
    for activity, budget in ((made[1], "12345.67"), (made[2], "0.01")):
        adoption = {
            "local_government_code": LGO,
            "fiscal_year": 2570,
            "budget": budget,
            "lgo_project_ref": "ผ.1",
        }
        response = await client.put(f"{API}/activities/{activity['id']}/adoption", json=adoption)
        assert response.status_code == 201, response.text

    pages = [
        await client.get(f"{API}/plans/{plan['id']}/activities"),
        await client.get(f"{API}/activities", params={"district_code": village["code"][:4], "limit": 2}),
        await client.get(f"{API}/local-governments/{LGO}/adopted-activities", params={"limit": 1}),
    ]
    for response in pages:
        assert response.status_code == 200, response.text
        assert response.content == as_the_model_renders(response)
    first, two, adopted = (r.json() for r in pages)
    assert [a["budget"] for a in first["items"]] == ["0.00", "999999999999.99", "1500.50"]
    assert first["items"][1]["adoption"]["budget"] == "12345.67"
    assert first["items"][0]["adoption"] is None and first["next_cursor"] is None
    assert len(two["items"]) == 2 and two["next_cursor"] is not None
    assert len(adopted["items"]) == 1 and adopted["next_cursor"] is not None
    # The next pages too.
    rest = await client.get(f"{API}/activities", params={"cursor": two["next_cursor"]})
    assert rest.content == as_the_model_renders(rest) and len(rest.json()["items"]) == 1
