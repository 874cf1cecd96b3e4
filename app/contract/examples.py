"""A worked example of every request body, keyed by operationId.

They tell one story, in Surat Thani (84), district Mueang (8401), subdistrict Talat (840101): a local
government, a village in it, its committee, its plan for 2569 with an activity, the plan's way through the
workflow, the activity's adoption and a webhook subscription. `tests/contract/test_openapi_contract.py`
sends each of them to the API, so they are accepted as they are written here.
"""

from __future__ import annotations

from typing import Any

from app.contract.document import walk
from app.contract.webhooks import ACTIVITY_EXAMPLE, request_examples
from app.events.types import ACTIVITY_ADOPTED, ACTIVITY_ADOPTION_UPDATED, ACTIVITY_ADOPTION_WITHDRAWN

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

LGO = "6840101"
VILLAGE = "84010101"

Examples = dict[str, dict[str, Any]]


def one(summary: str, value: Any) -> Examples:
    return {"example": {"summary": summary, "value": value}}


REQUEST_EXAMPLES: dict[str, Examples] = {
    # geography
    "local_governments_create": one(
        "A subdistrict administrative organisation (อบต.) covering one subdistrict",
        {
            "code": LGO,
            "name_th": "องค์การบริหารส่วนตำบลตลาด",
            "name_en": "Talat Subdistrict Administrative Organization",
            "kind": "subdistrict_administration",
            "province_code": "84",
            "subdistrict_codes": ["840101"],
        },
    ),
    "local_governments_update": one(
        "It now also covers a neighbouring subdistrict (the list replaces the old one)",
        {"name_en": "Talat SAO", "subdistrict_codes": ["840101", "840102"]},
    ),
    # villages
    "villages_create": one(
        "หมู่ที่ 1 of subdistrict 840101, in the area of อบต.ตลาด",
        {
            "code": VILLAGE,
            "moo": 1,
            "name_th": "บ้านดอนเกลี้ยง",
            "name_en": "Ban Don Kliang",
            "households": 120,
            "population": 410,
            "local_government_code": LGO,
        },
    ),
    "villages_update": one("New household and population counts", {"households": 125, "population": 418}),
    "committee_members_create": one(
        "The chair of the development-planning working group (คณะทำงานด้านแผนพัฒนาหมู่บ้าน)",
        {
            "name": "นางสมศรี ใจดี",
            "position": "ประธานคณะทำงาน",
            "working_group": "development_planning",
            "phone": "081-234-5678",
        },
    ),
    "committee_members_update": one(
        "A new position and phone number", {"position": "เลขานุการคณะทำงาน", "phone": "081-234-5679"}
    ),
    # plans
    "plans_create": one(
        "The village's plan for 2569 (พ.ศ.)",
        {
            "village_code": VILLAGE,
            "year": 2569,
            "title": "แผนชุมชนบ้านดอนเกลี้ยง ปี 2569",
            "households_contributing_data": 100,
            "participating_households": 95,
            "lgo_participated_from_start": True,
            "sufficiency_economy_process": True,
        },
    ),
    "plans_update": one(
        "More households took part; the scanned book is filed",
        {"participating_households": 98, "book_file_ref": "แผนชุมชน/84010101-2569.pdf"},
    ),
    "plans_revise": one("Next year's plan, from this one", {"year": 2570}),
    "plans_activities_create": one(
        "A self-reliance activity (ทำเอง) the community has completed", ACTIVITY_EXAMPLE
    ),
    "activities_update": one(
        "Progress, the one thing that can change once the plan is submitted", {"status": "in_progress"}
    ),
    # workflow
    "plans_transition": {
        "submit": {"summary": "The village committee submits its plan", "value": {"action": "submit"}},
        "return": {
            "summary": "The district returns it, saying why",
            "value": {"action": "return", "comment": "กรุณาเพิ่มจำนวนครัวเรือนที่ร่วมเวทีประชาคม"},
        },
        "approve": {"summary": "The district approves it", "value": {"action": "approve"}},
    },
    "plans_assessments_create": {
        "quality": {
            "summary": "A quality assessment, computed from the plan's data",
            "value": {"kind": "quality"},
        },
        "standard": {
            "summary": "A standard assessment: the assessors' score for each indicator",
            "value": {
                "kind": "standard",
                "scores": {
                    "sufficiency_economy": 18,
                    "participation": 17,
                    "learning": 16,
                    "plan_use": 15,
                    "plan_structure": 18,
                },
            },
        },
    },
    # adoption
    "activities_adopt": one(
        "อบต.ตลาด takes the activity into its plan and budget for fiscal year 2570",
        {
            "local_government_code": LGO,
            "fiscal_year": 2570,
            "budget": "15000.00",
            "lgo_project_ref": "2570/015",
        },
    ),
    # webhooks
    "webhook_subscriptions_create": one(
        "The local government's planning system, for adoption events",
        {
            "url": "https://plan.example-lgo.go.th/hooks/cplan",
            "local_government_code": LGO,
            "event_types": [ACTIVITY_ADOPTED, ACTIVITY_ADOPTION_UPDATED, ACTIVITY_ADOPTION_WITHDRAWN],
            "description": "ระบบแผนพัฒนาท้องถิ่นของ อบต.ตลาด",
        },
    ),
    "webhook_subscriptions_update": one("Hold deliveries for a while", {"status": "paused"}),
    "webhook_subscriptions_rotate_secret": one(
        "A new secret; the old one keeps signing for a day", {"grace_seconds": 86400}
    ),
    "webhook_subscriptions_replay": one(
        "Everything since the start of fiscal year 2570 (1 October 2026, Bangkok time)",
        {"since": "2026-10-01T00:00:00+07:00"},
    ),
    # reports
    "forums_create": one(
        "The district's first forum of fiscal year 2570",
        {
            "district_code": "8401",
            "date": "2026-11-20",
            "title": "เวทีประชาคมอำเภอ ครั้งที่ 1/2570",
            "agenda": "ทบทวนแผนชุมชนและคัดเลือกแผนเสนอรับรองมาตรฐาน",
            "support_team_count": 22,
            "village_representative_count": 38,
            "outcomes": "เสนอแผนชุมชนเข้ารับการรับรองมาตรฐาน",
            "plan_ids": [],
        },
    ),
    "forums_update": one(
        "The plans it proposes for certification (the list replaces the old one)", {"plan_ids": [1]}
    ),
    "lessons_create": one(
        "A district's lesson on participatory planning",
        {
            "title": "ถอดบทเรียนการทำแผนชุมชนแบบมีส่วนร่วม",
            "body": "หมู่บ้านที่ให้ทุกครัวเรือนร่วมเก็บข้อมูลของตนเองได้แผนที่ใช้ได้จริงมากกว่า",
            "scope_level": "district",
            "scope_code": "8401",
            "tags": ["การมีส่วนร่วม", "เศรษฐกิจพอเพียง"],
        },
    ),
    "lessons_update": one(
        "One more keyword (the list replaces the old one)",
        {"tags": ["การมีส่วนร่วม", "เศรษฐกิจพอเพียง", "กองทุนหมู่บ้าน"]},
    ),
    # identity
    "auth_token": one(
        "A user signs in (form fields)", {"username": "somchai.d", "password": "correct horse battery staple"}
    ),
    "users_create": one(
        "A district officer of Mueang Surat Thani (8401)",
        {
            "username": "somchai.d",
            "password": "correct horse battery staple",
            "role": "district_officer",
            "scope_code": "8401",
        },
    ),
    "users_update": {
        "move": {
            "summary": "The officer moves to another district",
            "value": {"role": "district_officer", "scope_code": "8402"},
        },
        "disable": {"summary": "The user may no longer sign in", "value": {"disabled": True}},
    },
    "api_keys_create": one(
        "A key for a local government's planning system",
        {"name": "ระบบแผนพัฒนาท้องถิ่น อบต.ตลาด", "role": "lgo_planner", "scope_code": LGO},
    ),
}

