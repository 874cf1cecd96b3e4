"""CPU per request of the request context (X-Request-ID and the JSON request log line) and of the rate limits,
measured in-process on a bare ASGI app, so that the machine's load hardly matters (process CPU time).

    python bench/bench_middleware.py [--requests 20000]

Compare the extra µs with the app's CPU per request on the hot read path (bench/README.md: about 800–1,000 µs
for `GET /api/v1/villages/{code}`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from app.core.logs import REQUEST_LOG, RequestIdFilter, json_formatter
from app.core.middleware import RateLimit, RequestContext
from app.core.ratelimit import RateLimiter


@dataclass(frozen=True)
class Caller:
    principal: str


async def bare(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def authenticate(credential: str) -> Caller:
    return Caller(f"key:{len(credential)}")


async def drive(app: Any, requests: int) -> float:
    """CPU µs per request through `app`."""
    headers = [(b"host", b"test"), (b"authorization", b"Bearer cpk_benchmark"), (b"accept", b"*/*")]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    async def one() -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/api/v1/villages/84010101",
            "headers": headers,
            "client": ("10.0.0.1", 5000),
            "state": {},
        }
        await app(scope, receive, send)

    for _ in range(min(requests, 1000)):  # warm-up
        await one()
    started = time.process_time()
    for _ in range(requests):
        await one()
    return (time.process_time() - started) / requests * 1e6


async def main(requests: int) -> None:
    handler = logging.StreamHandler(open(os.devnull, "w"))  # kept open for the run
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    REQUEST_LOG.addHandler(handler)
    REQUEST_LOG.propagate = False
    limiter = RateLimiter(10**9, 10**9, 10**9, 10**9)

    REQUEST_LOG.setLevel(logging.WARNING)
    base = await drive(bare, requests)
    quiet = await drive(RequestContext(bare), requests)
    REQUEST_LOG.setLevel(logging.INFO)
    logged = await drive(RequestContext(bare), requests)
    limited = await drive(RequestContext(RateLimit(bare, limiter, authenticate)), requests)
    print(f"bare ASGI app                          {base:7.1f} µs CPU per request")
    print(f"+ request id (log level WARNING)       {quiet - base:+7.1f} µs")
    print(f"+ request id and JSON log line         {logged - base:+7.1f} µs")
    print(f"+ the same and rate limits (4 windows) {limited - base:+7.1f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().requests))
