"""Bulk uploads as district offices really send them: Thai Excel CSV (Windows-874), UTF-8 with BOM,
Thai digits, NDJSON; atomic and partial; dry runs; conflicts; every bad file and row reported."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.helpers import count_rows, make_key

API = "/api/v1"
HEADER = "code,name_th,households,population,local_government_code"
ROWS = [
    "84010101,บ้านดอนเกลี้ยง,120,410,",
    "84010102,บ้านน้ำใส,๘๕,๓๐๐,",  # Thai digits, as typed in Thai Excel
    '84010201,บ้านมะขามเตี้ย,60,"1,200",',
]


def csv_body(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


async def upload(
    client: httpx.AsyncClient, kind: str, body: bytes, content_type: str = "text/csv", **params: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/bulk/{kind}", content=body, params=params, headers={"Content-Type": content_type}
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (csv_body(*ROWS), "text/csv"),
        (b"\xef\xbb\xbf" + csv_body(*ROWS), "text/csv"),  # UTF-8 with BOM, as Excel's "CSV UTF-8"
        (csv_body(*ROWS, encoding="cp874"), "text/csv"),  # Thai Excel's plain "CSV", detected
        (csv_body(*ROWS, encoding="tis-620"), "text/csv; charset=tis-620"),
    ],
    ids=["utf8", "utf8-bom", "windows-874", "tis-620-declared"],
)
async def test_villages_from_thai_spreadsheets(
    client: httpx.AsyncClient, body: bytes, content_type: str
) -> None:
    response = await upload(client, "villages", body, content_type)
    assert response.status_code == 200, response.text
    assert response.json() | {"errors": []} == {
        "kind": "villages",
        "mode": "atomic",
        "dry_run": False,
        "received": 3,
        "created": 3,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "errors": [],
        "errors_truncated": False,
    }
    second = (await client.get(f"{API}/villages/84010102")).json()
    assert second["name_th"] == "บ้านน้ำใส" and second["households"] == 85 and second["population"] == 300
    assert second["district_code"] == "8401" and second["moo"] == 2
    assert (await client.get(f"{API}/villages/84010201")).json()["population"] == 1200


async def test_ndjson_uses_the_same_rules(client: httpx.AsyncClient, db: Database) -> None:
    body = (
        '{"code": "84010101", "name_th": "บ้านหนึ่ง", "households": 10}\n'
        '{"code": "84010100", "name_th": "บ้านศูนย์"}\n'
        '{"code": "99999901", "name_th": "บ้านไม่มีตำบล"}\n'
        "[1, 2]\n"
        '{"code": "84010102", "name_th": "บ้านสอง", "households": "12"}\n'
    ).encode()
    response = await upload(client, "villages", body, "application/x-ndjson", mode="partial")
    assert response.status_code == 200
    report = response.json()
    assert (report["received"], report["created"], report["rejected"]) == (5, 1, 4)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (2, "code"),
        (3, "code"),
        (4, "row"),
        (5, "households"),
    ]
    assert await count_rows(db, "village") == 1


async def test_atomic_writes_nothing_when_a_row_is_bad(client: httpx.AsyncClient, db: Database) -> None:
    body = csv_body(*ROWS, "84010103,บ้านลบ,-5,10,")
    response = await upload(client, "villages", body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] == [
        {"field": "households", "message": "Input should be greater than or equal to 0", "row": 4}
    ]
    assert problem["bulk"]["received"] == 4 and problem["bulk"]["rejected"] == 1
    assert await count_rows(db, "village") == 0


async def test_thai_errors_with_accept_language(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/bulk/villages",
        content=csv_body("84010100,บ้าน,1,1,"),
        headers={"Content-Type": "text/csv", "Accept-Language": "th"},
    )
    assert response.status_code == 422
    assert "ไม่ได้บันทึก" in response.json()["detail"]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in response.json()["errors"][0]["message"])


async def test_dry_run_checks_and_writes_nothing(client: httpx.AsyncClient, db: Database) -> None:
    response = await upload(client, "villages", csv_body(*ROWS), dry_run="true")
    assert response.status_code == 200
    assert response.json()["created"] == 3 and response.json()["dry_run"] is True
    assert await count_rows(db, "village") == 0


async def test_on_conflict_error_skip_update(client: httpx.AsyncClient) -> None:
    assert (await upload(client, "villages", csv_body(*ROWS))).status_code == 200
    changed = csv_body("84010101,บ้านดอนเกลี้ยงใหม่,130,420,", "84010103,บ้านใหม่,5,5,")
    refused = await upload(client, "villages", changed)
    assert refused.status_code == 422 and refused.json()["errors"][0]["row"] == 1
    skipped = (await upload(client, "villages", changed, on_conflict="skip")).json()
    assert (skipped["created"], skipped["skipped"]) == (1, 1)
    assert (await client.get(f"{API}/villages/84010101")).json()["name_th"] == "บ้านดอนเกลี้ยง"
    etag = (await client.get(f"{API}/villages/84010101")).headers["ETag"]
    updated = (await upload(client, "villages", changed, on_conflict="update")).json()
    assert (updated["updated"], updated["created"]) == (2, 0)
    after = await client.get(f"{API}/villages/84010101")
    assert after.json()["name_th"] == "บ้านดอนเกลี้ยงใหม่" and after.json()["households"] == 130
    assert after.headers["ETag"] != etag


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (csv_body(*ROWS, header="code,name_th,households,population,colour"), "colour"),
        (csv_body("84010101,120", header="code,households"), "name_th"),
        (csv_body(header=HEADER), "no rows"),
        (b"", "header"),
        (b"\x00\x01\x02binary\xff\xfe" * 10, "binary"),
    ],
    ids=["unknown-column", "missing-column", "header-only", "empty", "binary"],
)
async def test_files_that_cannot_be_read_are_refused_whole(
    client: httpx.AsyncClient, db: Database, body: bytes, expected: str
) -> None:
    response = await upload(client, "villages", body, mode="partial")
    assert response.status_code == 422, response.text
    assert expected in response.json()["detail"]
    assert await count_rows(db, "village") == 0


async def test_row_problems_are_each_reported(client: httpx.AsyncClient, db: Database) -> None:
    body = csv_body(
        "84010101,บ้านหนึ่ง,1,1,",
        "84010101,บ้านซ้ำ,1,1,",  # duplicate key within the file
        "84010102,บ้านสอง,1",  # ragged
        '84010103,=HYPERLINK("http://evil"),1,1,',  # formula injection
        "84010104,บ้านสี่,many,1,",
        "84010105,บ้านห้า,1,1,6849999",  # unknown local government
    )
    report = (await upload(client, "villages", body, mode="partial")).json()
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (2, "row"),
        (3, "row"),
        (4, "name_th"),
        (5, "households"),
        (6, "local_government_code"),
    ]
    assert "row 1" in report["errors"][0]["message"]
    assert report["created"] == 1 and await count_rows(db, "village") == 1


async def test_wrong_encoding_and_media_type(client: httpx.AsyncClient) -> None:
    assert (await upload(client, "villages", csv_body(*ROWS), "text/csv; charset=ascii")).status_code == 422
    assert (await upload(client, "villages", csv_body(*ROWS), "text/csv; charset=klingon")).status_code == 415
    assert (await upload(client, "villages", csv_body(*ROWS), "application/json")).status_code == 415


async def test_plans_and_activities_in_bulk(client: httpx.AsyncClient, db: Database) -> None:
    await upload(client, "villages", csv_body(*ROWS))
    plans = csv_body(
        "84010101,2569,ใช่,1",
        "84010102,๒๕๖๙,no,0",
        header="village_code,year,lgo_participated_from_start,households_contributing_data",
    )
    report = (await upload(client, "plans", plans)).json()
    assert report["created"] == 2
    listed = (await client.get(f"{API}/plans", params={"year": 2569})).json()["items"]
    by_village = {p["village_code"]: p for p in listed}
    assert by_village["84010101"]["lgo_participated_from_start"] is True
    assert by_village["84010101"]["households_total"] == 120  # copied from the village
    plan_id = by_village["84010101"]["id"]
    activities = csv_body(
        f'{plan_id},ปลูกผักสวนครัว,economy,self_reliance,"15,000.50",๒๕๖๙',
        f"{plan_id},ถนน,development_planning,joint,1.234,2569",
        "999999,ถนน,development_planning,joint,1.00,2569",
        header="plan_id,title,working_group,kind,budget,fiscal_year",
    )
    report = (await upload(client, "activities", activities, mode="partial")).json()
    assert report["created"] == 1
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, "budget"), (3, "plan_id")]
    made = (await client.get(f"{API}/plans/{plan_id}/activities")).json()["items"]
    assert [(a["title"], a["budget"], a["fiscal_year"]) for a in made] == [("ปลูกผักสวนครัว", "15000.50", 2569)]


async def test_scope_applies_to_every_row(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    key = await make_key(db, Role.district_officer, "8401", "district")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    ) as officer:
        body = csv_body("84010101,บ้านในอำเภอ,1,1,", "84020101,บ้านอำเภออื่น,1,1,")
        report = (await upload(officer, "villages", body, mode="partial")).json()
        assert report["created"] == 1
        assert report["errors"][0]["row"] == 2
        assert report["errors"][0]["field"] == "row"


async def test_a_plan_outside_scope_reads_as_no_such_plan(
    app: Any, client: httpx.AsyncClient, db: Database
) -> None:
    await upload(client, "villages", csv_body(*ROWS[:1], "84020101,บ้านอำเภออื่น,1,1,"))
    made = await upload(
        client, "plans", csv_body("84010101,2569", "84020101,2569", header="village_code,year")
    )
    assert made.json()["created"] == 2
    by_village = {p["village_code"]: p["id"] for p in (await client.get(f"{API}/plans")).json()["items"]}
    elsewhere, missing = by_village["84020101"], 999_999
    key = await make_key(db, Role.district_officer, "8401", "district")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}", "Accept-Language": "th"},
    ) as officer:
        body = csv_body(
            f"{elsewhere},ถนน,development_planning,joint,1.00",
            f"{missing},ถนน,development_planning,joint,1.00",
            header="plan_id,title,working_group,kind,budget",
        )
        report = (await upload(officer, "activities", body, mode="partial")).json()
    outside, unknown = report["errors"]
    assert (outside["row"], unknown["row"]) == (1, 2)
    assert outside["field"] == unknown["field"] == "plan_id"
    assert outside["message"] == f"ไม่มีแผนชุมชนรหัส {elsewhere}"
    assert unknown["message"] == f"ไม่มีแผนชุมชนรหัส {missing}"
    assert await count_rows(db, "activity") == 0


async def test_an_lgo_planner_cannot_upload(app: Any, client: httpx.AsyncClient, db: Database) -> None:
    await client.post(
        f"{API}/local-governments",
        json={
            "code": "6840101",
            "name_th": "อบต.ตลาด",
            "kind": "subdistrict_administration",
            "province_code": "84",
        },
    )
    key = await make_key(db, Role.lgo_planner, "6840101", "lgo")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {key}"},
    ) as planner:
        assert (await upload(planner, "villages", csv_body(*ROWS))).status_code == 403


async def test_idempotency_key_replays_the_report(client: httpx.AsyncClient, db: Database) -> None:
    headers = {"Content-Type": "text/csv", "Idempotency-Key": "import-2569-01"}
    first = await client.post(f"{API}/bulk/villages", content=csv_body(*ROWS), headers=headers)
    again = await client.post(f"{API}/bulk/villages", content=csv_body(*ROWS), headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = await client.post(f"{API}/bulk/villages", content=csv_body(ROWS[0]), headers=headers)
    assert other.status_code == 422
    assert await count_rows(db, "village") == 3


async def test_local_governments_in_bulk_with_their_tambons(client: httpx.AsyncClient) -> None:
    body = csv_body(
        '6840101,อบต.ตลาด,subdistrict_administration,84,"840101;840102"',
        "2840000,อบจ.สุราษฎร์ธานี,provincial_administration,84,",
        header="code,name_th,kind,province_code,subdistrict_codes",
    )
    assert (await upload(client, "local-governments", body)).json()["created"] == 2
    got = (await client.get(f"{API}/local-governments/6840101")).json()
    assert got["subdistrict_codes"] == ["840101", "840102"]


async def test_template_gives_the_header(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/bulk/activities/template.csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.text.lstrip("\ufeff").strip().split(",")[:3] == ["title", "description", "working_group"]


@pytest.mark.parametrize("kind", ["villages", "local-governments", "plans", "activities"])
async def test_template_with_examples_has_rows_under_its_header(client: httpx.AsyncClient, kind: str) -> None:
    import csv

    response = await client.get(f"{API}/bulk/{kind}/template.csv", params={"examples": "true", "plan_id": 7})
    assert response.status_code == 200
    header, *rows = list(csv.reader(response.text.lstrip("\ufeff").splitlines()))
    assert rows and all(len(row) == len(header) for row in rows)
    if kind == "activities":
        assert {row[header.index("plan_id")] for row in rows} == {"7"}
    plain = await client.get(f"{API}/bulk/{kind}/template.csv")
    assert len(plain.text.strip().splitlines()) == 1


async def test_too_large_uploads_are_refused_while_streaming(
    db: Database, settings: Settings, admin_key: str
) -> None:
    small = create_app(settings.model_copy(update={"bulk_max_bytes": 2048}), db)

    async def chunks() -> Any:
        yield HEADER.encode() + b"\r\n"
        for _ in range(100):
            yield b"84010101,\xe0\xb8\x9a\xe0\xb9\x89\xe0\xb8\xb2\xe0\xb8\x99,1,1,\r\n"

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=small),
        base_url="http://test",
        headers={"Authorization": f"Bearer {admin_key}"},
    ) as c:
        response = await c.post(
            f"{API}/bulk/villages", content=chunks(), headers={"Content-Type": "text/csv"}
        )
    assert response.status_code == 413
    assert await count_rows(db, "village") == 0


async def test_plans_update_only_while_editable(client: httpx.AsyncClient, db: Database) -> None:
    await upload(client, "villages", csv_body(*ROWS))
    header = "village_code,year,title"
    assert (await upload(client, "plans", csv_body("84010101,2569,แผนเดิม", header=header))).status_code == 200
    updated = (
        await upload(client, "plans", csv_body("84010101,2569,แผนใหม่", header=header), on_conflict="update")
    ).json()
    assert updated["updated"] == 1
    plan = (await client.get(f"{API}/plans", params={"village_code": "84010101"})).json()["items"][0]
    assert plan["title"] == "แผนใหม่"
    from sqlalchemy import text

    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE plan SET status = 'submitted'"))
    frozen = await upload(
        client,
        "plans",
        csv_body("84010101,2569,แผนใหม่กว่า", header=header),
        on_conflict="update",
        mode="partial",
    )
    assert frozen.json()["rejected"] == 1 and frozen.json()["errors"][0]["field"] == "year"


async def test_raw_bytes_with_a_declared_format(client: httpx.AsyncClient) -> None:
    response = await upload(client, "villages", csv_body(*ROWS), "application/octet-stream", format="csv")
    assert response.status_code == 200 and response.json()["created"] == 3
    unnamed = await upload(client, "villages", csv_body(*ROWS), "application/octet-stream")
    assert unnamed.status_code == 415
