"""Queries over lessons learned, always within the caller's reach, with text search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.core.actor import Actor
from app.core.pagination import PageParams
from app.lessons.models import Lesson
from app.reports.areas import placed_condition

lesson_table = Lesson.__table__  # type: ignore[attr-defined]


def visible(actor: Actor) -> ColumnElement[bool]:
    return placed_condition(actor, lesson_table)


async def get(
    session: AsyncSession, actor: Actor, lesson_id: int, *, for_update: bool = False
) -> Lesson | None:
    query = select(Lesson).where(col(Lesson.id) == lesson_id, visible(actor))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def _matches(term: str, words: list[str]) -> ColumnElement[bool]:
    whole = lesson_table.c.search_text.contains(term, autoescape=True)
    if len(words) < 2:
        return whole
    return or_(whole, and_(*[lesson_table.c.search_text.contains(w, autoescape=True) for w in words]))


async def list_page(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    filters: dict[str, Any],
    terms: list[tuple[str, list[str]]],
) -> list[Lesson]:
    conditions: list[ColumnElement[bool]] = [visible(actor)]
    for name in ("scope_level", "province_code", "district_code"):
        if filters.get(name) is not None:
            conditions.append(lesson_table.c[name] == filters[name])
    conditions += [_matches(term, words) for term, words in terms]
    if page.after:
        conditions.append(lesson_table.c.id < int(page.after[0]))
    query = select(Lesson).where(*conditions).order_by(lesson_table.c.id.desc()).limit(page.limit + 1)
    return list((await session.execute(query)).scalars().all())
