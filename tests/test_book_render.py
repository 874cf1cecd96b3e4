"""The plan book renderer: Thai HTML (escaped, formatted) and a shaped Thai PDF that renders and extracts.

No database: the books are built directly from `app.book.data`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageStat

from app.book.data import (
    BookActivity,
    BookAssessment,
    BookData,
    BookIndicator,
    BookMember,
    BookWorkingGroup,
)
from app.book.render import format_money, format_share, render_html, render_pdf
from app.plans.vocabulary import (
    ACTIVITY_KIND_TH,
    ACTIVITY_STATUS_TH,
    WORKING_GROUP_TH,
    ActivityKind,
    ActivityStatus,
    WorkingGroup,
)

ROAD = "ปรับปรุงถนนคอนกรีตเสริมเหล็กสายบ้านน้ำใส–บ้านดอนเกลี้ยง"
ELDERLY = "ส่งเสริมอาชีพผู้สูงอายุ"

# (working group, title, kind, budget, funding source, status)
SAMPLE_ACTIVITIES: list[tuple[WorkingGroup, str, ActivityKind, str, str | None, ActivityStatus]] = [
    (
        WorkingGroup.administration,
        "จัดประชุมประชาคมหมู่บ้านทบทวนแผนชุมชนประจำปี",
        ActivityKind.self_reliance,
        "3500",
        "เงินกองทุนหมู่บ้าน",
        ActivityStatus.completed,
    ),
    (
        WorkingGroup.administration,
        "จัดทำป้ายประชาสัมพันธ์ข้อมูลข่าวสารของหมู่บ้าน",
        ActivityKind.joint,
        "12000",
        "องค์การบริหารส่วนตำบลตลาด",
        ActivityStatus.planned,
    ),
    (
        WorkingGroup.governance,
        "ติดตั้งกล้องวงจรปิดบริเวณทางแยกและศาลาประชาคม",
        ActivityKind.external_support,
        "185000",
        "สำนักงานตำรวจแห่งชาติ",
        ActivityStatus.planned,
    ),
    (
        WorkingGroup.governance,
        "อบรมอาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.) เฝ้าระวังยาเสพติด",
        ActivityKind.joint,
        "25000",
        "ที่ทำการปกครองอำเภอ",
        ActivityStatus.in_progress,
    ),
    (
        WorkingGroup.development_planning,
        ROAD,
        ActivityKind.external_support,
        "1250000",
        "องค์การบริหารส่วนจังหวัดสุราษฎร์ธานี",
        ActivityStatus.planned,
    ),
    (
        WorkingGroup.development_planning,
        "ขุดลอกคลองส่งน้ำเพื่อการเกษตรหมู่ที่ 3",
        ActivityKind.external_support,
        "450000",
        "กรมชลประทาน",
        ActivityStatus.planned,
    ),
    (
        WorkingGroup.development_planning,
        "ซ่อมแซมไฟฟ้าส่องสว่างริมทางสาธารณะ",
        ActivityKind.joint,
        "15000",
        None,
        ActivityStatus.cancelled,
    ),
    (
        WorkingGroup.economy,
        ELDERLY,
        ActivityKind.joint,
        "15000",
        "เทศบาลตำบลตลาด",
        ActivityStatus.in_progress,
    ),
    (
        WorkingGroup.economy,
        "ตั้งกลุ่มแปรรูปผลิตภัณฑ์จากมะพร้าวและจำหน่ายผ่านช่องทางออนไลน์",
        ActivityKind.self_reliance,
        "8750.5",
        "กองทุนหมู่บ้านและชุมชนเมือง",
        ActivityStatus.planned,
    ),
    (
        WorkingGroup.social_environment_health,
        "รณรงค์คัดแยกขยะต้นทางและทำปุ๋ยหมักชีวภาพในครัวเรือน",
        ActivityKind.self_reliance,
        "0",
        None,
        ActivityStatus.completed,
    ),
    (
        WorkingGroup.social_environment_health,
        "ตรวจคัดกรองความดันโลหิตและเบาหวานผู้สูงอายุโดย อสม.",
        ActivityKind.joint,
        "6000",
        "โรงพยาบาลส่งเสริมสุขภาพตำบล",
        ActivityStatus.planned,
    ),
    (
        WorkingGroup.social_environment_health,
        "ปลูกต้นไม้ริมคลองเฉลิมพระเกียรติ",
        ActivityKind.self_reliance,
        "2500",
        None,
        ActivityStatus.planned,
    ),
]


def make_activity(
    title: str,
    kind: ActivityKind,
    budget: str,
    source: str | None,
    status: ActivityStatus,
    year: int | None = 2569,
) -> BookActivity:
    return BookActivity(
        title=title,
        description=None,
        kind=kind.value,
        kind_th=ACTIVITY_KIND_TH[kind],
        status_th=ACTIVITY_STATUS_TH[status],
        budget=Decimal(budget),
        funding_source=source,
        priority=None,
        fiscal_year=year,
    )


def make_book(activities: list[tuple[WorkingGroup, BookActivity]], **overrides: object) -> BookData:
    """A whole book around the given activities, with the totals a plans service would compute."""
    groups = []
    for group in WorkingGroup:
        mine = [activity for g, activity in activities if g == group]
        groups.append(
            BookWorkingGroup(
                group.value, WORKING_GROUP_TH[group], mine, sum((a.budget for a in mine), Decimal(0))
            )
        )
    by_kind: dict[str, Decimal] = {}
    for _, activity in activities:
        by_kind[activity.kind_th] = by_kind.get(activity.kind_th, Decimal(0)) + activity.budget
    book = BookData(
        plan_id=7,
        title="แผนชุมชนบ้านน้ำใส",
        year=2569,
        revision=2,
        status_th="ร่าง",
        village_code="84010103",
        village_name="บ้านน้ำใส",
        moo=3,
        subdistrict_name="ตลาด",
        district_name="เมืองสุราษฎร์ธานี",
        province_name="สุราษฎร์ธานี",
        local_government_name="เทศบาลตำบลตลาด",
        households_total=140,
        population=462,
        households_contributing_data=120,
        participating_households=98,
        lgo_participated_from_start=True,
        sufficiency_economy_process=False,
        committee=[],
        working_groups=groups,
        budget_by_kind=by_kind,
        budget_total=sum((a.budget for _, a in activities), Decimal(0)),
        assessments=[],
        printed_at=dt.datetime(2026, 3, 5, 7, 30, tzinfo=dt.UTC),
    )
    return dataclasses.replace(book, **overrides)  # type: ignore[arg-type]


COMMITTEE = [
    BookMember(
        "นายสมศักดิ์ ใจดี", "ผู้ใหญ่บ้าน (ประธานกรรมการ)", WORKING_GROUP_TH[WorkingGroup.administration], None
    ),
    BookMember("นางสาวมณีรัตน์ ศรีสุข", "เลขานุการ", WORKING_GROUP_TH[WorkingGroup.administration], "0812345678"),
    BookMember("นายประเสริฐ ทองคำ", "ผู้ช่วยผู้ใหญ่บ้านฝ่ายปกครอง", WORKING_GROUP_TH[WorkingGroup.governance], None),
    BookMember("นายวิรัช แก้วมณี", "กรรมการ", WORKING_GROUP_TH[WorkingGroup.development_planning], None),
    BookMember("นางบุญเรือน พึ่งบุญ", "กรรมการ", WORKING_GROUP_TH[WorkingGroup.economy], None),
    BookMember("นางสุนีย์ เพ็ญศรี", "อสม.", WORKING_GROUP_TH[WorkingGroup.social_environment_health], None),
    BookMember("พระครูสุนทรธรรมกิจ", "ที่ปรึกษา", WORKING_GROUP_TH[WorkingGroup.education_religion_culture], None),
]

ASSESSMENTS = [
    BookAssessment(
        kind="quality",
        title_th="การประเมินคุณภาพแผนชุมชน",
        rubric="quality-2553 v1",
        assessed_at=dt.datetime(2026, 2, 20, 10, 0, tzinfo=dt.UTC),
        indicators=[
            BookIndicator("ครัวเรือนมีส่วนร่วมในการจัดทำแผนไม่น้อยกว่าร้อยละ 60", "70.00 %", "≥ 60.00 %", True),
            BookIndicator("มีการจัดเก็บและวิเคราะห์ข้อมูลครัวเรือน", "มี", "มี", True),
            BookIndicator("มีกิจกรรมที่ชุมชนทำเองได้ (พึ่งตนเอง)", "3", "≥ 1", True),
            BookIndicator("องค์กรปกครองส่วนท้องถิ่นร่วมจัดทำแผนตั้งแต่เริ่มต้น", "ใช่", "ใช่", True),
            BookIndicator("ใช้กระบวนการตามหลักปรัชญาของเศรษฐกิจพอเพียง", "ไม่ใช่", "ใช่", False),
            BookIndicator("คณะกรรมการครบทั้ง 6 คณะทำงาน", "5 / 6", "6 / 6", False),
        ],
        summary_th="ผ่าน 4 จาก 6 ตัวชี้วัด ระดับ C",
    ),
    BookAssessment(
        kind="standard",
        title_th="การประเมินมาตรฐานแผนชุมชน",
        rubric="standard-2553 v1",
        assessed_at=dt.datetime(2026, 2, 27, 9, 0),
        indicators=[
            BookIndicator("แผนผ่านการรับรองจากเวทีประชาคมหมู่บ้าน", "ผ่าน", "ผ่าน", True),
            BookIndicator("มีการบรรจุกิจกรรมในแผนพัฒนาท้องถิ่น", "2 กิจกรรม", "≥ 1 กิจกรรม", True),
        ],
        summary_th="ผ่าน 2 จาก 2 ตัวชี้วัด ระดับ A",
    ),
]


def sample_book() -> BookData:
    """A realistic book: a dozen activities over five of the six groups, a committee, two assessments."""
    activities = [(g, make_activity(t, k, b, s, st)) for g, t, k, b, s, st in SAMPLE_ACTIVITIES]
    return make_book(activities, committee=COMMITTEE, assessments=ASSESSMENTS)


def empty_book() -> BookData:
    return make_book(
        [],
        households_total=0,
        population=0,
        households_contributing_data=0,
        participating_households=0,
        local_government_name=None,
        printed_at=None,
    )


def big_book(count: int = 60) -> BookData:
    groups = list(WorkingGroup)
    activities = [
        (
            groups[n % len(groups)],
            make_activity(
                f"{SAMPLE_ACTIVITIES[n % 12][1]} ระยะที่ {n // 12 + 1}",
                ActivityKind.joint,
                str(1000 * (n + 1)),
                "งบประมาณ อบต.",
                ActivityStatus.planned,
            ),
        )
        for n in range(count)
    ]
    return make_book(activities, committee=COMMITTEE * 3, assessments=ASSESSMENTS)


def text_of(document: str) -> str:
    """The HTML's text, tags stripped and entities decoded (what a reader sees)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", document))


