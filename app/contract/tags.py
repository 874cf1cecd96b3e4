"""The document's tags, in the order a newcomer reads the API, and where each router's own tag belongs.

Routers keep their domain's name as their tag (`activities`, `forums`, …); the document groups them under
the ten tags below, which generated clients turn into modules (`api/plans/…`, `api/identity/…`).
"""

from __future__ import annotations

from typing import Any

from app.contract.document import operations

# (name, description), in reading order.
TAGS: tuple[tuple[str, str], ...] = (
    (
        "geography",
        "Reference geography: provinces (จังหวัด), districts (อำเภอ) and subdistricts (ตำบล) with their DOPA "
        "codes, from the `geothai` data set (read-only, with its version in `Geography-Data-Version`); and "
        "the local governments (องค์กรปกครองส่วนท้องถิ่น, อปท.) with the subdistricts they cover.",
    ),
    (
        "villages",
        "Villages (หมู่บ้าน) by their DOPA 8-digit code and หมู่ที่, and each village's committee "
        "(คณะกรรมการหมู่บ้าน) in its six working groups (คณะทำงาน).",
    ),
    (
        "plans",
        "Community plans (แผนชุมชน): one per village and plan year (พ.ศ.), with revisions from the yearly "
        "review; their activities (กิจกรรม/โครงการ) and the written plan book (รูปเล่ม).",
    ),
    (
        "workflow",
        "A plan's way from `draft` to `certified`, each step taken by its own role and recorded in the "
        "plan's history; the assessments (quality, standard) that guard the steps, and the rubrics they are "
        "scored against.",
    ),
    (
        "adoption",
        "Local governments (อปท.) adopting village activities into their local development plan and budget "
        "(งบประมาณ), and the list of adopted activities that their planning systems poll.",
    ),
    (
        "events",
        "The ordered, gap-free feed of every event (`activity.adopted`, `plan.status_changed`, …), kept for "
        "at least a year: a receiver that was down catches up from it.",
    ),
    (
        "webhooks",
        "Subscriptions that push a local government's events to its own system, signed as Standard Webhooks; "
        "their deliveries, secrets, tests and replays. What each event's delivery carries is in the "
        "document's `webhooks` section.",
    ),
    (
        "bulk",
        "Many rows at once from spreadsheets and scripts: CSV (UTF-8 or Windows-874) or NDJSON, all rows or "
        "none or the valid ones, every rejected row reported; large uploads run as jobs.",
    ),
    (
        "reports",
        "Monitoring and the learning network: progress against the seed's targets, district forums "
        "(เวทีประชาคมอำเภอ) and lessons learned (ถอดบทเรียน); and the service's own health, readiness and "
        "Prometheus metrics.",
    ),
    (
        "identity",
        "Signing in (the OAuth2 password flow), users and API keys, each with a role and the area (scope) it "
        "may see: village committee, district officer, local-government planner, provincial officer, admin; "
        "and the audit log of every write (append-only, hash-chained).",
    ),
)

# A router's tag -> the document's tag.
TAG_OF: dict[str, str] = {
    "geography": "geography",
    "local-governments": "geography",
    "villages": "villages",
    "plans": "plans",
    "activities": "plans",
    "workflow": "workflow",
    "assessments": "workflow",
    "adoption": "adoption",
    "events": "events",
    "webhooks": "webhooks",
    "bulk": "bulk",
    "reports": "reports",
    "forums": "reports",
    "lessons": "reports",
    "system": "reports",
    "auth": "identity",
    "identity": "identity",
    "audit": "identity",
}

NAMES = tuple(name for name, _ in TAGS)


def apply(schema: dict[str, Any]) -> None:
    for operation in operations(schema):
        unknown = [t for t in operation.get("tags", []) if t not in TAG_OF]
        if unknown:
            raise KeyError(
                f"{operation.get('operationId')}: tag {unknown} has no place in app/contract/tags.py"
            )
        operation["tags"] = list(dict.fromkeys(TAG_OF[t] for t in operation.get("tags", [])))
    schema["tags"] = [{"name": name, "description": text} for name, text in TAGS]
