"""Roles and API keys (stored only as hashes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Integer, String
from sqlmodel import Field, SQLModel

from app.core.actor import Role
from app.core.db import UTCDateTime, utcnow

ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    role: str = Field(max_length=32)
    scope_code: str | None = Field(default=None, max_length=8)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_used_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    revoked_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


_user_version = Column("version", Integer, nullable=False)


class User(SQLModel, table=True):
    """A person who logs in with a password (argon2 hash only) and acts with one role and scope."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="role"),)
    __mapper_args__ = {"version_id_col": _user_version}

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    scope_code: str | None = Field(default=None, max_length=8)
    disabled: bool = False
    # Raised by a password change and by disabling; tokens carry the value they were issued under, and
    # stop working once it moves on.
    credentials_version: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_login_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = Field(default=1, sa_column=_user_version)