def pdf_pages(data: bytes) -> list[str]:
    """Each page's extracted text, without the zero-width spaces the renderer puts between Thai words and
    without the control characters pdfium returns for the unmapped second glyph of a shaped ำ (sara am)."""
    doc = pdfium.PdfDocument(data)
    try:
        texts = [doc[i].get_textpage().get_text_bounded() for i in range(len(doc))]
    finally:
        doc.close()
    return [re.sub(r"[\u200b\x00-\x08\x0b\x0c\x0e-\x1f]", "", text) for text in texts]


# --- formatting ------------------------------------------------------------------------------------


def test_money_and_share_formatting() -> None:
    assert format_money(Decimal("15000")) == "15,000.00 บาท"
    assert format_money(Decimal("1250000.005")) == "1,250,000.01 บาท"
    assert format_money(Decimal("0")) == "0.00 บาท"
    assert format_share(120, 140) == "85.71 %"
    assert format_share(0, 0) == "–"
    assert format_share(5, 0) == "–"


# --- HTML ------------------------------------------------------------------------------------------


def test_html_has_the_thai_text_exactly() -> None:
    page = render_html(sample_book())
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="th">' in page
    assert '<meta charset="utf-8">' in page
    for text in (
        "บ้านน้ำใส",
        "หมู่ที่ 3",
        "ตำบลตลาด อำเภอเมืองสุราษฎร์ธานี จังหวัดสุราษฎร์ธานี",
        "ประจำปี พ.ศ. 2569",
        "ฉบับปรับปรุงครั้งที่",
        ROAD,
        ELDERLY,
        "นายสมศักดิ์ ใจดี",
        "ผ่าน 4 จาก 6 ตัวชี้วัด ระดับ C",
        "≥ 60.00 %",
        "✓",
        "✗",
        "5 มีนาคม 2569 เวลา 14:30 น.",  # printed_at in Thai time, Buddhist era
    ):
        assert text in page, text
    for label in WORKING_GROUP_TH.values():
        assert f"คณะทำงาน{label}" in page, label
    # the one group without activities says so; fiscal years are printed as given (already B.E.)
    assert page.count("ไม่มีกิจกรรม") == 1
    assert "2569" in page and "3112" not in page


