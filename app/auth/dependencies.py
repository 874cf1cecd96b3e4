"""The process's password hasher, as a dependency. (The caller of a request is `app.core.actor`.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.auth.passwords import Passwords


def passwords(request: Request) -> Passwords:
    hasher: Passwords = request.app.state.passwords
    return hasher


PasswordsDep = Annotated[Passwords, Depends(passwords)]
