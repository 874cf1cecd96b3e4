"""What the plan book (รูปเล่มแผนชุมชน) shows: gathered by the plans service, rendered by `app.book.html`
and `app.book.pdf`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class BookMember:
    name: str
    position: str
    working_group_th: str
    # Never filled from the database, nor printed: the book carries no phone numbers (PDPA).
    phone: str | None = None


@dataclass(frozen=True)
class BookActivity:
    title: str
    description: str | None
    kind: str  # ActivityKind value
    kind_th: str
    status_th: str
    budget: Decimal
    funding_source: str | None
    priority: int | None
    fiscal_year: int | None


@dataclass(frozen=True)
class BookWorkingGroup:
    key: str
    label_th: str
    activities: list[BookActivity]
    budget_total: Decimal


@dataclass(frozen=True)
class BookIndicator:
    label_th: str
    value: str  # already formatted for print, e.g. "75.00 %", "มี", "18 / 20"
    threshold: str
    passed: bool


@dataclass(frozen=True)
class BookAssessment:
    kind: str  # "quality" | "standard"
    title_th: str
    rubric: str  # e.g. "quality-2553 v1"
    assessed_at: dt.datetime
    indicators: list[BookIndicator]
    summary_th: str  # e.g. "ผ่าน 5 จาก 6 ตัวชี้วัด ระดับ B"


@dataclass(frozen=True)
class BookData:
    plan_id: int
    title: str
    year: int  # Buddhist era
    revision: int
    status_th: str
    village_code: str
    village_name: str
    moo: int
    subdistrict_name: str
    district_name: str
    province_name: str
    local_government_name: str | None
    households_total: int
    population: int
    households_contributing_data: int
    participating_households: int
    lgo_participated_from_start: bool
    sufficiency_economy_process: bool
    committee: list[BookMember]
    working_groups: list[BookWorkingGroup]  # the six, in the seed's order, each possibly empty
    budget_by_kind: dict[str, Decimal]  # kind_th -> total
    budget_total: Decimal
    assessments: list[BookAssessment] = field(default_factory=list)
    printed_at: dt.datetime | None = None
    # When the committee last sent this plan to the district (None while it is a draft or sent back), and when
    # the district approved it (None until then): the dates of the book's signature blocks.
    submitted_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
