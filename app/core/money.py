"""Money: THB with two decimal places, a string in JSON ("15000.00"), whole satang in the database."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

MAX_BAHT = Decimal("999999999999.99")
_CENT = Decimal("0.01")
_PATTERN = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")


def _parse(value: Any) -> Decimal:
    # Floats lose satang and a third decimal place is not money: from JSON only a string is accepted.
    # (A Decimal can only come from our own code, never from a parsed request body.)
    if isinstance(value, Decimal):
        return value.quantize(_CENT)
    if not isinstance(value, str):
        raise ValueError('must be a decimal string with at most 2 decimal places, like "15000.00"')
    if not _PATTERN.match(value):
        raise ValueError('must be a decimal string with at most 2 decimal places, like "15000.00"')
    return Decimal(value).quantize(_CENT)


Money = Annotated[
    Decimal,
    BeforeValidator(_parse),
    PlainSerializer(lambda d: money_text(d), return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$", "examples": ["15000.00"]}),
]


def money_text(amount: Decimal) -> str:
    """An amount as the API writes it: a decimal string with two places."""
    return f"{amount:.2f}"


def to_satang(amount: Decimal) -> int:
    return int(amount * 100)


def from_satang(satang: int) -> Decimal:
    return Decimal(satang).scaleb(-2)  # exact, and always two places: 150 → 1.50
