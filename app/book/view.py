"""The plan book's view (`build_view`): what the HTML page and the PDF both show, worded and formatted
once (headings, labels, Thai dates, number formats), so the two outputs match."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from app.book.data import BookAssessment, BookData, BookMember, BookWorkingGroup
from app.core.thai import thai_date, thai_format

DASH: Final = "–"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class _Texts:
    """Fixed wording shared by the HTML template and the PDF."""

    book_kind: str = "แผนชุมชน"
    cover: str = "ปก"
    printed_at: str = "พิมพ์เมื่อ"
    profile: str = "1. ข้อมูลทั่วไปของหมู่บ้าน"
    committee: str = "2. คณะกรรมการหมู่บ้าน"
    coverage: str = "3. การมีส่วนร่วมและความครอบคลุมของข้อมูล"
    activities: str = "4. กิจกรรม/โครงการ จำแนกตามคณะทำงาน"
    budget: str = "5. สรุปงบประมาณ"
    budget_by_group: str = "5.1 งบประมาณจำแนกตามคณะทำงาน"
    budget_by_kind: str = "5.2 งบประมาณจำแนกตามประเภทกิจกรรม"
    assessments: str = "6. ผลการประเมินคุณภาพและมาตรฐานแผนชุมชน"
    approval: str = "7. การรับรองแผนชุมชน"
    committee_statement: str = "ขอรับรองว่าคณะกรรมการหมู่บ้านได้ทบทวนและปรับปรุงแผนชุมชนฉบับนี้ร่วมกับประชาชนในหมู่บ้าน"
    district_statement: str = "ได้พิจารณาแล้ว เห็นชอบแผนชุมชนฉบับนี้"
    sign: str = "ลงชื่อ"
    chair: str = "ประธานคณะกรรมการหมู่บ้าน"
    district_officer: str = "พัฒนาการอำเภอ"
    signature_dots: str = "." * 32
    name_dots: str = "." * 36
    blank_date: str = "วันที่ ........ เดือน ........................ พ.ศ. ..........."
    page: str = "หน้า"
    committee_columns: tuple[str, ...] = ("ที่", "ชื่อ–สกุล", "ตำแหน่ง", "คณะทำงาน")
    activity_columns: tuple[str, ...] = (
        "ที่",
        "กิจกรรม/โครงการ",
        "ประเภท",
        "งบประมาณ",
        "แหล่งงบประมาณ",
        "ปีงบประมาณ",
        "สถานะ",
    )
    budget_group_columns: tuple[str, ...] = ("คณะทำงาน", "จำนวนกิจกรรม", "งบประมาณ")
    budget_kind_columns: tuple[str, ...] = ("ประเภทกิจกรรม", "งบประมาณ")
    indicator_columns: tuple[str, ...] = ("ที่", "ตัวชี้วัด", "ผลการประเมิน", "เกณฑ์", "ผ่าน")
    group_total: str = "รวมงบประมาณ"
    grand_total: str = "รวมทั้งสิ้น"
    no_committee: str = "ยังไม่มีรายชื่อคณะกรรมการหมู่บ้าน"
    no_activities: str = "ไม่มีกิจกรรม"
    no_indicators: str = "ไม่มีตัวชี้วัด"
    no_assessments: str = "ยังไม่มีผลการประเมิน"
    summary: str = "สรุปผล"
    passed: str = "ผ่าน"
    failed: str = "ไม่ผ่าน"
    dash: str = DASH


TEXTS: Final = _Texts()


# --- formatting ---------------------------------------------------------------------------------------


def format_money(amount: Decimal) -> str:
    """`Decimal("15000")` → `"15,000.00 บาท"` (half-up to the satang)."""
    return f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f} บาท"


def format_count(count: int, unit: str = "") -> str:
    """`1234` → `"1,234"`, or `"1,234 คน"` with a unit."""
    return f"{count:,} {unit}".rstrip()


def format_share(part: int, total: int) -> str:
    """`part` as a percentage of `total`, e.g. `"85.71 %"`; `"–"` when the total is 0 (or less)."""
    if total <= 0:
        return DASH
    share = (Decimal(part) * 100 / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{share:,.2f} %"


def _thai_datetime(moment: dt.datetime, *, with_time: bool) -> str:
    """A datetime as a Thai date with its Buddhist-era year; aware datetimes are shown in Thai time."""
    return thai_format(moment, "%-d %B %Y เวลา %H:%M น.") if with_time else thai_date(moment)


def _signing_date(moment: dt.datetime | None) -> str:
    """`วันที่ 20 เดือนกุมภาพันธ์ พ.ศ. 2569` (in Thai time), or the blank to fill in by hand."""
    if moment is None:
        return TEXTS.blank_date
    return thai_format(moment, "วันที่ %-d เดือน%B พ.ศ. %Y")


def _committee_chair(committee: Sequence[BookMember]) -> str | None:
    """The name of the village committee's chair: the member whose position says so (ประธานกรรมการ,
    ประธานคณะกรรมการ; not a vice chair, not the chair of a working group), else the village headman, who
    chairs the committee by law; None when neither is listed."""
    for member in committee:
        position = "".join(member.position.split())
        if "รองประธาน" not in position and ("ประธานกรรมการ" in position or "ประธานคณะกรรมการ" in position):
            return member.name
    for member in committee:
        if member.position.strip().startswith("ผู้ใหญ่บ้าน"):
            return member.name
    return None


def _prefixed(prefix: str, name: str) -> str:
    """`ตำบล` + `ท่าข้าม` → `ตำบลท่าข้าม`, without doubling a prefix the name already has."""
    return name if name.startswith(prefix) else f"{prefix}{name}"


def _yes_no(value: bool) -> str:
    return "ใช่" if value else "ไม่ใช่"


# --- the view both outputs are built from --------------------------------------------------------------


@dataclass(frozen=True)
class _Fact:
    label: str
    value: str


@dataclass(frozen=True)
class _CoverageRow:
    label: str
    count: str
    share: str


@dataclass(frozen=True)
class _GroupView:
    group: BookWorkingGroup
    heading: str


@dataclass(frozen=True)
class _AssessmentView:
    assessment: BookAssessment
    meta: str


@dataclass(frozen=True)
class Signature:
    """One signature block: what the signer attests, then ลงชื่อ …… role, (name), วันที่ ……"""

    statement: str
    role: str
    name: str | None
    date: str


@dataclass(frozen=True)
class View:
    document_title: str
    cover_title: str
    cover_lines: list[str]
    cover_meta: list[_Fact]
    printed_at: str | None
    profile: list[_Fact]
    coverage_columns: tuple[str, str, str]
    coverage: list[_CoverageRow]
    process: list[_Fact]
    groups: list[_GroupView]
    activity_count: int
    assessments: list[_AssessmentView]
    signatures: list[Signature]
    footer: str


def build_view(book: BookData) -> View:
    village = f"{book.village_name} หมู่ที่ {book.moo}"
    location = " ".join(
        (
            _prefixed("ตำบล", book.subdistrict_name),
            _prefixed("อำเภอ", book.district_name),
            _prefixed("จังหวัด", book.province_name),
        )
    )
    total = book.households_total
    return View(
        document_title=f"{book.title} – {village} ปี พ.ศ. {book.year}",
        cover_title=book.title,
        cover_lines=[village, location, f"ประจำปี พ.ศ. {book.year}"],
        cover_meta=[
            _Fact("ฉบับปรับปรุงครั้งที่", str(book.revision)),
            _Fact("สถานะแผน", book.status_th),
        ],
        printed_at=_thai_datetime(book.printed_at, with_time=True) if book.printed_at else None,
        profile=[
            _Fact("รหัสหมู่บ้าน", book.village_code),
            _Fact("หมู่บ้าน", book.village_name),
            _Fact("หมู่ที่", str(book.moo)),
            _Fact("ตำบล", book.subdistrict_name),
            _Fact("อำเภอ", book.district_name),
            _Fact("จังหวัด", book.province_name),
            _Fact("องค์กรปกครองส่วนท้องถิ่น", book.local_government_name or DASH),
            _Fact("จำนวนครัวเรือน", format_count(book.households_total, "ครัวเรือน")),
            _Fact("จำนวนประชากร", format_count(book.population, "คน")),
        ],
        coverage_columns=("รายการ", "จำนวนครัวเรือน", f"ร้อยละของครัวเรือนทั้งหมด ({format_count(total)})"),
        coverage=[
            _CoverageRow(
                "ครัวเรือนที่ร่วมให้ข้อมูล",
                format_count(book.households_contributing_data),
                format_share(book.households_contributing_data, total),
            ),
            _CoverageRow(
                "ครัวเรือนที่มีส่วนร่วมในการจัดทำแผน",
                format_count(book.participating_households),
                format_share(book.participating_households, total),
            ),
        ],
        process=[
            _Fact("องค์กรปกครองส่วนท้องถิ่นร่วมจัดทำแผนตั้งแต่เริ่มต้น", _yes_no(book.lgo_participated_from_start)),
            _Fact("ใช้กระบวนการตามหลักปรัชญาของเศรษฐกิจพอเพียง", _yes_no(book.sufficiency_economy_process)),
        ],
        groups=[
            _GroupView(group, f"4.{n} {_prefixed('คณะทำงาน', group.label_th)}")
            for n, group in enumerate(book.working_groups, start=1)
        ],
        activity_count=sum(len(group.activities) for group in book.working_groups),
        assessments=[
            _AssessmentView(
                assessment,
                f"เกณฑ์ {assessment.rubric} · ประเมินเมื่อ "
                f"{_thai_datetime(assessment.assessed_at, with_time=False)}",
            )
            for assessment in book.assessments
        ],
        signatures=_signatures(book),
        footer=f"{village} {location}",
    )


def _signatures(book: BookData) -> list[Signature]:
    """The village committee's chair signs every book; an approved plan's book also carries the district's
    approval (เห็นชอบ), signed by the district community development officer."""
    district = _prefixed("อำเภอ", book.district_name)
    signatures = [
        Signature(
            TEXTS.committee_statement,
            TEXTS.chair,
            _committee_chair(book.committee),
            _signing_date(book.submitted_at),
        )
    ]
    if book.approved_at is not None:
        signatures.append(
            Signature(
                f"{district}{TEXTS.district_statement}",
                f"{TEXTS.district_officer}{district.removeprefix('อำเภอ')}",
                None,
                _signing_date(book.approved_at),
            )
        )
    return signatures


# --- HTML --------------------------------------------------------------------------------------------
