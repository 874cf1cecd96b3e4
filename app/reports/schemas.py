"""Output shape of the progress report: an area's figures against the seed's targets, and the same figures
for each area one level below it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.core.money import Money
from app.reports.areas import AreaLevel


class AreaRef(BaseModel):
    level: AreaLevel
    code: str | None = Field(description="null for the whole country")
    name_th: str
    name_en: str


class Share(BaseModel):
    count: int
    of: int = Field(description="What the share is taken of: villages, or activities")
    percent: float | None = Field(description="count / of × 100, to 2 places; null when `of` is 0")
    target_percent: float | None = Field(description="The seed's target, where it sets one")
    met: bool | None = Field(description="Whether the target is met; null without a target or data")


class ActivityCounts(BaseModel):
    total: int = Field(description="Activities of the villages' plans for the year, cancelled ones left out")
    self_reliance: int
    joint: int
    external_support: int


class ForumFigures(BaseModel):
    held: int = Field(description="District forums held in the Thai fiscal year")
    target: int = Field(description="Two forums a year for each district of the area")
    met: bool = Field(description="Every district of the area held at least two")
    districts: int
    districts_meeting_target: int
    meeting_participation_target: int = Field(
        description="Forums with at least 20 support-team members and 35 village representatives"
    )


class ProgressRow(BaseModel):
    area: AreaRef
    villages: int
    plans_reviewed: Share = Field(description="Villages with a plan for the year (a new plan or a revision)")
    plans_assessed: Share = Field(description="Villages whose plan for the year has been assessed")
    quality_grade_a: Share = Field(description="Villages whose plan's newest quality assessment is grade A")
    certified: Share = Field(description="Villages whose plan for the year is certified")
    activities: ActivityCounts
    self_reliance: Share = Field(description="Self-reliance activities among all activities")
    completed_by_community: Share = Field(
        description="Self-reliance activities the community has completed, among all activities"
    )
    adopted: Share = Field(description="Activities adopted by a local government (อปท.)")
    adopted_budget: Money = Field(description="The budget local governments adopted them with (THB)")
    forums: ForumFigures | None = Field(description="null for a subdistrict: forums are held by districts")


class ProgressReport(BaseModel):
    year: int = Field(description="The plan year (พ.ศ.); forums are counted by the Thai fiscal year")
    area: AreaRef
    breakdown_level: AreaLevel = Field(description="The level of the areas in `breakdown`")
    totals: ProgressRow
    breakdown: list[ProgressRow]
