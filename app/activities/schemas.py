"""Input and output shapes of activities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from app.adoptions.schemas import AdoptionRead
from app.core.money import Money
from app.core.pagination import Page
from app.core.schemas import RequestModel, UpdateModel
from app.core.types import BuddhistYear, LongText, Name, Title
from app.plans.vocabulary import ActivityKind, ActivityStatus, WorkingGroup

Priority = Annotated[StrictInt, Field(ge=1, le=999, description="1 is the highest")]


class ActivityCreate(RequestModel):
    title: Title
    description: LongText | None = None
    working_group: WorkingGroup
    kind: ActivityKind
    budget: Money = Field(default=Decimal("0.00"), description='THB as a string, e.g. "15000.00"')
    funding_source: Name | None = None
    priority: Priority | None = None
    fiscal_year: BuddhistYear | None = Field(default=None, description="Thai fiscal year (พ.ศ.)")
    status: ActivityStatus = ActivityStatus.planned


class ActivityUpdate(UpdateModel):
    clearable = frozenset({"description", "funding_source", "priority", "fiscal_year"})

    title: Title | None = None
    description: LongText | None = None
    working_group: WorkingGroup | None = None
    kind: ActivityKind | None = None
    budget: Money | None = None
    funding_source: Name | None = None
    priority: Priority | None = None
    fiscal_year: BuddhistYear | None = None
    status: ActivityStatus | None = None


class ActivityRead(BaseModel):
    id: int
    plan_id: int
    village_code: str
    district_code: str
    province_code: str
    title: str
    description: str | None
    working_group: WorkingGroup
    kind: ActivityKind
    budget: Money
    funding_source: str | None
    priority: int | None
    fiscal_year: int | None
    status: ActivityStatus
    adoption: AdoptionRead | None = Field(description="The local government's adoption record, or null")
    upload_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class ActivityPage(Page[ActivityRead]):
    pass
