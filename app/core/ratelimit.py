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
from limits.aio.strategies import FixedWindowRateLimiter


@dataclass(frozen=True)
class Policy:
    name: str
    item: RateLimitItem

    @property
    def window(self) -> int:
        return int(self.item.get_expiry())

    @property
    def field(self) -> str:
        """This policy as an item of the RateLimit-Policy field."""
        return f'"{self.name}";q={self.item.amount};w={self.window}'


@dataclass(frozen=True)
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
        self.strategy = FixedWindowRateLimiter(MemoryStorage())

    async def hit(self, policies: tuple[Policy, ...], key: str) -> list[Usage]:
        """Count one request for `key` under each policy, up to the first that refuses it."""
        used: list[Usage] = []
        for policy in policies:
            allowed = await self.strategy.hit(policy.item, key)
            stats = await self.strategy.get_window_stats(policy.item, key)
            reset = max(0, math.ceil(stats.reset_time - time.time()))
            used.append(Usage(policy, allowed, stats.remaining, reset))
            if not allowed:
                break
        return used


def policy_field(policies: list[Policy]) -> bytes:
    return ", ".join(p.field for p in policies).encode("ascii")


def usage_field(used: list[Usage]) -> bytes:
    return ", ".join(u.field for u in used).encode("ascii")
