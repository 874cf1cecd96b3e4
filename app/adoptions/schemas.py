"""Input and output shapes of adoptions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.core.money import Money
from app.core.schemas import RequestModel
from app.core.types import BuddhistYear, LocalGovernmentCode

ProjectRef = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class AdoptionPut(RequestModel):
    local_government_code: LocalGovernmentCode
    fiscal_year: BuddhistYear = Field(description="The local government's fiscal year (พ.ศ.)")
    budget: Money
    lgo_project_ref: ProjectRef | None = Field(
        default=None, description="The project's number in the local plan"
    )


class AdoptionRead(BaseModel):
    local_government_code: str
    fiscal_year: int
    budget: Money
    lgo_project_ref: str | None
    adopted_by: str
    adopted_at: dt.datetime
    updated_at: dt.datetime
