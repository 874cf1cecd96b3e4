"""Rubrics as versioned data (JSON files beside this module) and the engine that scores against them.

The engine knows only measure types (`share`, `flag`, `all_shares` for quality; scored indicators with
optional items for the standard); which facts, thresholds, grades and levels apply is the rubric's data.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from app.core.errors import FieldIssue, Invalid


class SharePart(BaseModel):
    key: str
    label_th: str
    numerator: str
    denominator: str
    threshold_percent: int


class QualityIndicatorDef(BaseModel):
    key: str
    label: str
    label_th: str
    measure: Literal["share", "flag", "all_shares"]
    numerator: str | None = None
    denominator: str | None = None
    threshold_percent: int | None = None
    fact: str | None = None
    parts: list[SharePart] | None = None


class GradeDef(BaseModel):
    grade: str
    min_passed: int


class QualityRubric(BaseModel):
    id: str
    kind: Literal["quality"]
    version: int
    title: str
    title_th: str
    indicators: list[QualityIndicatorDef]
    grades: list[GradeDef]


class StandardItemDef(BaseModel):
    key: str
    label_th: str | None = None
    max: int


class StandardIndicatorDef(BaseModel):
    key: str
    label: str
    label_th: str
    max: int
    items: list[StandardItemDef] | None = None


class LevelDef(BaseModel):
    level: str
    label_th: str
    min_total: int
    certified: bool


class StandardRubric(BaseModel):
    id: str
    kind: Literal["standard"]
    version: int
    title: str
    title_th: str
    pass_percent: int
    indicators: list[StandardIndicatorDef]
    levels: list[LevelDef]


Rubric = Annotated[QualityRubric | StandardRubric, Field(discriminator="kind")]


class IndicatorPart(BaseModel):
    key: str
    label_th: str
    value: float | None = Field(description="Percent, or null when there is nothing to divide by")
    threshold: float
    passed: bool


class IndicatorResult(BaseModel):
    key: str
    label: str
    label_th: str
    value: float | bool | int | None
    threshold: float | bool | None = None
    max: int | None = None
    passed: bool
    parts: list[IndicatorPart] | None = None


@cache
def rubrics() -> dict[str, QualityRubric | StandardRubric]:
    found: dict[str, QualityRubric | StandardRubric] = {}
    for entry in files("app.assessments").joinpath("rubrics").iterdir():
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            rubric: QualityRubric | StandardRubric = (
                QualityRubric.model_validate(data)
                if data["kind"] == "quality"
                else StandardRubric.model_validate(data)
            )
            found[rubric.id] = rubric
    return found


def current(kind: str) -> QualityRubric | StandardRubric:
    """The rubric in force for a kind: the one with the highest version."""
    candidates = [r for r in rubrics().values() if r.kind == kind]
    return max(candidates, key=lambda r: r.version)


def _share(numerator: int, denominator: int, threshold: int) -> tuple[float | None, bool]:
    if denominator <= 0:
        return None, False
    # Compared in integers: 7 of 10 households is exactly 70 %, with no float rounding at the edge.
    return round(numerator * 100 / denominator, 2), numerator * 100 >= threshold * denominator


def score_quality(rubric: QualityRubric, facts: dict[str, Any]) -> tuple[list[IndicatorResult], int, str]:
    results: list[IndicatorResult] = []
    for ind in rubric.indicators:
        base = {"key": ind.key, "label": ind.label, "label_th": ind.label_th}
        if ind.measure == "flag":
            value = bool(facts[ind.fact or ind.key])
            results.append(IndicatorResult(**base, value=value, threshold=True, passed=value))
        elif ind.measure == "share":
            threshold = ind.threshold_percent or 0
            share, passed = _share(facts[ind.numerator or ""], facts[ind.denominator or ""], threshold)
            results.append(IndicatorResult(**base, value=share, threshold=threshold, passed=passed))
        else:
            parts = []
            for part in ind.parts or []:
                share, passed = _share(facts[part.numerator], facts[part.denominator], part.threshold_percent)
                parts.append(
                    IndicatorPart(
                        key=part.key,
                        label_th=part.label_th,
                        value=share,
                        threshold=part.threshold_percent,
                        passed=passed,
                    )
                )
            results.append(
                IndicatorResult(
                    **base,
                    value=parts[0].value if parts else None,
                    threshold=parts[0].threshold if parts else None,
                    passed=bool(parts) and all(p.passed for p in parts),
                    parts=parts,
                )
            )
    passed_count = sum(r.passed for r in results)
    grade = next(
        g.grade for g in sorted(rubric.grades, key=lambda g: -g.min_passed) if passed_count >= g.min_passed
    )
    return results, passed_count, grade


def score_standard(
    rubric: StandardRubric, scores: dict[str, Any]
) -> tuple[list[IndicatorResult], int, int, LevelDef]:
    """Scores checked against the rubric's ranges (422 naming each bad field), then totalled and levelled."""
    issues: list[FieldIssue] = []
    known = {ind.key for ind in rubric.indicators}
    for key in scores:
        if key not in known:
            issues.append(FieldIssue(f"scores.{key}", "field.unknown_indicator", key=key))
    results: list[IndicatorResult] = []
    for ind in rubric.indicators:
        field = f"scores.{ind.key}"
        given = scores.get(ind.key)
        if given is None:
            issues.append(FieldIssue(field, "field.score_missing"))
            continue
        if ind.items:
            if not isinstance(given, dict):
                issues.append(FieldIssue(field, "field.score_items_expected"))
                continue
            value = 0
            item_keys = {item.key for item in ind.items}
            issues += [
                FieldIssue(f"{field}.{k}", "field.unknown_indicator", key=k)
                for k in given
                if k not in item_keys
            ]
            for item in ind.items:
                item_score = given.get(item.key)
                if (
                    not isinstance(item_score, int)
                    or isinstance(item_score, bool)
                    or not 0 <= item_score <= item.max
                ):
                    issues.append(FieldIssue(f"{field}.{item.key}", "field.score_range", max=item.max))
                else:
                    value += item_score
        else:
            if not isinstance(given, int) or isinstance(given, bool) or not 0 <= given <= ind.max:
                issues.append(FieldIssue(field, "field.score_range", max=ind.max))
                continue
            value = given
        results.append(
            IndicatorResult(
                key=ind.key,
                label=ind.label,
                label_th=ind.label_th,
                value=value,
                max=ind.max,
                passed=value * 100 >= rubric.pass_percent * ind.max,
            )
        )
    if issues:
        raise Invalid(*issues)
    total = sum(int(r.value or 0) for r in results)
    level = next(lv for lv in sorted(rubric.levels, key=lambda lv: -lv.min_total) if total >= lv.min_total)
    return results, sum(r.passed for r in results), total, level
