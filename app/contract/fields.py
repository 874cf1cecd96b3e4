"""Descriptions of the document's schemas and fields, with the Thai word where a field is a Thai concept
(หมู่บ้าน, อปท., หมู่ที่, พ.ศ., งบประมาณ, …).

A description written on the model or field itself wins; these fill the ones left out. Enumerations are
described from the domain's own tables (`app.plans.vocabulary`, the workflow table), so their labels cannot
drift from what the service uses. `tests/contract/test_openapi_contract.py` checks that every schema and
every field of the document is described.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from app.core.actor import Role
from app.local_governments.models import LocalGovernmentKind
from app.plans.vocabulary import (
    ACTIVITY_KIND_TH,
    ACTIVITY_STATUS_TH,
    PLAN_STATUS_TH,
    WORKING_GROUP_TH,
)
from app.reports.areas import LEVEL_TH, AreaLevel
from app.workflow.table import WORKFLOW

E = TypeVar("E", bound=Enum)

ROLE_TH: dict[Role, str] = {
    Role.admin: "ผู้ดูแลระบบ: every area, no scope code",
    Role.village_committee: "คณะกรรมการหมู่บ้าน: scope a village (8-digit code)",
    Role.district_officer: "พัฒนากรอำเภอ, the district community-development officer: scope a district "
    "(4 digits)",
    Role.lgo_planner: "นักวางแผนของ อปท., a local government's planner or planning system: scope a local "
    "government (7 digits)",
    Role.provincial_officer: "เจ้าหน้าที่ระดับจังหวัด: scope a province (2 digits)",
}

LGO_KIND_TH: dict[LocalGovernmentKind, str] = {
    LocalGovernmentKind.provincial_administration: "องค์การบริหารส่วนจังหวัด (อบจ.)",
    LocalGovernmentKind.city_municipality: "เทศบาลนคร",
    LocalGovernmentKind.town_municipality: "เทศบาลเมือง",
    LocalGovernmentKind.subdistrict_municipality: "เทศบาลตำบล",
    LocalGovernmentKind.subdistrict_administration: "องค์การบริหารส่วนตำบล (อบต.)",
    LocalGovernmentKind.special: "ราชการส่วนท้องถิ่นรูปแบบพิเศษ (กรุงเทพมหานคร, เมืองพัทยา)",
}


def _values(intro: str, labels: Mapping[E, str]) -> str:
    return intro + "\n\n" + "\n".join(f"- `{member.value}`: {label}" for member, label in labels.items())


def _workflow_actions() -> str:
    lines = []
    for action, step in WORKFLOW.items():
        sources = ", ".join(f"`{s.value}`" for s in sorted(step.sources, key=list(PLAN_STATUS_TH).index))
        needs = f"; needs `{step.guard.name}`" if step.guard else ""
        needs += "; a comment is required" if step.comment_required else ""
        lines.append(f"- `{action.value}`: {sources} → `{step.target.value}`, by `{step.role.value}`{needs}")
    return "A workflow action (`plans_transition`), who takes it and what it needs:\n\n" + "\n".join(lines)


ENUMS: dict[str, str] = {
    "WorkingGroup": _values(
        "One of the six working groups (คณะทำงาน) of a village committee:", WORKING_GROUP_TH
    ),
    "ActivityKind": _values(
        "How the activity is carried out (ประเภทกิจกรรม): by the community with its own resources, jointly "
        "with an agency or the อปท., or by asking an agency or the อปท. to do it:",
        ACTIVITY_KIND_TH,
    ),
    "ActivityStatus": _values("The activity's progress (สถานะการดำเนินงาน):", ACTIVITY_STATUS_TH),
    "PlanStatus": _values("Where the plan is in the workflow (สถานะของแผนชุมชน):", PLAN_STATUS_TH),
    "Action": _workflow_actions(),
    "Role": _values("A caller's role (บทบาท) and the scope code it needs:", ROLE_TH),
    "LocalGovernmentKind": _values(
        "The kind of local government (ประเภทองค์กรปกครองส่วนท้องถิ่น), stored as given, never inferred from "
        "the code:",
        LGO_KIND_TH,
    ),
    "AreaLevel": _values("A level of the administrative geography:", LEVEL_TH),
    "ScopeLevel": _values(
        "The level a lesson learned was drawn at:",
        {
            AreaLevel(level): LEVEL_TH[AreaLevel(level)]
            for level in ("village", "subdistrict", "district", "province")
        },
    ),
    "AuditAction": "What an audit entry records: a row's `create`, `update` or `delete`; a workflow "
    "`transition`; an `adopt` or `withdraw` of an activity's adoption; an `upload`; a `sign_in` or "
    "`sign_in_failed`; a webhook secret's `rotate_secret`; an API key's `revoke`; a webhook `test`, `resend` "
    "or `replay`; a `read_personal_data` (full phone numbers shown to anyone but the village's committee).",
    "AuditResource": "The kind of resource an audit entry is about (`bulk_upload`: one entry per upload).",
    "BulkKind": "What an upload holds: `villages` (หมู่บ้าน), `local-governments` (อปท.), `plans` (แผนชุมชน) "
    "or `activities` (กิจกรรม).",
}

PAGE = (
    "One page of a cursor-paginated list: `items`, and `next_cursor` to send as `cursor` for the next page "
    "(null on the last page)."
)

SCHEMAS: dict[str, str] = {
    "AuditEntryRead": "One write (or read of personal data) as the audit log keeps it: append-only and "
    "hash-chained, so an edit made afterwards is found by `cplan audit verify`.",
    "AuditActor": "Who made the change: a user (its username) or an API key (its name).",
    "AuditChange": "A field's value before and after the change.",
    "ActivityCounts": "Activities of the area's plans for the year by kind (ประเภทกิจกรรม).",
    "ActivityCreate": "A new activity (กิจกรรม/โครงการ) of a plan.",
    "ActivityRead": "An activity (กิจกรรม/โครงการ) of a village's community plan, with its adoption by the "
    "local government (อปท.), if any.",
    "ActivityUpdate": "Changes to an activity: only the fields sent change.",
    "AdoptionPut": "A local government's adoption of an activity into its local development plan and budget.",
    "AdoptionRead": "How a local government (อปท.) adopted the activity into its local development plan and "
    "budget (งบประมาณ).",
    "ApiKeyCreate": "A new API key for a machine client, with its role and scope.",
    "ApiKeyCreated": "The API key just made: `key` is shown in this answer only.",
    "ApiKeyRead": "An API key, without the key itself (only its hash is kept).",
    "AreaRef": "An area of the administrative geography: the country, a province, district, subdistrict or "
    "village.",
    "AssessmentCreate": "An assessment to make: `quality` from the plan's data, or `standard` from scores.",
    "AssessmentRead": "The result of assessing a plan (การประเมินแผนชุมชน) against a rubric.",
    "AttemptRead": "One attempt to deliver a webhook.",
    "Body_auth_token": "The OAuth2 password form a user signs in with.",
    "BulkJobRead": "A large upload run as a background job, and its progress.",
    "BulkReport": "What an upload did: rows received, created, updated, skipped and rejected, and why each "
    "rejected row was rejected.",
    "DeliveryRead": "A delivery of one event to one subscription, with every attempt.",
    "DistrictRead": "A district (อำเภอ).",
    "EventRead": "An event: a change outside systems may want to know about, written with the change itself.",
    "FieldError": "One invalid field: its path in the request (or the column of a bulk row) and why.",
    "ForumCreate": "A district forum (เวทีประชาคมอำเภอ) to record.",
    "ForumFigures": "District forums (เวทีประชาคมอำเภอ) held, against the seed's target of two a district "
    "a year.",
    "ForumRead": "A district forum (เวทีประชาคมอำเภอ): who took part, what it agreed, the plans it proposed.",
    "ForumUpdate": "Changes to a forum: only the fields sent change.",
    "GradeDef": "A quality grade and how many indicators it needs passed.",
    "IndicatorPart": "One share within an indicator that needs several.",
    "IndicatorResult": "One indicator of an assessment: its value, threshold or maximum, and if it passed.",
    "LessonCreate": "A lesson learned (ถอดบทเรียน) to record.",
    "LessonRead": "A lesson learned (ถอดบทเรียน) at a village, subdistrict, district or province.",
    "LessonUpdate": "Changes to a lesson learned: only the fields sent change.",
    "LevelDef": "A level of the standard (ระดับมาตรฐาน) and the total score it needs.",
    "LocalGovernmentCreate": "A local government (องค์กรปกครองส่วนท้องถิ่น, อปท.) to register.",
    "LocalGovernmentRead": "A local government (องค์กรปกครองส่วนท้องถิ่น, อปท.) and the subdistricts it covers.",
    "LocalGovernmentUpdate": "Changes to a local government: only the fields sent change.",
    "MemberCreate": "A new member of the village committee (กรรมการหมู่บ้าน).",
    "MemberRead": "A member of a village committee (กรรมการหมู่บ้าน) and their working group (คณะทำงาน).",
    "MemberUpdate": "Changes to a committee member: only the fields sent change.",
    "PlanBook": "The plan's written book (รูปเล่มแผนชุมชน).",
    "PlanCreate": "A village's community plan (แผนชุมชน) for a plan year, to start in `draft`.",
    "PlanLink": "A plan a forum proposed, and where to read it.",
    "PlanRead": "A village's community plan (แผนชุมชน) for one plan year (พ.ศ.) and revision.",
    "PlanUpdate": "Changes to a plan while it is `draft` or `returned`: only the fields sent change.",
    "ProgressReport": "Progress against the seed's targets for an area and plan year, and for each area one "
    "level below.",
    "ProgressRow": "One area's figures for the year.",
    "ProvinceRead": "A province (จังหวัด).",
    "QualityIndicatorDef": "An indicator of the quality rubric and how it is measured from the plan's data.",
    "QualityRubric": "The rubric of the quality assessment (การประเมินคุณภาพแผนชุมชน): indicators and grades.",
    "Queued": "Deliveries queued; the delivery worker sends them.",
    "Replay": "Where a replay of past events starts.",
    "RevisionCreate": "The review of a plan: a new revision of its year, or next year's plan.",
    "RotateSecret": "How long the old secret keeps signing after a rotation.",
    "RubricList": "Every rubric, quality and standard.",
    "SecretRotated": "The new signing secret (shown in this answer only).",
    "Share": "A count among a whole, as a percentage, against the seed's target.",
    "SharePart": "One share the `all_shares` measure needs.",
    "StandardIndicatorDef": "An indicator of the standard rubric, its maximum and its items.",
    "StandardItemDef": "An item scored within a standard indicator.",
    "StandardRubric": "The rubric of the standard certification (การรับรองมาตรฐานแผนชุมชน): indicators, "
    "items and levels.",
    "SubdistrictRead": "A subdistrict (ตำบล).",
    "SubscriptionCreate": "A URL to send a local government's events to.",
    "SubscriptionCreated": "The subscription just made, with its signing secret (shown in this answer only).",
    "SubscriptionRead": "A webhook subscription of a local government (อปท.).",
    "SubscriptionUpdate": "Changes to a subscription: only the fields sent change.",
    "Token": "A user's bearer token.",
    "TransitionCreate": "A workflow action to take on a plan.",
    "TransitionRead": "One step of a plan's workflow history.",
    "UserCreate": "A new user, with a password, a role and its scope.",
    "UserRead": "A user (never the password).",
    "UserUpdate": "Changes to a user: only the fields sent change.",
    "VillageCreate": "A village (หมู่บ้าน) to register.",
    "VillageRead": "A village (หมู่บ้าน).",
    "VillageUpdate": "Changes to a village: only the fields sent change.",
}

AREA = {
    "province_code": "The province (จังหวัด): its 2-digit DOPA code",
    "district_code": "The district (อำเภอ): its 4-digit DOPA code",
    "subdistrict_code": "The subdistrict (ตำบล): its 6-digit DOPA code",
    "village_code": "The village (หมู่บ้าน): its 8-digit DOPA code",
    "local_government_code": "The local government (องค์กรปกครองส่วนท้องถิ่น, อปท.): its 7-digit DLA code",
}

# Field name -> description, wherever a field of that name has none.
FIELDS: dict[str, str] = {
    **AREA,
    "id": "Its id",
    "created_at": "When it was created",
    "updated_at": "When it last changed",
    "upload_id": "The bulk upload that created it (นำเข้าแบบกลุ่ม), null when it was created on its own: its "
    "audit-log entry is `GET /api/v1/audit-log?resource_type=bulk_upload&resource_id=` this id",
    "items": "The items of this page",
    "next_cursor": "Send it as `cursor` for the next page; null on the last page",
    "name_th": "The name in Thai (ชื่อภาษาไทย)",
    "name_en": "The name in English, when known",
    "title_th": "The title in Thai",
    "label": "The label in English",
    "label_th": "The label in Thai",
    "key": "The stable key",
    "subdistrict_codes": "The subdistricts (ตำบล) it covers, by 6-digit DOPA code",
    "moo": "หมู่ที่: the village's number in its subdistrict (1–99), the last two digits of its code",
    "households": "Households (ครัวเรือน) in the village",
    "population": "People living in the village (ประชากร)",
    "working_group": "The committee's working group (คณะทำงาน)",
    "budget": 'The budget (งบประมาณ) in THB: a decimal string with 2 places, e.g. "15000.00"',
    "funding_source": "Where the money comes from (แหล่งงบประมาณ), e.g. กองทุนหมู่บ้าน",
    "fiscal_year": "Thai fiscal year (ปีงบประมาณ, พ.ศ.): FY 2570 runs from 1 October 2569 to 30 September "
    "2570",
    "year": "The plan year (พ.ศ., Buddhist era)",
    "priority": "Priority (ลำดับความสำคัญ): 1 is the highest",
    "plan_id": "The community plan (แผนชุมชน) it belongs to",
    "plan_ids": "The plans (แผนชุมชน) it proposed for standard certification",
    "role": "The role (บทบาท)",
    "scope_code": "The code of the area the role is bound to; none for admin",
    "username": "The name the user signs in with",
    "password": "At least 10 characters; kept only as an argon2 hash",
    "disabled": "A disabled user can no longer sign in, and its tokens stop working",
    "name": "The name",
    "position": "The member's position (ตำแหน่ง) in the committee",
    "phone": "A phone number (personal data: shown only to those who manage the committee)",
    "agenda": "The forum's agenda (วาระการประชุม)",
    "outcomes": "What the forum agreed (ผลการประชุม)",
    "body": "The lesson in full (เนื้อหา)",
    "tags": "Keywords",
    "url": "The endpoint deliveries are POSTed to",
    "event_types": "The event types it receives; empty for every type",
    "description": "A description",
    "comment": "The comment given with the action",
    "action": "The workflow action",
    "version": "The rubric's version",
    "grade": "The quality grade",
    "level": "The standard's level",
    "max": "The most points it can score",
    "passed": "Whether it passed",
    "threshold": "What it had to reach",
    "value": "What the plan reached",
    "count": "How many",
    "received": "Rows in the upload",
    "created": "Rows created",
    "updated": "Rows that changed existing ones",
    "skipped": "Rows skipped (they already existed, with on_conflict=skip)",
    "rejected": "Rows rejected",
    "dry_run": "Whether it only checked, writing nothing",
    "mode": "`atomic`: all rows or none; `partial`: the valid rows",
    "on_conflict": "What happens to rows that already exist: `error`, `skip` or `update`",
    "errors_truncated": "More rejected rows than listed",
    "started_at": "When a runner started on it",
    "finished_at": "When it finished",
    "field": "The field's path in the request (`scores.learning`), or the column of a bulk row",
    "message": "Why it is invalid, in the caller's language",
}

# Schema -> field -> description, where a field's meaning depends on its schema.
FIELDS_OF: dict[str, dict[str, str]] = {
    "ProvinceRead": {"code": "The province's 2-digit DOPA code (รหัสจังหวัด)"},
    "DistrictRead": {"code": "The district's 4-digit DOPA code (รหัสอำเภอ)"},
    "SubdistrictRead": {"code": "The subdistrict's 6-digit DOPA code (รหัสตำบล)"},
    "VillageRead": {"code": "The village's 8-digit DOPA code (รหัสหมู่บ้าน): subdistrict code + หมู่ที่"},
    **{
        name: {
            "kind": "How it is carried out (ประเภทกิจกรรม)",
            "status": "Its progress (สถานะการดำเนินงาน)",
            "title": "The activity's name (ชื่อกิจกรรม/โครงการ)",
            "description": "What the activity is (รายละเอียด)",
            "working_group": "The committee's working group (คณะทำงาน) responsible for it",
        }
        for name in ("ActivityCreate", "ActivityUpdate", "ActivityRead")
    },
    "LocalGovernmentCreate": {
        "kind": "The kind of local government (ประเภท อปท.)",
        "province_code": "The province (จังหวัด) it is in: its 2-digit DOPA code",
    },
    "LocalGovernmentUpdate": {"kind": "The kind of local government (ประเภท อปท.)"},
    "LocalGovernmentRead": {
        "code": "The local government's 7-digit DLA code (รหัส อปท.)",
        "kind": "The kind of local government (ประเภท อปท.)",
    },
    **{
        name: {
            "status": "Where the plan is in the workflow (สถานะของแผน)",
            "title": "The plan's title (ชื่อแผน)",
            "households_total": "Households (ครัวเรือน) of the village when the plan was made",
            "households_contributing_data": "Households whose own data went into the analysis",
            "participating_households": "Households that took part in the plan forums (เวทีประชาคม)",
            "lgo_participated_from_start": "The local government (อปท.) took part from the start",
            "sufficiency_economy_process": "Made by the sufficiency-economy process (ปรัชญาของเศรษฐกิจพอเพียง)",
            "revision": "The revision of the year's plan: 1, then one more at each review (ทบทวนและปรับปรุง)",
            "previous_plan_id": "The plan it was revised from, if any",
            "book": "The written plan book (รูปเล่มแผนชุมชน)",
            "book_file_ref": "Where a scanned or typed plan book is kept",
        }
        for name in ("PlanCreate", "PlanUpdate", "PlanRead", "PlanEventData")
    },
    "PlanBook": {"file_ref": "Where a scanned or typed book is kept, if given"},
    "AssessmentCreate": {"kind": "`quality` (การประเมินคุณภาพแผน) or `standard` (การรับรองมาตรฐานแผน)"},
    "AssessmentRead": {
        "kind": "`quality` (การประเมินคุณภาพแผน) or `standard` (การรับรองมาตรฐานแผน)",
        "rubric_id": "The rubric it was scored against",
        "rubric_version": "The version of that rubric",
        "indicators": "Each indicator's result",
        "passed_count": "How many indicators passed",
        "assessed_by": "Who assessed the plan",
    },
    "QualityRubric": {
        "kind": "Which rubric this is",
        "id": "The rubric's id (e.g. `quality-2553`)",
        "title": "The rubric's title in English",
        "indicators": "Its indicators",
        "grades": "The grades, best first",
    },
    "StandardRubric": {
        "kind": "Which rubric this is",
        "id": "The rubric's id (e.g. `standard-2553`)",
        "title": "The rubric's title in English",
        "indicators": "Its indicators",
        "levels": "The levels, best first",
        "pass_percent": "The share of the points needed to be certified",
    },
    "QualityIndicatorDef": {
        "measure": "How it is measured: a share, a yes/no fact, or several shares that must all pass",
        "numerator": "The fact counted",
        "denominator": "The fact it is a share of",
        "threshold_percent": "The share it must reach",
        "fact": "The yes/no fact it reads",
        "parts": "The shares that must all pass",
    },
    "SharePart": {
        "numerator": "The fact counted",
        "denominator": "The fact it is a share of",
        "threshold_percent": "The share it must reach",
    },
    "GradeDef": {"min_passed": "How many indicators must pass"},
    "LevelDef": {"min_total": "The total score it needs", "certified": "Whether this level is certified"},
    "StandardIndicatorDef": {"items": "Its items, when it is scored item by item"},
    "IndicatorResult": {"parts": "The shares within it, for an indicator that needs several"},
    "AdoptionRead": {
        "local_government_code": "The local government (อปท.) that adopted it: its 7-digit DLA code",
        "fiscal_year": "The local government's fiscal year (ปีงบประมาณ, พ.ศ.) it is budgeted in",
        "budget": 'The budget (งบประมาณ) the local government gives it, in THB: e.g. "15000.00"',
        "lgo_project_ref": "The project's number in the local development plan",
        "adopted_by": "Who adopted it (an API key or a user)",
        "adopted_at": "When it was first adopted",
    },
    "AdoptionPut": {
        "local_government_code": "The village's local government (อปท.): its 7-digit DLA code",
        "budget": 'The budget (งบประมาณ) the local government gives it, in THB: e.g. "15000.00"',
    },
    "ForumRead": {
        "date": "When the forum was held",
        "title": "The forum's title",
        "support_team_count": "Support-team members who took part (target 20)",
        "village_representative_count": "Village representatives who took part (target 35)",
        "plans": "The plans it proposed, with links",
        "created_by": "Who recorded it",
        "district_code": "The district (อำเภอ) that held it: its 4-digit DOPA code",
    },
    "ForumCreate": {
        "title": "The forum's title",
        "district_code": "The district (อำเภอ) that holds it: its 4-digit DOPA code",
    },
    "ForumUpdate": {
        "title": "The forum's title",
        "date": "When the forum was held; at most a year ahead",
        "support_team_count": "Support-team members who took part (target 20)",
        "village_representative_count": "Village representatives who took part (target 35)",
    },
    "PlanLink": {"id": "The plan's id", "href": "Where to read the plan"},
    **{
        name: {
            "title": "The lesson's title",
            "scope_level": "The level it was drawn at",
            "scope_code": "The code of that area: 2 digits (province) to 8 (village)",
        }
        for name in ("LessonCreate", "LessonUpdate")
    },
    "LessonRead": {
        "title": "The lesson's title",
        "scope_level": "The level it was drawn at",
        "scope_code": "The code of that area: 2 digits (province) to 8 (village)",
        "created_by": "Who recorded it",
    },
    **{
        name: {
            "status": "`active` delivers; `paused` holds deliveries; `disabled`: its endpoint kept failing",
            "disabled_reason": "Why it was disabled, if it is",
            "failing_since": "Since when its endpoint has been failing, if it is",
            "previous_secret_expires_at": "Until when the previous secret also signs, after a rotation",
            "description": "What the endpoint is, for people",
        }
        for name in ("SubscriptionRead", "SubscriptionCreated", "SubscriptionCreate", "SubscriptionUpdate")
    },
    "SubscriptionDisabledData": {"status": "Always `disabled`"},
    "WebhookTestData": {"subscription_id": "The subscription the ping was sent for"},
    "DeliveryRead": {
        "event_id": "The event's id, also the delivery's `webhook-id`",
        "event_type": "The event's type",
        "status": "`pending` until an attempt succeeds (`succeeded`) or it is given up (`failed`)",
        "attempts": "How many attempts were made",
        "next_attempt_at": "When the next attempt is due, if any",
        "delivered_at": "When it was delivered, if it was",
        "attempt_log": "Every attempt, oldest first",
    },
    "AttemptRead": {
        "attempted_at": "When",
        "status_code": "The endpoint's HTTP status, if it answered",
        "duration_ms": "How long it took, in milliseconds",
        "error": "What went wrong, if it did",
        "response_excerpt": "The start of the endpoint's answer",
    },
    "Queued": {"queued": "How many deliveries were queued", "delivery_ids": "Their ids"},
    "RotateSecret": {"grace_seconds": "Seconds the old secret keeps signing too (at most 7 days)"},
    "EventRead": {"type": "The event type, e.g. `activity.adopted`", "timestamp": "When it happened"},
    "TransitionRead": {
        "action": "The action taken",
        "from_status": "The plan's status before",
        "to_status": "The plan's status after",
        "actor": "Who took it (an API key or a user)",
        "actor_name": "Their name",
        "actor_role": "Their role",
        "comment": "The comment given, if any",
    },
    "TransitionCreate": {"action": "The action to take (see Action for who may take which)"},
    "Token": {
        "access_token": "The token: send it as `Authorization: Bearer …`",
        "token_type": "Always `bearer`",
    },
    "Body_auth_token": {
        "grant_type": "`password`, or left out",
        "username": "The user's name",
        "password": "The user's password",
        "scope": "Unused: leave it empty",
        "client_id": "Unused",
        "client_secret": "Unused",
    },
    **{
        name: {
            "name": "What the key is for, e.g. the system that uses it",
            "role": "The key's role (บทบาท)",
            "scope_code": "The code of the area the role is bound to; none for admin",
            "last_used_at": "When it was last used, if ever",
            "revoked_at": "When it was revoked, if it was",
        }
        for name in ("ApiKeyCreate", "ApiKeyRead", "ApiKeyCreated")
    },
    **{
        name: {"role": "The user's role (บทบาท)", "scope_code": "The code of the area the role is bound to"}
        for name in ("UserCreate", "UserUpdate", "UserRead")
    },
    "UserRead": {
        "role": "The user's role (บทบาท)",
        "scope_code": "The code of the area the role is bound to; none for admin",
        "locked_until": "Until when sign-in is held back after failed attempts, if it is",
        "last_login_at": "When the user last signed in",
    },
    "MemberCreate": {"name": "The member's name (personal data)"},
    "MemberUpdate": {"name": "The member's name (personal data)"},
    "MemberRead": {
        "name": "The member's name (personal data)",
        "working_group_th": "The working group's name in Thai",
    },
    "AreaRef": {"level": "The area's level"},
    "AuditEntryRead": {
        "id": "The entry's number: entries are numbered in the order they were written",
        "at": "When the change was made",
        "actor_role": "The caller's role (บทบาท) at the time",
        "action": "What was done",
        "resource_type": "The kind of resource",
        "resource_id": "The resource's id or code",
    },
    "AuditChange": {
        "from": "The value before (null for `create`); personal data as `redacted:` and a keyed hash",
        "to": "The value after (null for `delete`); personal data as `redacted:` and a keyed hash",
    },
    "ProgressRow": {
        "area": "The area",
        "villages": "Villages (หมู่บ้าน) in the area",
        "activities": "Activities by kind",
    },
    "ProgressReport": {
        "area": "The area reported on",
        "totals": "The area's figures",
        "breakdown": "The same figures for each area one level below",
    },
    "ActivityCounts": {
        "self_reliance": "Self-reliance activities (ทำเอง)",
        "joint": "Joint activities (ทำร่วม)",
        "external_support": "Activities asking for support (ขอรับการสนับสนุน)",
    },
    "ForumFigures": {
        "districts": "Districts (อำเภอ) in the area",
        "districts_meeting_target": "Districts that held at least two forums",
    },
    "Share": {"count": "How many"},
    "BulkReport": {"kind": "What was uploaded: villages, local-governments, plans or activities"},
    "BulkJobRead": {
        "id": "The job's id",
        "kind": "What was uploaded: villages, local-governments, plans or activities",
    },
    "Problem": {
        "type": "A path on this server (`/problems/<slug>`) whose page explains the problem and what to do, "
        "in English or Thai (Accept-Language)",
        "title": "A short summary of the kind of problem, in the caller's language",
        "status": "The HTTP status",
        "detail": "What went wrong in this case, in the caller's language",
        "instance": "The path of the request",
        "errors": "Validation problems: each invalid field and why",
        "allowed_actions": "Workflow problems: the actions the caller may take on the plan now",
        "guard": "Workflow problems: the condition the plan does not meet",
    },
}


def _describe(target: dict[str, Any], text: str | None) -> None:
    if text and "description" not in target:
        target["description"] = text


def apply(schema: dict[str, Any]) -> None:
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        own = FIELDS_OF.get(name, {})
        if "enum" in component:
            _describe(component, ENUMS.get(name))
        elif name.endswith("Page"):
            _describe(component, PAGE)
        _describe(component, SCHEMAS.get(name))
        for field, prop in component.get("properties", {}).items():
            _describe(prop, own.get(field) or FIELDS.get(field))
