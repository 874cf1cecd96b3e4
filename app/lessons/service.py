"""Rules for lessons learned (ถอดบทเรียน): a scope that names a real area, written only inside the caller's
own area, read also from the areas that contain it; and text search.

Who reaches what (reads are filtered in the queries; a lesson out of reach answers 404):
- admin: every lesson; writes anywhere.
- provincial_officer: lessons in its province; writes there at any level.
- district_officer: lessons in its district, and its province's province-level lessons; writes in its district
  (district, tambon or village level). A visible province-level lesson is read-only for it (403).
- village_committee: its village's lessons, and those of its tambon, district and province; writes
  village-level lessons of its own village.
- lgo_planner: reads lessons of the tambons it covers (its whole province when it lists none) and of their
  districts and province; does not write.

Search (`?q=`): each space-separated term must occur in the title, body or tags, compared NFC-normalised,
Thai-normalised (pythainlp) and case-folded, so Latin letters match in any case. A Thai term also matches
when all the words it is made of occur (cut with pythainlp's dictionary tokenizer): `ปลูกผัก` finds
"ผักที่ชาวบ้านปลูก".
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pythainlp.tokenize import word_tokenize
from pythainlp.util import normalize as thai_normalize
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.core.db import utcnow
from app.core.errors import FieldIssue, Forbidden, Invalid, NotFound
from app.core.etag import check_if_match, etag_of
from app.core.pagination import PageParams
from app.lessons import repository
from app.lessons.models import Lesson
from app.lessons.schemas import LessonCreate, LessonPage, LessonRead, LessonUpdate, ScopeLevel
from app.reports import areas
from app.reports.areas import CODE_LENGTH, LEVEL_TH, AreaLevel

RESOURCE = "Lesson"
MAX_TERMS = 10


def fold(text: str) -> str:
    """Text as search compares it."""
    return thai_normalize(unicodedata.normalize("NFC", text)).casefold()


def search_text(title: str, body: str, tags: list[str]) -> str:
    return fold("\n".join([title, body, *tags]))


def search_terms(q: str | None) -> list[tuple[str, list[str]]]:
    """Each term of a query with the words it is made of."""
    if not q:
        return []
    terms: list[tuple[str, list[str]]] = []
    for term in fold(q).split()[:MAX_TERMS]:
        words = [w for w in word_tokenize(term, engine="newmm", keep_whitespace=False) if w.strip()]
        terms.append((term, words))
    return terms


def read(lesson: Lesson) -> LessonRead:
    return LessonRead.model_validate(lesson.model_dump())


async def _placement(session: AsyncSession, level: ScopeLevel, code: str) -> dict[str, str | None]:
    """The area columns of a lesson placed at `level`/`code`, or 422 when there is no such area."""
    area_level = AreaLevel(level.value)
    length = CODE_LENGTH[area_level]
    th = LEVEL_TH[area_level]
    if len(code) != length:
        raise Invalid(
            FieldIssue("scope_code", "field.scope_code_level", level=level.value, level_th=th, length=length)
        )
    if await areas.find(session, area_level, code) is None:
        raise Invalid(
            FieldIssue("scope_code", "field.unknown_area", level=level.value, level_th=th, code=code)
        )
    codes = areas.ancestor_codes(area_level, code)
    return {column: codes.get(lvl) for lvl, column in areas.CODE_COLUMN.items()}


def _check_writable(actor: Actor, placement: dict[str, str | None], code: str) -> None:
    codes = {lvl: value for lvl, column in areas.CODE_COLUMN.items() if (value := placement[column])}
    if not areas.values_within(actor, codes):
        raise Forbidden("detail.outside_scope", code=code)


def _duplicate_tags(tags: list[str]) -> list[FieldIssue]:
    seen: set[str] = set()
    issues: list[FieldIssue] = []
    for i, tag in enumerate(tags):
        key = fold(tag)
        if key in seen:
            issues.append(FieldIssue(f"tags.{i}", "field.duplicate", value=tag))
        seen.add(key)
    return issues


async def create(session: AsyncSession, actor: Actor, data: LessonCreate) -> tuple[LessonRead, str]:
    placement = await _placement(session, data.scope_level, data.scope_code)
    _check_writable(actor, placement, data.scope_code)
    issues = _duplicate_tags(data.tags)
    if issues:
        raise Invalid(*issues)
    lesson = Lesson(
        title=data.title,
        body=data.body,
        scope_level=data.scope_level.value,
        scope_code=data.scope_code,
        tags=list(data.tags),
        search_text=search_text(data.title, data.body, data.tags),
        created_by=actor.principal,
        province_code=str(placement["province_code"]),
        district_code=placement["district_code"],
        subdistrict_code=placement["subdistrict_code"],
        village_code=placement["village_code"],
    )
    session.add(lesson)
    await session.flush()
    return read(lesson), etag_of(lesson)


async def get(session: AsyncSession, actor: Actor, lesson_id: int) -> tuple[LessonRead, str]:
    lesson = await repository.get(session, actor, lesson_id)
    if lesson is None:
        raise NotFound(RESOURCE, lesson_id)
    return read(lesson), etag_of(lesson)


async def update(
    session: AsyncSession, actor: Actor, lesson_id: int, data: LessonUpdate, if_match: str | None
) -> tuple[LessonRead, str]:
    lesson = await repository.get(session, actor, lesson_id, for_update=True)
    if lesson is None:
        raise NotFound(RESOURCE, lesson_id)
    current = {column: getattr(lesson, column) for column in areas.CODE_COLUMN.values()}
    _check_writable(actor, current, lesson.scope_code)
    check_if_match(if_match, lesson)
    issues = _duplicate_tags(data.tags) if data.tags is not None else []
    if issues:
        raise Invalid(*issues)
    level = data.scope_level or ScopeLevel(lesson.scope_level)
    code = data.scope_code or lesson.scope_code
    if (level.value, code) != (lesson.scope_level, lesson.scope_code):
        placement = await _placement(session, level, code)
        _check_writable(actor, placement, code)
        for column, value in placement.items():
            setattr(lesson, column, value)
        lesson.scope_level, lesson.scope_code = level.value, code
    if data.title is not None:
        lesson.title = data.title
    if data.body is not None:
        lesson.body = data.body
    if data.tags is not None:
        lesson.tags = list(data.tags)  # a new list: JSON columns do not see changes in place
    lesson.search_text = search_text(lesson.title, lesson.body, lesson.tags)
    lesson.updated_at = utcnow()
    await session.flush()
    return read(lesson), etag_of(lesson)


async def list_page(
    session: AsyncSession, actor: Actor, page: PageParams, q: str | None, **filters: Any
) -> LessonPage:
    lessons = await repository.list_page(session, actor, page, filters, search_terms(q))
    return LessonPage(
        items=[read(lesson) for lesson in lessons[: page.limit]],
        next_cursor=page.next_cursor(lessons, lambda lesson: (lesson.id,)),
    )
