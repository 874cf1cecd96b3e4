"""Input and output shapes of district forums."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from app.core.pagination import Page
from app.core.schemas import RequestModel, UpdateModel
from app.core.types import MAX_ID, Count, Date, DistrictCode, LongText, Title

PlanId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
PlanIds = Annotated[
    list[PlanId],
    Field(max_length=500, description="Plans the forum proposes to the province for standard certification"),
]

# The seed's target group of a forum.
SUPPORT_TEAM_TARGET = 20
VILLAGE_REPRESENTATIVE_TARGET = 35


class ForumCreate(RequestModel):
    district_code: DistrictCode = Field(examples=["8401"])
    date: Date = Field(description="When the forum was (or will be) held; at most a year ahead")
    title: Title = Field(examples=["เวทีประชาคมอำเภอ ครั้งที่ 1/2569"])
    agenda: LongText | None = None
    support_team_count: Count = Field(
        default=0, description=f"Support-team members who took part (target {SUPPORT_TEAM_TARGET})"
    )
    village_representative_count: Count = Field(
        default=0,
        description=f"Village representatives who took part (target {VILLAGE_REPRESENTATIVE_TARGET})",
    )
    outcomes: LongText | None = None
    plan_ids: PlanIds = Field(default_factory=list)


class ForumUpdate(UpdateModel):
    clearable = frozenset({"agenda", "outcomes"})

    district_code: DistrictCode | None = None
    date: Date | None = None
    title: Title | None = None
    agenda: LongText | None = None
    support_team_count: Count | None = None
    village_representative_count: Count | None = None
    outcomes: LongText | None = None
    plan_ids: PlanIds | None = Field(default=None, description="Replaces the forum's list of plans")


class PlanLink(BaseModel):
    id: int
    href: str


class ForumRead(BaseModel):
    id: int
    district_code: str
    province_code: str
    date: dt.date
    fiscal_year: int = Field(description="The Thai fiscal year (พ.ศ.) the date falls in")
    title: str
    agenda: str | None
    support_team_count: int
    village_representative_count: int
    meets_participation_target: bool = Field(
        description=f"At least {SUPPORT_TEAM_TARGET} support-team members and "
        f"{VILLAGE_REPRESENTATIVE_TARGET} village representatives took part"
    )
    outcomes: str | None
    plan_ids: list[int]
    plans: list[PlanLink]
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ForumPage(Page[ForumRead]):
    pass
