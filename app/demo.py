"""Plausible villages and local governments for any province: the `cplan demo` data and the bench's.

Codes follow DOPA (village = subdistrict + หมู่) and the DLA habit of a kind digit, the district code and a
running number; names are drawn from common Thai village-name words. Everything is deterministic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import geothai

from app.local_governments.models import LocalGovernmentKind

WORDS = [
    "ดอน",
    "หนอง",
    "นา",
    "โคก",
    "ท่า",
    "บาง",
    "ห้วย",
    "คลอง",
    "ทุ่ง",
    "วัง",
    "เขา",
    "ป่า",
    "สวน",
    "ไร่",
    "โนน",
    "กุด",
    "หัว",
    "ปาก",
    "ใหม่",
    "เก่า",
    "ใต้",
    "เหนือ",
    "กลาง",
    "ตะวันออก",
    "ทอง",
    "แก้ว",
    "สะอาด",
    "สำราญ",
    "พัฒนา",
    "สามัคคี",
    "เจริญ",
    "มะม่วง",
    "ยาง",
    "ตาล",
    "มะพร้าว",
    "ไผ่",
    "โพธิ์",
    "ไทร",
    "จันทร์",
    "สุข",
]
BANGKOK = "10"


def _pick(seed: str, n: int) -> int:
    return int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "big") % n


def village_name(code: str) -> str:
    return "บ้าน" + WORDS[_pick(code + "a", len(WORDS))] + WORDS[_pick(code + "b", len(WORDS))]


@dataclass(frozen=True)
class DemoLocalGovernment:
    code: str
    name_th: str
    kind: LocalGovernmentKind
    province_code: str
    subdistrict_codes: tuple[str, ...]


@dataclass(frozen=True)
class DemoVillage:
    code: str
    name_th: str
    households: int
    population: int
    local_government_code: str


def local_governments(province_code: str) -> list[DemoLocalGovernment]:
    """One อบจ. for the province, a town municipality for each district seat, an อบต. per other tambon."""
    province = geothai.province(province_code)
    assert province is not None
    out = [
        DemoLocalGovernment(
            code=f"2{province_code}0000",
            name_th=f"องค์การบริหารส่วนจังหวัด{province.name_th}",
            kind=LocalGovernmentKind.provincial_administration,
            province_code=province_code,
            subdistrict_codes=(),
        )
    ]
    for district in geothai.districts(province_code):
        for i, sub in enumerate(geothai.subdistricts(district.code), start=1):
            seat = i == 1
            out.append(
                DemoLocalGovernment(
                    code=f"{4 if seat else 6}{district.code}{i:02d}",
                    name_th=("เทศบาลเมือง" if seat else "องค์การบริหารส่วนตำบล") + sub.name_th,
                    kind=(
                        LocalGovernmentKind.town_municipality
                        if seat
                        else LocalGovernmentKind.subdistrict_administration
                    ),
                    province_code=province_code,
                    subdistrict_codes=(sub.code,),
                )
            )
    return out


def villages(province_code: str, per_subdistrict: tuple[int, int] = (5, 15)) -> Iterator[DemoVillage]:
    """Villages of every tambon of the province, each in the local government covering its tambon."""
    low, high = per_subdistrict
    for lgo in local_governments(province_code):
        for sub in lgo.subdistrict_codes:
            for moo in range(1, low + _pick(sub, high - low + 1) + 1):
                code = f"{sub}{moo:02d}"
                households = 60 + _pick(code + "h", 340)
                yield DemoVillage(
                    code=code,
                    name_th=village_name(code),
                    households=households,
                    population=households * 3 + _pick(code + "p", households),
                    local_government_code=lgo.code,
                )


def national(total_villages: int = 75_086) -> tuple[list[DemoLocalGovernment], list[DemoVillage]]:
    """A national-scale dataset: every province outside Bangkok (whose khwaeng have no หมู่บ้าน),
    `total_villages` villages spread over the real tambons, about 7,800 local governments."""
    provinces = [p.code for p in geothai.provinces() if p.code != BANGKOK]
    lgos = [lgo for p in provinces for lgo in local_governments(p)]
    tambon_lgos = [lgo for lgo in lgos if lgo.subdistrict_codes]
    per_tambon, extra = divmod(total_villages, len(tambon_lgos))
    out: list[DemoVillage] = []
    for i, lgo in enumerate(tambon_lgos):
        sub = lgo.subdistrict_codes[0]
        for moo in range(1, per_tambon + (1 if i < extra else 0) + 1):
            code = f"{sub}{moo:02d}"
            households = 60 + _pick(code + "h", 340)
            out.append(
                DemoVillage(code, village_name(code), households, households * 3 + _pick(code, 200), lgo.code)
            )
    return lgos, out