def test_html_is_self_contained() -> None:
    page = render_html(sample_book())
    assert "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "<script" not in page and "<link" not in page


def test_html_escapes_user_text() -> None:
    evil = make_activity(
        '<script>alert("x")</script> & ถนน', ActivityKind.joint, "1", None, ActivityStatus.planned
    )
    book = make_book([(WorkingGroup.economy, evil)], village_name="บ้าน<b>ใหม่</b>")
    page = render_html(book)
    assert "<script>" not in page and "<b>ใหม่" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; ถนน" in page
    assert "บ้าน&lt;b&gt;ใหม่&lt;/b&gt;" in page
    assert '<script>alert("x")</script> & ถนน' in text_of(page)


def test_html_money_and_totals() -> None:
    page = text_of(render_html(sample_book()))
    assert "15,000.00 บาท" in page
    assert "1,250,000.00 บาท" in page
    assert "8,750.50 บาท" in page
    assert "1,972,750.50 บาท" in page  # grand total
    assert "1,715,000.00 บาท" in page  # development-planning group total


def test_html_zero_households_shows_dash_not_a_division() -> None:
    page = render_html(empty_book())
    coverage = page.split('id="coverage"')[1].split("</section>")[0]
    assert re.search(r'<td class="num">0</td><td class="num">–</td>', coverage)
    assert coverage.count("–") >= 2
    assert page.count("ไม่มีกิจกรรม") == 6
    assert "ยังไม่มีรายชื่อคณะกรรมการหมู่บ้าน" in page
    assert "ยังไม่มีผลการประเมิน" in page
    assert "0.00 บาท" in page


