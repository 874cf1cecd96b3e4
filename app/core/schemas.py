"""The base classes of request bodies (and bulk rows): strict types, and PATCH bodies whose OpenAPI schema
says what the server accepts."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema


class RequestModel(BaseModel):
    """A JSON request body or a bulk row. Strict: a value must already have its field's type, so no number
    becomes a date, no 0 or 1 a boolean, no boolean or "12" a number, no 1.0 an integer. JSON has no enums
    and no dates: those arrive as text, which `app.core.types.Vocabulary`, `Date` and `Instant` read (FastAPI
    validates the parsed body as Python, where strict mode would refuse text for them). Money is a decimal
    string (`app.core.money`)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class UpdateModel(RequestModel):
    """A PATCH body: every field optional, a field left out is left alone. `null` is accepted only by the
    fields named in `clearable` (it clears them); any other field refuses it, and the OpenAPI schema says so
    (optional, not nullable), so generated clients do not offer a null the server would refuse.

    Fields are typed `X | None = None` all the same: in Python, None stands for "not given"."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        unknown = cls.clearable - set(cls.model_fields)
        if unknown:
            raise TypeError(f"{cls.__name__}.clearable names no field: {sorted(unknown)}")

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.clearable:
            raise PydanticCustomError("not_null", "Must not be null.")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        for name, prop in target.get("properties", {}).items():
            if name not in cls.clearable:
                _not_nullable(prop)
        return json_schema


def _not_nullable(prop: dict[str, Any]) -> None:
    """Drop `null` from an optional property's schema (`anyOf: [X, null]` becomes X) and its `null`
    default: leaving the field out is how a client says "no change"."""
    if prop.get("default", ...) is None:
        del prop["default"]
    branches = prop.get("anyOf")
    if branches is None:
        return
    kept = [b for b in branches if b != {"type": "null"}]
    if len(kept) == 1:
        del prop["anyOf"]
        for key, value in kept[0].items():
            prop.setdefault(key, value)
    else:
        prop["anyOf"] = kept


# Marks a field as personal data (PDPA B.E. 2562) in the OpenAPI document: `x-personal-data: true`.
PERSONAL_DATA: dict[str, Any] = {"x-personal-data": True}
