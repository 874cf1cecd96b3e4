"""The progress report as CSV for spreadsheets: one row for the area, then one for each area below it.

UTF-8 with a byte-order mark, so that Excel set to Thai reads it as UTF-8 rather than Windows-874; any cell
that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, so a spreadsheet
shows it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import io

from app.reports.schemas import ProgressReport, ProgressRow, Share

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHARES = (
    "plans_reviewed",
    "plans_assessed",
    "quality_grade_a",
    "certified",
    "self_reliance",
    "completed_by_community",
    "adopted",
)
HEADER = [
    "year",
    "level",
    "code",
    "name_th",
    "name_en",
    "villages",
    *[f"{name}{suffix}" for name in SHARES for suffix in ("", "_percent", "_target_percent", "_met")],
    "activities",
    "activities_self_reliance",
    "activities_joint",
    "activities_external_support",
    "adopted_budget",
    "forums_held",
    "forums_target",
    "forums_met",
    "forums_districts",
    "forums_districts_meeting_target",
    "forums_meeting_participation_target",
]


def safe_cell(value: object) -> str:
    """A cell's text, defused when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _percent(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _share_cells(s: Share) -> list[object]:
    return [s.count, _percent(s.percent), _percent(s.target_percent), s.met]


def _cells(year: int, row: ProgressRow) -> list[object]:
    f = row.forums
    return [
        year,
        row.area.level.value,
        row.area.code,
        row.area.name_th,
        row.area.name_en,
        row.villages,
        *[cell for name in SHARES for cell in _share_cells(getattr(row, name))],
        row.activities.total,
        row.activities.self_reliance,
        row.activities.joint,
        row.activities.external_support,
        f"{row.adopted_budget:.2f}",
        *(
            [f.held, f.target, f.met, f.districts, f.districts_meeting_target, f.meeting_participation_target]
            if f is not None
            else [None] * 6
        ),
    ]


def to_csv(report: ProgressReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in [report.totals, *report.breakdown]:
        writer.writerow([safe_cell(c) for c in _cells(report.year, row)])
    return BOM + out.getvalue()
