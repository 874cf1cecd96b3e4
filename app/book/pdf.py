"""The plan book as an A4 PDF (fpdf2 with the Sarabun font and HarfBuzz text shaping), from the book's view.

Thai has no spaces between words, so every Thai run is cut into words (pythainlp's dictionary-based
`newmm`) and the text is broken into lines here, between words, measured with the shaped font: fpdf2 gets
lines that already fit, so long titles wrap between words instead of inside a word or between a consonant
and its vowel or tone mark, and nothing but the text itself goes into the PDF's text layer (no zero-width
spaces, which would break searching and copying).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Final, Literal, cast

from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, VAlign
from fpdf.fonts import FontFace
from pythainlp.corpus import thai_words
from pythainlp.tokenize import syllable_tokenize, word_tokenize

from app.book import marks
from app.book.data import BookData
from app.book.fonts import FONT_FAMILY, font_paths
from app.book.view import DASH, TEXTS, Signature, View, build_view, format_count, format_money

ZWSP: Final = "\u200b"
# HarfBuzz shaping with Sarabun's GPOS "mark" feature off: it only nudges a vowel or tone mark by at most a
# few hundredths of an em over its consonant, but each nudge makes fpdf2 place that glyph on its own, and text
# extraction then reads the marks out of order ("ผ่าน" came back as "ผาน" + a stray "่"). Stacking (a tone
# mark over an upper vowel, "mkmk") and Sarabun's substitutions (ฐ ญ without their tails, ำ) stay on.
_SHAPING_FEATURES: Final = {"mark": False}
_WRAP_SLACK = 0.4  # mm kept free on each line, so fpdf2 never needs to break a line that was measured to fit
_INK = (17, 17, 17)
_ACCENT = (31, 78, 121)
_MUTED = (85, 85, 85)
_HEAD_FILL = (220, 230, 241)
_ZEBRA_FILL = (248, 248, 248)
_TOTAL_FILL = (235, 235, 235)
_PASS = (26, 127, 55)
_FAIL = (198, 40, 40)
_BODY_SIZE = 12
_TABLE_SIZE = 10.0
_LINE = 1.55  # line height as a multiple of the font size: room for stacked Thai marks
# Stands for the page count until the document is closed; unlike fpdf2's default "{nb}", no one types it.
_PAGES_ALIAS: Final = "{\ue000}"


def _has_thai(text: str) -> bool:
    return any("\u0e00" <= char <= "\u0e7f" for char in text)


# No line break right after an opening bracket or quote, nor right before closing punctuation.
_NO_BREAK_AFTER: Final = frozenset("([{“‘«\"'")
_NO_BREAK_BEFORE: Final = frozenset(")]}”’»,.:;!?%ๆฯ–-/\"'")


def _split_checked(text: str, pieces: list[str]) -> tuple[str, ...]:
    """`pieces` if they put back together give `text` (a tokenizer must never change what is printed)."""
    return tuple(pieces) if "".join(pieces) == text else (text,)


@functools.lru_cache(maxsize=8192)
def _thai_words(text: str) -> tuple[str, ...]:
    return _split_checked(text, word_tokenize(text, engine="newmm", keep_whitespace=True))


@functools.lru_cache(maxsize=8192)
def _thai_syllables(word: str) -> tuple[str, ...]:
    return _split_checked(word, syllable_tokenize(word, engine="dict", keep_whitespace=True))


@functools.cache
def _dictionary() -> frozenset[str]:
    return frozenset(thai_words())


@functools.lru_cache(maxsize=4096)
def _thai_parts(word: str) -> tuple[str, ...]:
    """A dictionary word cut into the fewest shorter words at syllable boundaries, e.g. ปีงบประมาณ → ปี งบประมาณ
    (a syllable that is no word counts double), for a word too wide for its column."""
    syllables = _thai_syllables(word)
    ends = [0]
    for syllable in syllables:
        ends.append(ends[-1] + len(syllable))
    count = len(syllables)
    # best[j]: (cost, parts) covering word[:ends[j]]
    best: list[tuple[int, tuple[str, ...]] | None] = [(0, ())] + [None] * count
    for j in range(1, count + 1):
        for i in range(j):
            done = best[i]
            if done is None or (i, j) == (0, count):
                continue
            part = word[ends[i] : ends[j]]
            if part in _dictionary():
                cost = 1
            elif j - i == 1:
                cost = 2
            else:
                continue
            current = best[j]
            if current is None or done[0] + cost < current[0]:
                best[j] = (done[0] + cost, (*done[1], part))
    result = best[count]
    return result[1] if result is not None and result[1] else syllables


def _breakable(text: str, fits: Callable[[str], bool] | None = None) -> str:
    """Thai text with a zero-width space marking each word boundary where a line may end; a word that does
    not `fit` a line on its own is opened up between shorter words, or else between syllables. The marks are
    only read by `_segments`: they never reach the PDF."""
    if not _has_thai(text):
        return text
    pieces: list[str] = []
    for word in _thai_words(text):
        if fits is None or not _has_thai(word) or fits(word):
            pieces.append(word)
            continue
        for part in _thai_parts(word):
            pieces.extend((part,) if fits(part) else _thai_syllables(part))
    out: list[str] = []
    previous = ""
    for piece in pieces:
        if (
            previous
            and not previous[-1].isspace()
            and not piece[0].isspace()
            and previous[-1] not in _NO_BREAK_AFTER
            and piece[0] not in _NO_BREAK_BEFORE
            and (_has_thai(previous) or _has_thai(piece))
        ):
            out.append(ZWSP)
        out.append(piece)
        previous = piece
    return "".join(out)


def _segments(text: str, fits: Callable[[str], bool] | None = None) -> list[str]:
    """`text` cut wherever a line may end: between Thai words (see `_breakable`) and after spaces."""
    segments: list[str] = []
    for part in _breakable(text, fits).split(ZWSP):
        segments.extend(piece for piece in re.split(r"(?<=\s)(?=\S)", part) if piece)
    return segments


def _wrap_lines(text: str, fits: Callable[[str], bool]) -> list[str]:
    """`text` filled into lines that `fit`, each ended at a word boundary (a word too wide for a line
    on its own is opened up between shorter words or syllables by `_breakable`); line breaks in the text are
    kept, and no zero-width space is left in it."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for segment in _segments(paragraph, fits):
            if line and not fits((line + segment).rstrip()):
                lines.append(line.rstrip())
                line = segment.lstrip()
            else:
                line += segment
        lines.append(line.rstrip())
    return lines


