"""Password hashing with argon2 (slow on purpose): off the event loop, and only a few at a time.

One argon2 check takes about a tenth of a second of a CPU (more than one core while it runs). Run without a
bound, a flood of sign-ins took every core and slowed every other request; here at most `slots` run at once
in threads of their own, at most `queue` more wait for one, and anything beyond is refused at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked against whenever no real hash is (an unknown username, a throttled attempt), so that every
# answer of the sign-in costs the same argon2 check.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")

T = TypeVar("T")
HASHING_NICENESS = 10


def _argon2_verify(password_hash: str, password: str) -> bool:
    """One argon2 check (every check goes through here)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _argon2_hash(password: str) -> str:
    return _hasher.hash(password)


def _yield_cpu() -> None:
    """Run this hashing thread (and the threads argon2 starts for its lanes, which inherit it) at a lower
    CPU priority than the event loop, so that a burst of checks slows other requests as little as possible.
    Linux sets the priority per thread; elsewhere this does nothing."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


class Overloaded(Exception):
    """As many hashes are running and waiting as allowed."""


class Passwords:
    def __init__(self, slots: int, queue: int) -> None:
        self.slots = slots
        self._limit = slots + queue
        self._admitted = 0  # running and waiting
        self._executor: ThreadPoolExecutor | None = None

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        if self._admitted >= self._limit:
            raise Overloaded
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.slots, thread_name_prefix="argon2", initializer=_yield_cpu
            )
        self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self._admitted -= 1

    async def hash(self, password: str) -> str:
        return await self._run(_argon2_hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether the password matches; with no hash, the same work against a dummy one, and False."""
        ok = await self._run(_argon2_verify, password_hash or _DUMMY_HASH, password)
        return ok and password_hash is not None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
