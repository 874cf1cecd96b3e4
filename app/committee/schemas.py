"""Input and output shapes of village committee members."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.core.pagination import Page
from app.core.schemas import PERSONAL_DATA, RequestModel, UpdateModel
from app.core.types import Name
from app.plans.vocabulary import WorkingGroup

Phone = Annotated[str, StringConstraints(min_length=3, max_length=30, pattern=r"^[0-9+\-() ]+$")]


class MemberCreate(RequestModel):
    name: Name = Field(json_schema_extra=PERSONAL_DATA)
    position: Name = Field(examples=["ประธานคณะทำงาน"])
    working_group: WorkingGroup
    phone: Phone | None = Field(default=None, json_schema_extra=PERSONAL_DATA)


class MemberUpdate(UpdateModel):
    clearable = frozenset({"phone"})

    name: Name | None = Field(default=None, json_schema_extra=PERSONAL_DATA)
    position: Name | None = None
    working_group: WorkingGroup | None = None
    phone: Phone | None = Field(default=None, json_schema_extra=PERSONAL_DATA)


class MemberRead(BaseModel):
    id: int
    village_code: str
    name: str = Field(json_schema_extra=PERSONAL_DATA)
    position: str
    working_group: WorkingGroup
    working_group_th: str
    phone: str | None = Field(
        json_schema_extra=PERSONAL_DATA,
        description="In full for the village's committee, its district officer and admins; for other "
        "roles masked but for the last 3 digits (`xxx-xxx-x678`)",
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class MemberPage(Page[MemberRead]):
    pass
