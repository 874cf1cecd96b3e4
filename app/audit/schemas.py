"""The audit log as the API shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from app.audit.recorder import AuditAction, AuditResource
from app.core.pagination import Page


class AuditActor(BaseModel):
    id: str = Field(description="`user:<id>` or `key:<id>`", examples=["user:7"])
    name: str = Field(description="The user's username or the API key's name")


class AuditChange(BaseModel):
    from_: Any = Field(alias="from", serialization_alias="from")
    to: Any

    model_config = {"populate_by_name": True}


class AuditEntryRead(BaseModel):
    id: int
    at: dt.datetime
    actor: AuditActor | None = Field(description="Null for the command line and for failed sign-ins")
    actor_role: str | None
    request_id: str | None = Field(description="The `X-Request-ID` of the request that made the change")
    action: AuditAction
    resource_type: AuditResource
    resource_id: str | None
    changes: dict[str, AuditChange] = Field(
        description="Each changed field: `from` (null for `create`) and `to` (null for `delete`). Personal "
        "values read `redacted:` and a keyed hash; secrets are never recorded."
    )


class AuditEntryPage(Page[AuditEntryRead]):
    pass
