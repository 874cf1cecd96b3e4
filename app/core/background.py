"""What the background loops (webhook delivery, bulk jobs) share: an idle wait that a stop or a wake ends."""

from __future__ import annotations

import asyncio


async def idle(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    """Wait until `stop` is set, `wake` is set (new work in this process) or `seconds` pass."""
    wake.clear()
    stopper = asyncio.ensure_future(stop.wait())
    waker = asyncio.ensure_future(wake.wait())
    await asyncio.wait({stopper, waker}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    waker.cancel()
