"""Input and output shapes of assessments and rubrics."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.assessments.rubrics import IndicatorResult, Rubric
from app.core.pagination import Page
from app.core.schemas import RequestModel


class AssessmentCreate(RequestModel):
    kind: Literal["quality", "standard"]
    # Any JSON value per key: the rubric checks each against its own range and names `scores.<key>`.
    scores: dict[str, Any] | None = Field(
        default=None,
        max_length=50,
        description="Standard only: a score per indicator key (or per item where the rubric has items). "
        "A quality assessment takes none: it is computed from the plan's data.",
        examples=[
            {
                "sufficiency_economy": 18,
                "participation": 17,
                "learning": 16,
                "plan_use": 15,
                "plan_structure": 18,
            }
        ],
    )


class AssessmentRead(BaseModel):
    id: int
    plan_id: int
    kind: Literal["quality", "standard"]
    rubric_id: str
    rubric_version: int
    indicators: list[IndicatorResult]
    passed_count: int
    grade: str | None = Field(description="Quality: A, B or C (default rubric)")
    total: int | None = Field(description="Standard: the sum of the scores")
    level: str | None = Field(description="Standard: excellent, good or not_certified (default rubric)")
    assessed_by: str
    created_at: dt.datetime


class AssessmentPage(Page[AssessmentRead]):
    pass


class RubricList(BaseModel):
    items: list[Rubric]
