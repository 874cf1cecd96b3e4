"""The caller of a request, required on every `/api/v1` route; the process's password hasher."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.passwords import Passwords
from app.auth.service import Actor
from app.core.errors import Unauthorized

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
    actor = await request.app.state.authenticator.authenticate(credentials.credentials)
    if actor is None:
        raise Unauthorized()
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def passwords(request: Request) -> Passwords:
    hasher: Passwords = request.app.state.passwords
    return hasher


PasswordsDep = Annotated[Passwords, Depends(passwords)]
