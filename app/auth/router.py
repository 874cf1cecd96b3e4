"""Logging in, users and API keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.access import access, public
from app.auth.dependencies import PasswordsDep
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
from app.auth.throttle import (
    ADDRESS_FORGET_SECONDS,
    FIRST_WAIT_SECONDS,
    IN_FLIGHT_PER_ADDRESS,
    MAX_WAIT_SECONDS,
    RECENT_SECONDS,
    USER_ADDRESS_FORGET_SECONDS,
    USER_FORGET_SECONDS,
    client_key,
)
from app.core.actor import Role
from app.core.config import Settings
from app.core.errors import problem_responses
from app.core.etag import IfMatch, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router, location
from app.core.secrets import app_keys
from app.core.types import MAX_ID
from app.core.uow import SessionDep

TOKEN_LIFETIME = dt.timedelta(minutes=30)

login_router = api_router("auth", authenticated=False)
router = api_router("auth")

ADMIN = (Role.admin,)
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


_DEFAULTS = {name: field.default for name, field in Settings.model_fields.items()}
TOKEN_DESCRIPTION = f"""\
Answers a bearer token valid for {TOKEN_LIFETIME.total_seconds() / 60:g} minutes. A wrong password, an
unknown username and a disabled account all answer the same `401`, after the same work.

**Throttling, not locking.** No number of wrong passwords locks an account. Failed sign-ins are
counted per client address, per username from that address, and per username from all addresses. Once
a budget is spent the answer is `429` with `Retry-After` (seconds), after the same work as any other
answer; each further failure doubles the wait, from {FIRST_WAIT_SECONDS:g} s up to
{MAX_WAIT_SECONDS / 60:g} minutes. The default budgets (settings `LOGIN_FAILURES_PER_ADDRESS`,
`LOGIN_FAILURES_PER_USER_ADDRESS`, `LOGIN_FAILURES_PER_USER`):

| failures counted for | budget | one failure forgotten every |
|---|---|---|
| a client address, any username | {_DEFAULTS["login_failures_per_address"]} | {ADDRESS_FORGET_SECONDS:g} s |
| a username from one address | {_DEFAULTS["login_failures_per_user_address"]} | \
{USER_ADDRESS_FORGET_SECONDS / 60:g} min |
| a username from all addresses | {_DEFAULTS["login_failures_per_user"]} | {USER_FORGET_SECONDS:g} s |

The last, once spent, refuses only the addresses that failed on that username in the last
{RECENT_SECONDS:g} s, so failures from elsewhere never hold back the account's owner. Signing in
forgives the failures of that address on that account. IPv6 clients are counted by their /64. The
counts are kept by each server process.

**Load.** Passwords are checked a few at a time. More than {IN_FLIGHT_PER_ADDRESS} sign-ins at the same moment
from one address answer `429` at once; when every checking slot and queue place is taken, `503` with
`Retry-After: 1`.
"""

# Their `Retry-After` header is documented by app/contract, as on every operation's 429 and 503.
TOKEN_RESPONSES = problem_responses(429, 503)


@login_router.post(
    "/auth/token",
    response_model=Token,
    dependencies=[public("auth.token")],
    responses=TOKEN_RESPONSES,
    summary="Log in with a username and password (OAuth2 password form)",
    description=TOKEN_DESCRIPTION,
)
async def auth_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    sign_in: service.SignIn = request.app.state.sign_in
    address = client_key(request.client.host if request.client else None)
    keys = await app_keys(request.app)
    user_id, version = await sign_in.login(
        request.state.uow.session, address, form.username, form.password, keys.personal_data
    )
    secret = keys.signing
    token = request.app.state.authenticator.issue_token(secret, user_id, version, TOKEN_LIFETIME)
    return Token(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()))


@router.post(
    "/users",
    response_model=UserRead,
    status_code=201,
    dependencies=[access("users.create", *ADMIN), IdempotencyDep],
    responses=problem_responses(409),
    summary="Create a user",
)
async def users_create(
    session: SessionDep, body: UserCreate, response: Response, passwords: PasswordsDep
) -> UserRead:
    """Creates a user with a password (kept only as an argon2 hash), a role and the scope its role needs."""
    user, etag = await service.create_user(session, body, passwords)
    set_etag(response, etag)
    response.headers["Location"] = location("users", user.id)
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
    passwords: PasswordsDep,
    if_match: IfMatch = None,
) -> UserRead:
    """Changes a user's password, role or scope, or disables the user; the change applies to the user's next
    request.
    """
    user, etag = await service.update_user(session, user_id, body, if_match, passwords)
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
    response.headers["Location"] = location("api-keys", created.id)
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
