"""Input and output shapes of the workflow."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.core.pagination import Page
from app.core.schemas import RequestModel
from app.workflow.table import Action

Comment = Annotated[str, StringConstraints(max_length=2000)]


class TransitionCreate(RequestModel):
    action: Action
    comment: Comment | None = Field(default=None, description="Required for return and reject_certification")


class TransitionRead(BaseModel):
    id: int
    plan_id: int
    action: str
    from_status: str
    to_status: str
    actor: str
    actor_name: str
    actor_role: str
    comment: str | None
    created_at: dt.datetime


class TransitionPage(Page[TransitionRead]):
    pass
