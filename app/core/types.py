"""Field types shared by the schemas: safe text, DOPA/DLA codes, strict counts."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, Any, cast

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    Strict,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError, core_schema

# C0 and C1 control characters; multi-line text allows tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean_text(value: str) -> str:
    # Control characters and lone surrogates cannot be stored (PostgreSQL refuses NUL, UTF-8 refuses
    # surrogates); refusing them here keeps them from ever reaching the database as a 500.
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_clean_text)]

ProvinceCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
DistrictCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
SubdistrictCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
VillageCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]
LocalGovernmentCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{7}$")]


def _utc_instant(value: dt.datetime) -> dt.datetime:
    # A time without an offset is taken as UTC; one at the edge of the calendar (year 1 at +14:00) has no UTC
    # equivalent, and was a 500 when the database layer converted it.
    try:
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("is outside the range of dates that can be stored") from None


class Vocabulary(enum.StrEnum):
    """A closed list of words, carried as text in JSON, CSV and query strings. Text is read as the member it
    names even in strict request bodies (`app.core.schemas.RequestModel`): JSON has no enums."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return cast(core_schema.CoreSchema, {**handler(source), "strict": False})


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _calendar_text(kind: str) -> Any:
    def check(value: Any) -> Any:
        # pydantic reads a number, or a string of digits, as seconds since 1970 ("date": 0 was 1970-01-01):
        # a date or time must be ISO 8601 text. (A date object only comes from our own code.)
        if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
            return value
        raise PydanticCustomError(
            f"{kind}_type", "Input should be a valid {kind} in ISO 8601 form", {"kind": kind}
        )

    return BeforeValidator(check)


# A calendar date, "2026-03-01".
Date = Annotated[dt.date, Strict(False), _calendar_text("date")]

# A point in time given by a caller (a filter, a replay start): aware, in UTC.
Instant = Annotated[dt.datetime, Strict(False), _calendar_text("datetime"), AfterValidator(_utc_instant)]

# Row ids are PostgreSQL `integer` columns: a larger id could never exist, and the driver refuses to even
# send it (which was a 500), so it is refused as invalid input.
MAX_ID = 2**31 - 1

Count = Annotated[StrictInt, Field(ge=0, le=100_000_000)]

# Buddhist-era years: 2500 BE = 1957 CE; 2700 BE is far enough ahead for any plan.
BuddhistYear = Annotated[
    StrictInt, Field(ge=2500, le=2700, description="Buddhist-era year (พ.ศ.)", examples=[2569])
]

LongText = Annotated[str, StringConstraints(max_length=5000), AfterValidator(lambda v: _clean_long_text(v))]


def _clean_long_text(value: str) -> str:
    # Multi-line text keeps newlines and tabs; other control characters are refused as in names.
    if _CONTROL_BUT_LINES.search(value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


Title = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_clean_text)]

# In a query string every value is text: the year is parsed, but still bounded.
YearQuery = Annotated[int, Field(ge=2500, le=2700, description="Buddhist-era year (พ.ศ.)")]
