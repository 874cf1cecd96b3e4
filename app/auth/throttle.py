"""Throttling of sign-in by client address and by username, in the memory of one process.

Failed sign-ins are tallied under three keys. Each tally forgets one failure every `forget` seconds; once it
reaches its budget, every further failure makes the next attempt wait, starting at `first_wait` and doubling
up to `max_wait` (the progressive delay).

- the client address, whatever the username (spraying one password over many accounts from one place);
- the username together with the client address (guessing one account's password from one place);
- the username from every address together (guessing one account from many places). This budget is larger and
  forgets quickly. Once it is spent, it refuses only the addresses that themselves failed on that username in
  the last `recent` seconds, never the others.

Only the first two ever hold back an address that has not failed itself, and both count that address's own
failures: someone failing from elsewhere can never make the owner of an account wait. The third refuses the
owner only for `recent` seconds after the owner's own last failure, however long a flood from elsewhere lasts.

Every username is tallied alike, whether or not it exists. The state is per process, on purpose: a failed
sign-in costs no database write (a flood of them would otherwise become a flood of writes, on SQLite each
taking the one write lock), and a restart forgets it. With N API processes behind a balancer a guesser gets
up to N times the budgets, which stay small. IPv6 clients are tallied by their /64 network, the smallest
block one subscriber is usually given.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.core.config import Settings

# A username longer than any that can exist is still tallied, under its first characters.
_USERNAME_KEY_LENGTH = 120


@dataclass(frozen=True)
class Budget:
    """How many failures a key may have before it waits, and how fast it forgets them."""

    failures: int
    forget: float  # seconds to forget one failure
    first_wait: float = 0.0  # the wait after the failure that spends the budget; doubles with each next one
    max_wait: float = 0.0

    def wait_after(self, level: int) -> float:
        if level < self.failures:
            return 0.0
        return min(self.max_wait, self.first_wait * 2.0 ** min(level - self.failures, 60))


class _Tally:
    __slots__ = ("at", "blocked_until", "last_failure", "level")

    def __init__(self, now: float) -> None:
        self.level = 0  # failures not yet forgotten
        self.at = now  # when `level` was last brought up to date
        self.last_failure = -math.inf
        self.blocked_until = -math.inf

    def decay(self, now: float, forget: float) -> None:
        if self.level and now > self.at:
            gone = int((now - self.at) // forget)
            if gone >= self.level:
                self.level, self.at = 0, now
            elif gone:
                self.level -= gone
                self.at += gone * forget
        elif not self.level:
            self.at = now


class _Tallies:
    """Tallies of one kind of key, at most `size` of them (the least recently touched go first)."""

    def __init__(self, budget: Budget, size: int) -> None:
        self.budget = budget
        self._size = size
        self._items: OrderedDict[object, _Tally] = OrderedDict()

    def get(self, key: object, now: float) -> _Tally | None:
        tally = self._items.get(key)
        if tally is not None:
            tally.decay(now, self.budget.forget)
        return tally

    def fail(self, key: object, now: float) -> _Tally:
        tally = self.get(key, now)
        if tally is None:
            tally = self._items[key] = _Tally(now)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        tally.level += 1
        tally.last_failure = now
        wait = self.budget.wait_after(tally.level)
        if wait:
            tally.blocked_until = max(tally.blocked_until, now + wait)
        return tally

    def forget(self, key: object) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class TooManyInFlight(Exception):
    """More sign-ins from one address at the same moment than it may have."""


def client_key(host: str | None) -> str:
    """The address a client is tallied under: itself, or its /64 network for IPv6."""
    if not host:
        return "?"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class LoginThrottle:
    def __init__(
        self,
        *,
        per_address: Budget,
        per_user_address: Budget,
        per_user: Budget,
        recent: float,
        in_flight_per_address: int,
        size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_address = _Tallies(per_address, size)
        self.per_user_address = _Tallies(per_user_address, size)
        self.per_user = _Tallies(per_user, size)
        self.recent = recent
        self.in_flight_per_address = in_flight_per_address
        self.clock = clock
        self._in_flight: dict[str, int] = {}

    @staticmethod
    def _user(username: str) -> str:
        return username[:_USERNAME_KEY_LENGTH]

    @contextlib.contextmanager
    def attempt(self, address: str) -> Iterator[None]:
        """Hold one of the address's sign-in slots for the block; TooManyInFlight when it has none left."""
        held = self._in_flight.get(address, 0)
        if held >= self.in_flight_per_address:
            raise TooManyInFlight
        self._in_flight[address] = held + 1
        try:
            yield
        finally:
            left = self._in_flight[address] - 1
            if left:
                self._in_flight[address] = left
            else:
                del self._in_flight[address]

    def wait(self, address: str, username: str) -> float:
        """Seconds before this address may try this username again; 0 when it may now."""
        now = self.clock()
        user = self._user(username)
        waits = [0.0]
        for tallies, key in ((self.per_address, address), (self.per_user_address, (user, address))):
            tally = tallies.get(key, now)
            if tally is not None:
                waits.append(tally.blocked_until - now)
        account = self.per_user.get(user, now)
        if account is not None and account.level >= self.per_user.budget.failures:
            mine = self.per_user_address.get((user, address), now)
            if mine is not None and now - mine.last_failure < self.recent:
                # Refused until its own failure is `recent` old, or sooner if the flood stops.
                forget = self.per_user.budget.forget
                calm = account.at + (account.level - self.per_user.budget.failures + 1) * forget
                waits.append(min(mine.last_failure + self.recent, calm) - now)
        return max(waits)

    def failed(self, address: str, username: str) -> None:
        now = self.clock()
        user = self._user(username)
        self.per_address.fail(address, now)
        self.per_user_address.fail((user, address), now)
        self.per_user.fail(user, now)

    def succeeded(self, address: str, username: str) -> None:
        """The owner got in from here: the failures of this account from this address are forgiven."""
        self.per_user_address.forget((self._user(username), address))


# The rest of the policy; the budgets themselves are settings.
ADDRESS_FORGET_SECONDS = 60.0
USER_ADDRESS_FORGET_SECONDS = 300.0
USER_FORGET_SECONDS = 2.0
FIRST_WAIT_SECONDS = 30.0
MAX_WAIT_SECONDS = 900.0
RECENT_SECONDS = 60.0
IN_FLIGHT_PER_ADDRESS = 2


def login_throttle(settings: Settings) -> LoginThrottle:
    return LoginThrottle(
        per_address=Budget(
            settings.login_failures_per_address, ADDRESS_FORGET_SECONDS, FIRST_WAIT_SECONDS, MAX_WAIT_SECONDS
        ),
        per_user_address=Budget(
            settings.login_failures_per_user_address,
            USER_ADDRESS_FORGET_SECONDS,
            FIRST_WAIT_SECONDS,
            MAX_WAIT_SECONDS,
        ),
        per_user=Budget(settings.login_failures_per_user, USER_FORGET_SECONDS),
        recent=RECENT_SECONDS,
        in_flight_per_address=IN_FLIGHT_PER_ADDRESS,
    )
