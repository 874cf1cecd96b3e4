"""Short-lived signed bearer tokens for users (JWT, HS256, signed with the installation's secret)."""

from __future__ import annotations

import datetime as dt

import jwt

from app.core.db import utcnow

ALGORITHM = "HS256"
ISSUER = "community-plans-api"


def issue(secret: bytes, user_id: int, lifetime: dt.timedelta) -> str:
    now = utcnow()
    claims = {"sub": f"user:{user_id}", "iss": ISSUER, "iat": now, "exp": now + lifetime, "typ": "access"}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(secret: bytes, token: str) -> int | None:
    """The user id of a valid, unexpired token; None for anything else (with no reason given)."""
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
    try:
        return int(subject.removeprefix("user:"))
    except ValueError:
        return None
