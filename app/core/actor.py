"""Who is calling: the roles, the `Actor` of a request and the `CurrentActor` dependency every `/api/v1`
route resolves. A leaf of `core/`, so that core and every domain can know the caller without knowing how
credentials are checked: `app.auth` does that, as `app.state.authenticator` (set by `create_app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.errors import Unauthorized
from app.core.types import Vocabulary


class Role(Vocabulary):
    admin = "admin"
    village_committee = "village_committee"
    district_officer = "district_officer"
    lgo_planner = "lgo_planner"
    provincial_officer = "provincial_officer"


@dataclass(frozen=True)
class Actor:
    """Who is calling: the principal's id, role and scope code (None for admin)."""

    principal: str
    name: str
    role: Role
    scope_code: str | None


class Authenticates(Protocol):
    """What `app.state.authenticator` does: the actor behind a bearer credential, or None."""

    async def authenticate(self, credential: str) -> Actor | None: ...


bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`cpk_…`) or a user token, as `Authorization: Bearer …`.",
)


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    authenticator: Authenticates = request.app.state.authenticator
    actor = await authenticator.authenticate(credentials.credentials)
    if actor is None:
        raise Unauthorized()
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
