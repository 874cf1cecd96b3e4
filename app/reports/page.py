"""The progress report as a printable page for people: Thai, bar charts drawn as inline SVG, the Sarabun
font embedded, and nothing fetched from anywhere else (its Content-Security-Policy forbids it)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import fontpkg_sarabun
import jinja2

from app.core.thai import thai_format
from app.reports.areas import LEVEL_TH, AreaLevel
from app.reports.schemas import AreaRef, ProgressReport, ProgressRow, Share

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DASH = "–"

# (key, label, what it is a share of, where the target comes from)
SHARE_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("plans_reviewed", "หมู่บ้านที่ทบทวนและปรับปรุงแผนชุมชนในปีนี้", "หมู่บ้าน", "เป้าหมายข้อ 1: ทุกหมู่บ้าน"),
    ("plans_assessed", "หมู่บ้านที่แผนชุมชนได้รับการประเมินแล้ว", "หมู่บ้าน", "เป้าหมายข้อ 3: ทุกหมู่บ้าน"),
    ("quality_grade_a", "หมู่บ้านที่แผนมีคุณภาพระดับ A", "หมู่บ้าน", ""),
    ("certified", "หมู่บ้านที่แผนได้รับการรับรองมาตรฐาน", "หมู่บ้าน", ""),
    ("self_reliance", "กิจกรรมพึ่งตนเอง", "กิจกรรม", "ตัวชี้วัดคุณภาพข้อ 6: อย่างน้อยร้อยละ 30"),
    (
        "completed_by_community",
        "กิจกรรมที่ชุมชนดำเนินการได้จริง (พึ่งตนเองและดำเนินการแล้ว)",
        "กิจกรรม",
        "เป้าหมายข้อ 4: อย่างน้อยร้อยละ 30",
    ),
    ("adopted", "กิจกรรมที่ อปท. บรรจุในแผนพัฒนาท้องถิ่น", "กิจกรรม", "เป้าหมายข้อ 2 (ไม่กำหนดร้อยละ)"),
)

# The chart drawing, in SVG user units.
CHART_WIDTH = 720
LABEL_WIDTH = 200
BAR_X = LABEL_WIDTH + 8
BAR_SPAN = 420
ROW_HEIGHT = 22
TOP = 22


def format_count(n: int) -> str:
    return f"{n:,}"


def format_percent(value: float | None) -> str:
    return DASH if value is None else f"{value:,.2f} %"


def format_money(amount: Decimal) -> str:
    return f"{amount:,.2f} บาท"


def format_met(met: bool | None) -> str:
    return DASH if met is None else ("ผ่าน" if met else "ยังไม่ผ่าน")


def thai_date(moment: dt.datetime) -> str:
    return thai_format(moment, "%-d %B พ.ศ. %Y")


def area_name(area: AreaRef) -> str:
    """`จังหวัดสุราษฎร์ธานี`, `อำเภอเมืองสุราษฎร์ธานี`; Bangkok and its เขต/แขวง keep their own names."""
    if area.level is AreaLevel.national or area.code == "10" or area.name_th.startswith(("เขต", "แขวง")):
        return area.name_th
    return LEVEL_TH[area.level] + area.name_th


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    value_text: str
    y: float
    width: float
    target_x: float | None
    state: str  # met, unmet or none: the bar's colour


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    note: str
    height: float
    target_x: float | None
    target_text: str
    bars: list[Bar]


@dataclass(frozen=True)
class Cell:
    figure: str
    text: str
    percent_text: str | None = None


@dataclass(frozen=True)
class TableRow:
    code: str
    name: str
    href: str | None
    cells: list[Cell]


def _state(met: bool | None) -> str:
    return "none" if met is None else ("met" if met else "unmet")


def _share_chart(key: str, title: str, note: str, rows: list[ProgressRow]) -> Chart:
    target = next((getattr(r, key).target_percent for r in rows), None)
    bars = []
    for i, row in enumerate(rows):
        s: Share = getattr(row, key)
        percent = s.percent or 0.0
        bars.append(
            Bar(
                code=row.area.code or "",
                label=area_name(row.area),
                value_text=f"{format_percent(s.percent)} ({format_count(s.count)}/{format_count(s.of)})",
                y=TOP + i * ROW_HEIGHT,
                width=round(BAR_SPAN * min(percent, 100.0) / 100, 2),
                target_x=None,
                state=_state(s.met),
            )
        )
    target_x = None if target is None else round(BAR_X + BAR_SPAN * target / 100, 2)
    return Chart(
        key=key,
        title=title,
        note=note,
        height=TOP + len(rows) * ROW_HEIGHT + 6,
        target_x=target_x,
        target_text="" if target is None else f"เป้าหมาย {target:g} %",
        bars=bars,
    )


def _forum_chart(rows: list[ProgressRow]) -> Chart | None:
    forum_rows = [r for r in rows if r.forums is not None]
    if not forum_rows:
        return None
    scale = max(max(r.forums.held, r.forums.target) for r in forum_rows if r.forums) or 1
    bars = []
    for i, row in enumerate(forum_rows):
        f = row.forums
        assert f is not None
        bars.append(
            Bar(
                code=row.area.code or "",
                label=area_name(row.area),
                value_text=f"{format_count(f.held)} / {format_count(f.target)} ครั้ง",
                y=TOP + i * ROW_HEIGHT,
                width=round(BAR_SPAN * min(f.held, scale) / scale, 2),
                target_x=round(BAR_X + BAR_SPAN * f.target / scale, 2),
                state=_state(f.met),
            )
        )
    return Chart(
        key="forums",
        title="เวทีประชาคมอำเภอที่จัดแล้ว เทียบกับเป้าหมาย",
        note="เป้าหมาย: อำเภอละ 2 ครั้งต่อปีงบประมาณ (ขีดแนวตั้งของแต่ละแถว)",
        height=TOP + len(forum_rows) * ROW_HEIGHT + 6,
        target_x=None,
        target_text="",
        bars=bars,
    )


def _cells(row: ProgressRow) -> list[Cell]:
    cells = [Cell("villages", format_count(row.villages))]
    for key, *_ in SHARE_FIGURES:
        s: Share = getattr(row, key)
        cells.append(Cell(key, format_count(s.count), format_percent(s.percent)))
        if key == "certified":
            cells.append(Cell("activities.total", format_count(row.activities.total)))
    cells.append(Cell("adopted_budget", f"{row.adopted_budget:,.2f}"))
    f = row.forums
    cells.append(
        Cell("forums.held", DASH if f is None else f"{format_count(f.held)}/{format_count(f.target)}")
    )
    return cells


def _href(report: ProgressReport, row: ProgressRow) -> str | None:
    if row.area.level is AreaLevel.province:
        return "/reports/progress?" + urlencode({"province_code": row.area.code, "year": report.year})
    if row.area.level is AreaLevel.district:
        return "/reports/progress?" + urlencode({"district_code": row.area.code, "year": report.year})
    return None


@functools.cache
def _font_faces() -> str:
    files = Path(fontpkg_sarabun.__file__).resolve().parent / "files"
    faces = []
    for weight, name in ((400, "Sarabun-Regular.ttf"), (700, "Sarabun-Bold.ttf")):
        data = base64.b64encode((files / name).read_bytes()).decode()
        faces.append(
            "@font-face { font-family: 'Sarabun'; font-style: normal; "
            f"font-weight: {weight}; src: url(data:font/ttf;base64,{data}) format('truetype'); }}"
        )
    return "\n".join(faces)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(report: ProgressReport, printed_at: dt.datetime) -> str:
    totals = report.totals
    summary = [
        {
            "key": key,
            "label": label,
            "count": format_count(getattr(totals, key).count),
            "of": f"{format_count(getattr(totals, key).of)} {unit}",
            "percent": format_percent(getattr(totals, key).percent),
            "target": format_percent(getattr(totals, key).target_percent)
            if getattr(totals, key).target_percent is not None
            else DASH,
            "met": format_met(getattr(totals, key).met),
            "state": _state(getattr(totals, key).met),
            "basis": basis,
        }
        for key, label, unit, basis in SHARE_FIGURES
    ]
    charts = [_share_chart(key, label, basis, report.breakdown) for key, label, _, basis in SHARE_FIGURES]
    forum_chart = _forum_chart(report.breakdown)
    if forum_chart is not None:
        charts.append(forum_chart)
    view = {
        "title": "รายงานความก้าวหน้าการส่งเสริมกระบวนการแผนชุมชน",
        "area": area_name(report.area),
        "year": report.year,
        "printed_at": thai_date(printed_at),
        "breakdown_th": LEVEL_TH[report.breakdown_level],
        "totals": totals,
        "summary": summary,
        "activities": totals.activities,
        "adopted_budget": format_money(totals.adopted_budget),
        "forums": totals.forums,
        "charts": charts,
        "rows": [
            TableRow(row.area.code or "", area_name(row.area), _href(report, row), _cells(row))
            for row in report.breakdown
        ],
        "total_row": TableRow("total", "รวม", None, _cells(totals)),
        "chart_width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_x": BAR_X,
        "bar_span": BAR_SPAN,
        "row_height": ROW_HEIGHT,
        "font_faces": _font_faces(),
        "count": format_count,
        "percent": format_percent,
        "met": format_met,
    }
    return _environment().get_template("progress.html").render(**view)