# --- PDF -------------------------------------------------------------------------------------------


def test_pdf_renders_shaped_thai(tmp_path: Path) -> None:
    data = render_pdf(sample_book())
    assert data.startswith(b"%PDF-")
    doc = pdfium.PdfDocument(data)
    try:
        assert len(doc) >= 3  # cover, then the sections
        image = doc[0].render(scale=1.5).to_pil().convert("L")
        image.save(tmp_path / "page1.png")
        content = doc[1].render(scale=1.5).to_pil().convert("L")
    finally:
        doc.close()
    saved = Image.open(tmp_path / "page1.png")
    assert saved.size == image.size and saved.size[1] > saved.size[0]  # portrait
    for page in (image, content):
        dark = sum(page.histogram()[:128])
        assert dark > 2000, "page looks blank"
        assert ImageStat.Stat(page).stddev[0] > 10

    texts = pdf_pages(data)
    everything = "".join(texts)
    cover = texts[0]
    # pdfium gives shaped Thai back in visual order, so words with a tone mark after a below/above vowel
    # (หมู่, บ้าน in some runs) may come back reordered; these come back as typed.
    for word in ("แผนชุมชน", "ตำบลตลาด", "สุราษฎร์ธานี", "ประจำปี พ.ศ. 2569", "พิมพ์เมื่อ 5 มีนาคม 2569"):
        assert word in cover, word
    for word in (
        "ข้อมูล",
        "คณะกรรมการ",
        "คณะทำงาน",
        "กิจกรรม",
        "ปรับปรุงถนน",
        "คอนกรีตเสริมเหล็ก",
        "ผู้สูงอายุ",
        "เฉลิมพระเกียรติ",
        "งบประมาณ",
        "15,000.00 บาท",
        "1,972,750.50 บาท",
        "≥ 60.00 %",
        "✔",
        "✘",
    ):
        assert word in everything, word
    assert "หน้า" not in cover  # no page number on the cover
    for number, text in enumerate(texts[1:], start=2):
        assert f"หน้า {number} / {len(texts)}" in text


