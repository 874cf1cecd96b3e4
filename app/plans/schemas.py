"""Input and output shapes of plans."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.core.pagination import Page
from app.core.schemas import RequestModel, UpdateModel
from app.core.types import BuddhistYear, Count, Title, VillageCode
from app.plans.vocabulary import PlanStatus

FileRef = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]+$")]


class PlanCreate(RequestModel):
    village_code: VillageCode
    year: BuddhistYear
    title: Title | None = Field(default=None, description="Defaults to แผนชุมชน <village> ปี <year>")
    households_total: Count | None = Field(default=None, description="Copied from the village when left out")
    households_contributing_data: Count = 0
    participating_households: Count = 0
    lgo_participated_from_start: bool = False
    sufficiency_economy_process: bool = False
    book_file_ref: FileRef | None = Field(
        default=None, description="Where a scanned or typed plan book is kept"
    )


class PlanUpdate(UpdateModel):
    clearable = frozenset({"book_file_ref"})

    title: Title | None = None
    households_total: Count | None = None
    households_contributing_data: Count | None = None
    participating_households: Count | None = None
    lgo_participated_from_start: bool | None = None
    sufficiency_economy_process: bool | None = None
    book_file_ref: FileRef | None = None


class RevisionCreate(RequestModel):
    year: BuddhistYear | None = Field(
        default=None,
        description="The same year for a new revision of this plan, or the next year for next year's plan; "
        "defaults to the same year",
    )


class PlanBook(BaseModel):
    href: str = Field(description="Where the book is rendered (HTML, or PDF with Accept: application/pdf)")
    produced_at: dt.datetime | None = Field(description="When the book was last rendered")
    file_ref: str | None


class PlanRead(BaseModel):
    id: int
    village_code: str
    subdistrict_code: str
    district_code: str
    province_code: str
    year: int
    revision: int
    title: str
    status: PlanStatus
    households_total: int
    households_contributing_data: int
    participating_households: int
    lgo_participated_from_start: bool
    sufficiency_economy_process: bool
    book: PlanBook
    previous_plan_id: int | None
    upload_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    allowed_actions: list[str] = Field(description="Workflow actions the caller may take now")


class PlanPage(Page[PlanRead]):
    pass
