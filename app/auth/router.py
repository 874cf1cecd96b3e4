"""Logging in, users and API keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.access import access, public
from app.auth.models import Role
from app.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    Token,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from app.core.errors import Unauthorized, problem_responses, render
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.secrets import app_secret
from app.core.types import MAX_ID
from app.core.uow import SessionDep

TOKEN_LIFETIME = dt.timedelta(minutes=30)

login_router = api_router("auth", authenticated=False)
router = api_router("auth")

ADMIN = (Role.admin,)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@login_router.post(
    "/auth/token",
    response_model=Token,
    dependencies=[public("auth.token")],
    summary="Log in with a username and password (OAuth2 password form)",
)
async def auth_token(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token | Response:
    """Signs a user in with the OAuth2 password form (`username`, `password`) and answers a bearer token valid
    for 30 minutes, to send as `Authorization: Bearer …`.
    """
    user = await service.login(session, form.username, form.password)
    if user is None or user.id is None:
        # Answered, not raised: the count of failed attempts must be committed.
        return render(request, Unauthorized())
    secret = await app_secret(request.app)
    token = request.app.state.authenticator.issue_token(secret, user.id, TOKEN_LIFETIME)
    return Token(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()))


@router.post(
    "/users",
    response_model=UserRead,
    status_code=201,
    dependencies=[access("users.create", *ADMIN), IdempotencyDep],
    responses=problem_responses(409),
    summary="Create a user",
)
async def users_create(session: SessionDep, body: UserCreate, response: Response) -> UserRead:
    """Creates a user with a password (kept only as an argon2 hash), a role and the scope its role needs."""
    user, etag = await service.create_user(session, body)
    set_etag(response, etag)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return user


@router.get(
    "/users", response_model=UserPage, dependencies=[access("users.list", *ADMIN)], summary="List users"
)
async def users_list(session: SessionDep, page: PageDep) -> UserPage:
    """Lists the users with their roles, scopes, whether they are disabled and when they last signed in."""
    return await service.list_users(session, page)


@router.get(
    "/users/{user_id}",
    response_model=UserRead,
    dependencies=[access("users.read", *ADMIN)],
    responses=problem_responses(404),
    summary="Get a user",
)
async def users_get(session: SessionDep, user_id: IdPath, response: Response) -> UserRead:
    """Returns one user (never the password) with its `ETag`."""
    user, etag = await service.get_user(session, user_id)
    set_etag(response, etag)
    return user


@router.patch(
    "/users/{user_id}",
    response_model=UserRead,
    dependencies=[access("users.update", *ADMIN)],
    responses=problem_responses(404, 412),
    summary="Change a user's password, role or scope, or disable it",
)
async def users_update(
    request: Request,
    session: SessionDep,
    user_id: IdPath,
    body: UserUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> UserRead:
    """Changes a user's password, role or scope, or disables the user; the change applies to the user's next
    request.
    """
    user, etag = await service.update_user(session, user_id, body, if_match)
    request.app.state.authenticator.forget_user(user_id)
    set_etag(response, etag)
    return user


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    # No Idempotency-Key here: replaying the answer would mean keeping the plain key, which is never stored.
    dependencies=[access("api_keys.create", *ADMIN)],
    summary="Create an API key (the key is in this answer only)",
)
async def api_keys_create(session: SessionDep, body: ApiKeyCreate, response: Response) -> ApiKeyCreated:
    """Creates an API key for a machine client, with a role and scope. The key itself (`cpk_…`) is in this
    answer only: just its hash is kept.
    """
    created = await service.issue_api_key(session, body)
    response.headers["Location"] = f"/api/v1/api-keys/{created.id}"
    return created


@router.get(
    "/api-keys",
    response_model=ApiKeyPage,
    dependencies=[access("api_keys.list", *ADMIN)],
    summary="List API keys",
)
async def api_keys_list(session: SessionDep, page: PageDep) -> ApiKeyPage:
    """Lists the API keys by name, prefix, role and scope, with when each was last used or revoked."""
    return await service.list_api_keys(session, page)


@router.delete(
    "/api-keys/{key_id}",
    status_code=204,
    dependencies=[access("api_keys.revoke", *ADMIN)],
    responses=problem_responses(404),
    summary="Revoke an API key at once",
)
async def api_keys_revoke(request: Request, session: SessionDep, key_id: IdPath) -> Response:
    """Revokes an API key at once: every later request made with it answers 401."""
    await service.revoke_api_key(session, key_id, request.app.state.authenticator)
    return Response(status_code=204)