def _shorten(text: str, fits: Callable[[str], bool]) -> str:
    """`text` cut short with "…" so that it `fits`, never between a letter and its marks."""
    cut = len(text)
    while cut > 0:
        cut -= 1
        if unicodedata.category(text[cut]) == "Mn":
            continue
        candidate = text[:cut].rstrip() + "…"
        if fits(candidate):
            return candidate
    return "…"


def _pt_to_mm(points: float) -> float:
    return points * 25.4 / 72


class _BookPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        regular, bold = font_paths()
        self.add_font(FONT_FAMILY, "", regular)
        self.add_font(FONT_FAMILY, "B", bold)
        self.add_font(marks.FAMILY, "", marks.font_path())
        self.set_text_shaping(True, features=_SHAPING_FEATURES)
        self.set_margins(left=18, top=16, right=18)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages(_PAGES_ALIAS)

    def footer(self) -> None:
        if self.page_no() == 1:  # the cover
            return
        self.set_y(-14)
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_text_color(*_MUTED)
        self.set_font(FONT_FAMILY, size=8.5)
        page = f"{TEXTS.page} {self.page_no()} / {_PAGES_ALIAS}"
        page_width = self.get_string_width(f"{TEXTS.page} {self.page_no()} / 000") + 4
        room = self.epw - page_width - 2 * self.c_margin
        text, size = self.footer_text.replace(ZWSP, ""), 8.5
        while size > 6.5 and self.get_string_width(text) > room:
            size -= 0.5
            self.set_font(FONT_FAMILY, size=size)
        if self.get_string_width(text) > room:
            text = _shorten(text, lambda candidate: self.get_string_width(candidate) <= room)
        self.set_x(self.l_margin)
        self.cell(self.epw - page_width, 7, text, align=Align.L)
        self.set_font(FONT_FAMILY, size=8.5)
        self.cell(page_width, 7, page, align=Align.R)

    # -- blocks --

    def paragraph(
        self, text: str, *, size: float = _BODY_SIZE, bold: bool = False, color: tuple[int, int, int] = _INK
    ) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)
        self.multi_cell(
            0,
            _pt_to_mm(size) * _LINE,
            self.wrap(text, self.epw - 2 * self.c_margin, size, bold=bold),
            align=Align.L,
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def heading(self, text: str, level: Literal[2, 3], *, keep: float = 24) -> None:
        """A bold heading, moved to the next page unless `keep` mm of what follows fit below it."""
        size = 15.0 if level == 2 else 12.5
        if self.will_page_break(_pt_to_mm(size) * _LINE + 8 + keep):
            self.add_page()
        else:
            self.ln(5 if level == 2 else 3)
        self.paragraph(text, size=size, bold=True, color=_ACCENT if level == 2 else _INK)
        if level == 2:
            y = self.get_y()
            self.set_draw_color(*_ACCENT)
            self.set_line_width(0.5)
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self.set_line_width(0.2)
        self.ln(2)

    def note(self, text: str) -> None:
        self.paragraph(text, size=_BODY_SIZE - 0.5, color=_MUTED)
        self.ln(1)

    def fits(self, width: float, size: float, *, bold: bool = False) -> Callable[[str], bool]:
        """Whether a text in Sarabun at `size` pt fits `width` mm (measured shaped, the font left as is)."""
        font = self.fonts[f"{FONT_FAMILY.lower()}{'B' if bold else ''}"]

        def check(word: str) -> bool:
            return font.get_text_width(word, size, self.text_shaping)[1] / self.k <= width

        return check

    def wrap(self, text: str, width: float, size: float, *, bold: bool = False) -> str:
        """`text` broken into lines of at most `width` mm (a cell's inner width) at word boundaries."""
        return "\n".join(_wrap_lines(text, self.fits(width - _WRAP_SLACK, size, bold=bold)))

    _SIGNATURE_COLUMN = 0.7  # of the page width: the signer's lines are centred in its right part
    _SIGNATURE_GAP = 8.0  # mm between the statement and the line to sign on

    def _signer_lines(self, signature: Signature) -> list[str]:
        """ลงชื่อ …… role, (name or a dotted line), and the date, each wrapped to the signer's column."""
        self.set_font(FONT_FAMILY, "", _BODY_SIZE)
        inner = self.epw * self._SIGNATURE_COLUMN - 2 * self.c_margin
        name = signature.name or TEXTS.name_dots
        return [
            self.wrap(text, inner, _BODY_SIZE)
            for text in (f"{TEXTS.sign} {TEXTS.signature_dots} {signature.role}", f"({name})", signature.date)
        ]

    def signature_height(self, signature: Signature) -> float:
        """The height in mm of a signature block (see `signature`)."""
        statement = self.wrap(signature.statement, self.epw - 2 * self.c_margin, _BODY_SIZE)
        count = sum(text.count("\n") + 1 for text in (statement, *self._signer_lines(signature)))
        return count * _pt_to_mm(_BODY_SIZE) * _LINE + self._SIGNATURE_GAP

    def signature(self, signature: Signature) -> None:
        """A statement over the page width, then ลงชื่อ …… role, (name) and the date centred in the right
        part of the page; the block is kept together on one page."""
        if self.will_page_break(self.signature_height(signature) + 4):
            self.add_page()
        else:
            self.ln(4)
        self.paragraph(signature.statement)
        self.ln(self._SIGNATURE_GAP)
        column = self.epw * self._SIGNATURE_COLUMN
        for text in self._signer_lines(signature):
            self.set_x(self.l_margin + self.epw - column)
            self.multi_cell(
                column, _pt_to_mm(_BODY_SIZE) * _LINE, text, align=Align.C, new_x="LMARGIN", new_y="NEXT"
            )

    def grid(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        aligns: Sequence[Align],
        *,
        total: Sequence[tuple[str, int, Align]] = (),
        first_col_bold: bool = False,
        checks: int | None = None,
    ) -> None:
        """A bordered table over the page width, `widths` in proportion; `total` is a bold last row of (text,
        colspan, align) cells; column `checks` holds "1"/"0", drawn as a green ✔ / red ✘."""
        self.set_font(FONT_FAMILY, size=_TABLE_SIZE)
        self.set_text_color(*_INK)
        self.set_draw_color(138, 138, 138)
        pad_x = 1.5
        inner = [self.epw * w / sum(widths) - 2 * pad_x for w in widths]
        bold = FontFace(emphasis="BOLD")
        with self.table(
            col_widths=tuple(widths),
            width=self.epw,
            text_align=tuple(aligns),
            v_align=VAlign.T,
            line_height=_pt_to_mm(_TABLE_SIZE) * _LINE,
            padding=(0.8, pad_x),
            first_row_as_headings=headings is not None,
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
            cell_fill_color=_ZEBRA_FILL,
            cell_fill_mode=TableCellFillMode.EVEN_ROWS,
            repeat_headings=1,
        ) as table:
            if headings is not None:
                head = table.row()
                for index, text in enumerate(headings):
                    head.cell(self.wrap(text, inner[index], _TABLE_SIZE, bold=True), v_align=VAlign.M)
            for values in rows:
                row = table.row()
                for index, text in enumerate(values):
                    if index == checks:
                        passed = text == "1"
                        row.cell(
                            marks.CHECK if passed else marks.CROSS,
                            align=Align.C,
                            style=FontFace(family=marks.FAMILY, color=_PASS if passed else _FAIL),
                        )
                        continue
                    strong = first_col_bold and index == 0
                    row.cell(
                        self.wrap(text, inner[index], _TABLE_SIZE, bold=strong),
                        style=bold if strong else None,
                    )
            if total:
                total_row = table.row(style=FontFace(emphasis="BOLD", fill_color=_TOTAL_FILL))
                column = 0
                for text, colspan, align in total:
                    width = sum(inner[column : column + colspan]) + 2 * pad_x * (colspan - 1)
                    total_row.cell(
                        self.wrap(text, width, _TABLE_SIZE, bold=True), colspan=colspan, align=align
                    )
                    column += colspan
        self.ln(3)


def _cover(pdf: _BookPDF, view: View) -> None:
    pdf.add_page()
    frame = 8.0
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(pdf.l_margin - frame, pdf.t_margin, pdf.epw + 2 * frame, pdf.eph - 2)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin - frame + 1.6, pdf.t_margin + 1.6, pdf.epw + 2 * frame - 3.2, pdf.eph - 5.2)
    pdf.set_line_width(0.2)

    lines: list[tuple[str, float, bool, tuple[int, int, int]]] = [
        (TEXTS.book_kind, 30, True, _ACCENT),
        (view.cover_title, 20, True, _INK),
        ("", 10, False, _INK),
        *((line, 16, False, _INK) for line in view.cover_lines),
        ("", 12, False, _INK),
        *((f"{fact.label} {fact.value}", 14, False, _INK) for fact in view.cover_meta),
    ]
    inner = pdf.epw - 16
    heights: list[float] = []
    for text, size, bold, _ in lines:
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        if not text:
            heights.append(_pt_to_mm(size))
            continue
        wrapped = pdf.wrap(text, inner - 2 * pdf.c_margin, size, bold=bold)
        lines_needed = pdf.multi_cell(inner, 1, wrapped, dry_run=True, output="LINES")
        heights.append(len(cast(list[str], lines_needed)) * _pt_to_mm(size) * _LINE)
    pdf.set_y(max(pdf.t_margin + 20, (pdf.h - sum(heights)) / 2 - 15))
    for (text, size, bold, color), height in zip(lines, heights, strict=True):
        if not text:
            pdf.ln(height)
            continue
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.set_x(pdf.l_margin + 8)
        pdf.multi_cell(
            inner,
            _pt_to_mm(size) * _LINE,
            pdf.wrap(text, inner - 2 * pdf.c_margin, size, bold=bold),
            align=Align.C,
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if view.printed_at:
        pdf.set_font(FONT_FAMILY, size=10)
        pdf.set_text_color(*_MUTED)
        pdf.set_y(pdf.h - pdf.b_margin - 18)
        pdf.cell(0, 6, f"{TEXTS.printed_at} {view.printed_at}", align=Align.C)


def _content(pdf: _BookPDF, book: BookData, view: View) -> None:
    left, right, center = Align.L, Align.R, Align.C
    pdf.add_page()
    pdf.paragraph(view.cover_title, size=17, bold=True, color=_ACCENT)
    pdf.paragraph(f"{view.cover_lines[0]} {view.cover_lines[1]}", size=12.5)

    pdf.heading(TEXTS.profile, 2)
    pdf.grid(None, [(f.label, f.value) for f in view.profile], (2, 3), (left, left), first_col_bold=True)

    pdf.heading(TEXTS.committee, 2)
    if book.committee:
        pdf.grid(
            TEXTS.committee_columns,
            [(str(n), m.name, m.position, m.working_group_th) for n, m in enumerate(book.committee, start=1)],
            (8, 50, 46, 70),
            (center, left, left, left),
        )
    else:
        pdf.note(TEXTS.no_committee)

    pdf.heading(TEXTS.coverage, 2)
    pdf.grid(
        view.coverage_columns,
        [(row.label, row.count, row.share) for row in view.coverage],
        (76, 38, 60),
        (left, right, right),
    )
    pdf.grid(None, [(f.label, f.value) for f in view.process], (140, 34), (left, left), first_col_bold=True)

    pdf.heading(TEXTS.activities, 2)
    for group_view in view.groups:
        group = group_view.group
        pdf.heading(group_view.heading, 3, keep=40 if group.activities else 10)
        if not group.activities:
            pdf.note(TEXTS.no_activities)
            continue
        pdf.grid(
            TEXTS.activity_columns,
            [
                (
                    str(n),
                    activity.title,
                    activity.kind_th,
                    format_money(activity.budget),
                    activity.funding_source or DASH,
                    str(activity.fiscal_year) if activity.fiscal_year else DASH,
                    activity.status_th,
                )
                for n, activity in enumerate(group.activities, start=1)
            ],
            (7, 44, 21, 32, 27, 21, 22),
            (center, left, left, right, left, center, left),
            total=(
                (TEXTS.group_total, 3, right),
                (format_money(group.budget_total), 1, right),
                ("", 3, left),
            ),
        )

    pdf.heading(TEXTS.budget, 2)
    pdf.heading(TEXTS.budget_by_group, 3)
    pdf.grid(
        TEXTS.budget_group_columns,
        [
            (g.heading, format_count(len(g.group.activities)), format_money(g.group.budget_total))
            for g in view.groups
        ],
        (104, 30, 40),
        (left, right, right),
        total=(
            (TEXTS.grand_total, 1, left),
            (format_count(view.activity_count), 1, right),
            (format_money(book.budget_total), 1, right),
        ),
    )
    pdf.heading(TEXTS.budget_by_kind, 3)
    pdf.grid(
        TEXTS.budget_kind_columns,
        [(kind_th, format_money(amount)) for kind_th, amount in book.budget_by_kind.items()],
        (134, 40),
        (left, right),
        total=((TEXTS.grand_total, 1, left), (format_money(book.budget_total), 1, right)),
    )

    pdf.heading(TEXTS.assessments, 2)
    if not view.assessments:
        pdf.note(TEXTS.no_assessments)
    for assessment_view in view.assessments:
        assessment = assessment_view.assessment
        pdf.heading(assessment.title_th, 3, keep=45)
        pdf.note(assessment_view.meta)
        if assessment.indicators:
            pdf.grid(
                TEXTS.indicator_columns,
                [
                    (str(n), i.label_th, i.value, i.threshold, "1" if i.passed else "0")
                    for n, i in enumerate(assessment.indicators, start=1)
                ],
                (8, 94, 28, 28, 16),
                (center, left, right, right, center),
                checks=4,
            )
        else:
            pdf.note(TEXTS.no_indicators)
        pdf.paragraph(f"{TEXTS.summary}: {assessment.summary_th}", bold=True)
        pdf.ln(2)

    pdf.heading(TEXTS.approval, 2, keep=pdf.signature_height(view.signatures[0]) + 4)
    for signature in view.signatures:
        pdf.signature(signature)


def render_pdf(book: BookData) -> bytes:
    """The plan book as an A4 PDF: a cover page, then the sections with page numbers in the footer."""
    view = build_view(book)
    pdf = _BookPDF(view.footer)
    pdf.set_title(view.document_title)
    pdf.set_subject(TEXTS.book_kind)
    pdf.set_creator("Community Plans API")
    pdf.set_lang("th")
    if book.printed_at is not None:
        pdf.set_creation_date(book.printed_at)
    _cover(pdf, view)
    _content(pdf, book, view)
    return bytes(pdf.output())
