"""Short-lived signed bearer tokens for users (JWT, HS256, signed with the installation's secret)."""

from __future__ import annotations

import datetime as dt

import jwt

from app.core.db import utcnow

ALGORITHM = "HS256"
ISSUER = "community-plans-api"


def issue(secret: bytes, user_id: int, credentials_version: int, lifetime: dt.timedelta) -> str:
    """A token for the user as its credentials are now: `ver` is the user's `credentials_version`, which a
    password change or disabling raises, so the token stops working then (an `iat` in whole seconds could not
    tell a token made just before a change from one made just after)."""
    now = utcnow()
    claims = {
        "sub": f"user:{user_id}",
        "iss": ISSUER,
        "iat": now,
        "exp": now + lifetime,
        "typ": "access",
        "ver": credentials_version,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(secret: bytes, token: str) -> tuple[int, int] | None:
    """The user id and credentials version of a valid, unexpired token; None for anything else (with no
    reason given). Tokens made before versions existed count as version 0, which any change ends."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    if claims.get("typ") != "access" or not isinstance(subject, str) or not subject.startswith("user:"):
        return None
    version = claims.get("ver", 0)
    if type(version) is not int:
        return None
    try:
        return int(subject.removeprefix("user:")), version
    except ValueError:
        return None
