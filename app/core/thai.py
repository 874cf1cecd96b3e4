"""Thai dates, written one way everywhere: Thai time, the Buddhist era (พ.ศ.) and Thai month names
(pythainlp's `thai_strftime`: `%B` is the month's Thai name, `%Y` the Buddhist-era year)."""

from __future__ import annotations

import datetime as dt

from pythainlp.util import thai_strftime

BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")
BUDDHIST_ERA_OFFSET = 543


def in_thai_time(moment: dt.datetime) -> dt.datetime:
    """An aware datetime in Thai time; a naive one as it is."""
    return moment.astimezone(BANGKOK) if moment.tzinfo is not None else moment


def thai_format(moment: dt.datetime, fmt: str) -> str:
    """`moment` (in Thai time) written by `fmt`: `thai_format(at, "%-d %B %Y")` is `20 กุมภาพันธ์ 2569`."""
    return thai_strftime(in_thai_time(moment), fmt)


def thai_date(moment: dt.datetime) -> str:
    """`20 กุมภาพันธ์ 2569`: the day, the Thai month and the Buddhist-era year, in Thai time."""
    return thai_format(moment, "%-d %B %Y")


def buddhist_year(year: int) -> int:
    """A year of the common era in the Buddhist era: 2026 is 2569."""
    return year + BUDDHIST_ERA_OFFSET


def current_year() -> int:
    """This year in the Buddhist era, in Thailand."""
    return buddhist_year(dt.datetime.now(BANGKOK).year)


def fiscal_year_of(day: dt.date) -> int:
    """The Thai fiscal year (พ.ศ.) of a day: FY 2569 runs from 1 October 2025 to 30 September 2026."""
    return buddhist_year(day.year) + (1 if day.month >= 10 else 0)


def today() -> dt.date:
    """Today in Thailand."""
    return dt.datetime.now(BANGKOK).date()
