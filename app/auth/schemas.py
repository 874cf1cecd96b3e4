"""Input and output shapes of users, API keys and tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.core.actor import Role
from app.core.pagination import Page
from app.core.schemas import PERSONAL_DATA, RequestModel, UpdateModel
from app.core.types import Name

ScopeCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}([0-9]{2}([0-9]{3,4})?)?$")]
Username = Annotated[str, StringConstraints(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")]
Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]

SCOPE_HELP = (
    "The code the role is bound to: a village (8 digits) for village_committee, a district (4) for "
    "district_officer, a local government (7) for lgo_planner, a province (2) for provincial_officer; "
    "none for admin."
)


class UserCreate(RequestModel):
    username: Username = Field(json_schema_extra=PERSONAL_DATA)
    password: Password
    role: Role
    scope_code: ScopeCode | None = Field(default=None, description=SCOPE_HELP)


class UserUpdate(UpdateModel):
    clearable = frozenset({"scope_code"})

    password: Password | None = None
    disabled: bool | None = None
    role: Role | None = None
    scope_code: ScopeCode | None = Field(default=None, description=SCOPE_HELP)


class UserRead(BaseModel):
    id: int
    username: str = Field(json_schema_extra=PERSONAL_DATA)
    role: Role
    scope_code: str | None
    disabled: bool
    locked_until: dt.datetime | None = Field(
        default=None,
        deprecated=True,
        description="Always null: accounts are no longer locked; sign-in is throttled instead",
    )
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class UserPage(Page[UserRead]):
    pass


class ApiKeyCreate(RequestModel):
    name: Name
    role: Role
    scope_code: ScopeCode | None = Field(default=None, description=SCOPE_HELP)


class ApiKeyRead(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to tell keys apart")
    role: Role
    scope_code: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself. Shown only in this answer; only its hash is kept.")


class ApiKeyPage(Page[ApiKeyRead]):
    pass


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