# Uploads: what a file of each format looks like (villages here; the columns of every kind are in
# `GET /bulk/{kind}/template.csv`).
UPLOAD_EXAMPLES: dict[str, Examples] = {
    "text/csv": one(
        "Two villages (path kind `villages`), as a spreadsheet saves them",
        "code,name_th,households,population,local_government_code\r\n"
        "84010102,บ้านหนองไทร,86,290,6840101\r\n"
        "84010103,บ้านคลองน้อย,142,505,6840101\r\n",
    ),
    "application/x-ndjson": one(
        "The same villages, one JSON object a line",
        '{"code": "84010102", "name_th": "บ้านหนองไทร", "households": 86, "population": 290}\n'
        '{"code": "84010103", "name_th": "บ้านคลองน้อย", "households": 142, "population": 505}\n',
    ),
}


def apply(schema: dict[str, Any]) -> None:
    every = {**REQUEST_EXAMPLES, **request_examples()}
    for _, _, _, operation in walk(schema, ("paths", "webhooks")):
        content = operation.get("requestBody", {}).get("content", {})
        given = every.get(operation.get("operationId", ""))
        for media_type, body in content.items():
            if given is not None and media_type in (JSON, FORM):
                body.setdefault("examples", given)
            elif media_type in UPLOAD_EXAMPLES:
                body.setdefault("examples", UPLOAD_EXAMPLES[media_type])