def test_pdf_of_an_empty_plan() -> None:
    data = render_pdf(empty_book())
    assert data.startswith(b"%PDF-")
    texts = pdf_pages(data)
    assert len(texts) == 3  # the cover, then the (mostly empty) sections on two pages
    sections = "".join(texts[1:])
    assert sections.count("คณะทำงาน") >= 6
    assert "0.00 บาท" in sections
    assert "–" in sections  # no share of 0 households


def test_pdf_of_sixty_activities_spans_pages() -> None:
    book = big_book(60)
    data = render_pdf(book)
    texts = pdf_pages(data)
    assert len(texts) >= 6  # the sample book's dozen activities take 5
    everything = "".join(texts)
    for n in range(1, 61):  # every activity's budget is printed
        assert f"{n * 1000:,}.00 บาท" in everything, n
    assert format_money(book.budget_total) in everything
    for number in range(2, len(texts) + 1):
        assert f"หน้า {number} / {len(texts)}" in texts[number - 1]


@pytest.mark.parametrize("book", [empty_book(), sample_book()], ids=["empty", "sample"])
def test_html_and_pdf_agree_on_budget(book: BookData) -> None:
    total = format_money(book.budget_total)
    assert total in text_of(render_html(book))
    assert total.removesuffix(" บาท") in "".join(pdf_pages(render_pdf(book)))


def test_pdf_keeps_user_text_literal() -> None:
    odd = make_activity(
        "ถนน {nb} **ตัวหนา** <b>", ActivityKind.joint, "1", None, ActivityStatus.planned, year=None
    )
    texts = pdf_pages(render_pdf(make_book([(WorkingGroup.economy, odd)])))
    everything = "".join(texts)
    assert "{nb}" in everything  # not taken for fpdf2's page-count alias
    assert "**" in everything and "<b>" in everything


def test_thai_is_opened_up_between_words_only() -> None:
    from app.book.render import ZWSP, _breakable

    assert _breakable("ส่งเสริมอาชีพผู้สูงอายุ") == ZWSP.join(["ส่งเสริม", "อาชีพ", "ผู้สูงอายุ"])
    # no break after an opening bracket or before a closing one; text without Thai is left alone
    assert _breakable("ผู้ใหญ่บ้าน (ประธานกรรมการ)") == "ผู้ใหญ่บ้าน (ประธานกรรมการ)"
    assert _breakable("Road 12 (phase 2)") == "Road 12 (phase 2)"
    # a word too wide for its column is cut into shorter words, and never inside a syllable
    assert _breakable("ปีงบประมาณ", lambda word: len(word) <= 8) == f"ปี{ZWSP}งบประมาณ"
    for text in (ROAD, ELDERLY, "น้ำใส", "กรมชลประทาน"):
        assert _breakable(text, lambda word: len(word) <= 3).replace(ZWSP, "") == text
        for piece in _breakable(text, lambda word: len(word) <= 3).split(ZWSP):
            assert piece, text
            assert not "\u0e30" <= piece[0] <= "\u0e3a" and not "\u0e47" <= piece[0] <= "\u0e4e", piece
            assert piece[-1] not in "เแโใไ", piece
