"""Small helpers that make valid resources through the API, so each test states only what it varies."""

from __future__ import annotations

from typing import Any

import httpx

# Surat Thani (84), Mueang district (8401), subdistrict Talat (840101) and Makham Tia (840102)
PROVINCE = "84"
DISTRICT = "8401"
SUBDISTRICT = "840101"
OTHER_SUBDISTRICT = "840102"
LGO = "6840101"


async def create_lgo(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "code": LGO,
        "name_th": "องค์การบริหารส่วนตำบลตลาด",
        "kind": "subdistrict_administration",
        "province_code": PROVINCE,
        "subdistrict_codes": [SUBDISTRICT],
        **overrides,
    }
    response = await client.post("/api/v1/local-governments", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_village(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "code": f"{SUBDISTRICT}01",
        "name_th": "บ้านดอนเกลี้ยง",
        "households": 120,
        "population": 410,
        **overrides,
    }
    response = await client.post("/api/v1/villages", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())
