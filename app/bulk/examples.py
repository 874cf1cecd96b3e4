"""Example rows for the bulk templates (`GET /bulk/{kind}/template.csv?examples=true`).

They show the format a spreadsheet must have: Thai text, Buddhist-era years, THB as decimal strings, DOPA
codes. The activities rows import as they are into the plan named by `plan_id`; the other kinds name codes
from the demo province (`cplan demo`), to be replaced by the caller's own.
"""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "villages": [
        {"code": "84050391", "name_th": "บ้านหินกอง", "households": 86, "population": 290},
        {"code": "84050392", "name_th": "บ้านโฉลกหลำ", "households": 142, "population": 505},
    ],
    "local-governments": [
        {
            "code": "6840598",
            "name_th": "เทศบาลตำบลตัวอย่าง",
            "kind": "subdistrict_municipality",
            "province_code": "84",
            "subdistrict_codes": "840501;840502",
        },
    ],
    "plans": [
        {
            "village_code": "84050391",
            "year": 2569,
            "households_contributing_data": 70,
            "participating_households": 66,
            "lgo_participated_from_start": "true",
            "sufficiency_economy_process": "true",
        },
    ],
    "activities": [
        {
            "title": "ธนาคารขยะรีไซเคิลประจำหมู่บ้าน",
            "description": "รับซื้อขยะรีไซเคิลจากครัวเรือนเดือนละครั้ง",
            "working_group": "social_environment_health",
            "kind": "self_reliance",
            "budget": "3500.00",
            "fiscal_year": 2569,
            "status": "completed",
        },
        {
            "title": "ซ่อมแซมถนนลูกรังสายหน้าวัด",
            "working_group": "development_planning",
            "kind": "external_support",
            "budget": "250000.00",
            "funding_source": "องค์การบริหารส่วนตำบล",
            "priority": 1,
            "fiscal_year": 2570,
            "status": "planned",
        },
    ],
}


def example_rows(kind: str, columns: list[str], plan_id: int | None = None) -> list[list[str]]:
    """The kind's example rows as CSV cells in the template's column order."""
    rows = []
    for example in EXAMPLES.get(kind, []):
        values = {**example, "plan_id": plan_id} if kind == "activities" else example
        rows.append(["" if values.get(c) is None else str(values[c]) for c in columns])
    return rows
