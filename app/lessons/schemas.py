"""Input and output shapes of lessons learned."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.core.pagination import Page
from app.core.schemas import RequestModel, UpdateModel
from app.core.types import LongText, Name, Title, Vocabulary


class ScopeLevel(Vocabulary):
    village = "village"
    subdistrict = "subdistrict"
    district = "district"
    province = "province"


def _no_surrounding_space(value: str) -> str:
    if value != value.strip():
        raise ValueError("must not begin or end with spaces")
    return value


Tag = Annotated[Name, StringConstraints(max_length=50), AfterValidator(_no_surrounding_space)]
Tags = Annotated[list[Tag], Field(max_length=20, description="Keywords, searched together with the text")]
Body = Annotated[LongText, StringConstraints(min_length=1)]
ScopeCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{2})?)?)?$"),
    Field(description="The code of the scope's area: 2 digits (province) to 8 (village)", examples=["8401"]),
]


class LessonCreate(RequestModel):
    title: Title = Field(examples=["ถอดบทเรียนการทำแผนชุมชนแบบมีส่วนร่วม"])
    body: Body
    scope_level: ScopeLevel
    scope_code: ScopeCode
    tags: Tags = Field(default_factory=list, examples=[["การมีส่วนร่วม", "เศรษฐกิจพอเพียง"]])


class LessonUpdate(UpdateModel):
    title: Title | None = None
    body: Body | None = None
    scope_level: ScopeLevel | None = None
    scope_code: ScopeCode | None = None
    tags: Tags | None = None


class LessonRead(BaseModel):
    id: int
    title: str
    body: str
    scope_level: ScopeLevel
    scope_code: str
    province_code: str
    district_code: str | None
    subdistrict_code: str | None
    village_code: str | None
    tags: list[str]
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class LessonPage(Page[LessonRead]):
    pass
