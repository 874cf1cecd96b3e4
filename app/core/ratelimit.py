"""Rate-limit policies per caller (API key or user) and per client address, counted with `limits`, and
their `RateLimit` / `RateLimit-Policy` header fields (IETF draft-ietf-httpapi-ratelimit-headers-10).

Each policy is a fixed window that starts at its first request: a budget per minute, and a burst (the most
in any one second). Counters live in this process's memory (`limits`' async memory storage): a request
costs no database round trip, and `N` API processes allow up to `N` times the configured rates.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage


class Policy:
    """A named quota of requests per window (a `limits` item)."""

    def __init__(self, name: str, item: RateLimitItem) -> None:
        self.name, self.item = name, item
        self.quota, self.window = int(item.amount), int(item.get_expiry())
        # This policy as an item of the RateLimit-Policy field.
        self.field = f'"{name}";q={self.quota};w={self.window}'


@dataclass(slots=True)
class Usage:
    policy: Policy
    allowed: bool
    remaining: int
    reset_seconds: int

    @property
    def field(self) -> str:
        """This policy's state as an item of the RateLimit field."""
        return f'"{self.policy.name}";r={self.remaining};t={self.reset_seconds}'


class RateLimiter:
    """Counts requests against the caller's and the address's policies."""

    def __init__(self, per_minute: int, burst: int, address_per_minute: int, address_burst: int) -> None:
        self.caller = (
            Policy("caller", RateLimitItemPerMinute(per_minute, namespace="caller")),
            Policy("caller-burst", RateLimitItemPerSecond(burst, namespace="caller")),
        )
        self.address = (
            Policy("address", RateLimitItemPerMinute(address_per_minute, namespace="address")),
            Policy("address-burst", RateLimitItemPerSecond(address_burst, namespace="address")),
        )
        self.storage = MemoryStorage()

    async def hit(self, policies: tuple[Policy, ...], key: str) -> list[Usage]:
        """Count one request for `key` under each policy, up to the first that refuses it.

        What `limits`' FixedWindowRateLimiter does (a counter that expires a window after its first
        request), with the count and expiry of one increment: its hit-then-stats builds each key three
        times and reads the counter again, which cost about as much as the request log line.
        """
        used: list[Usage] = []
        for policy in policies:
            counter = policy.item.key_for(key)
            count = await self.storage.incr(counter, policy.window)
            reset_at = await self.storage.get_expiry(counter)
            allowed = count <= policy.quota
            reset = max(0, math.ceil(reset_at - time.time()))
            used.append(Usage(policy, allowed, max(0, policy.quota - count), reset))
            if not allowed:
                break
        return used


def policy_field(policies: list[Policy]) -> bytes:
    return ", ".join(p.field for p in policies).encode("ascii")


def usage_field(used: list[Usage]) -> bytes:
    return ", ".join(u.field for u in used).encode("ascii")
