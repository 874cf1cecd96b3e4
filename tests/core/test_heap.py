"""The server's start-up leaves the collector tuned (app/core/heap.py): the cause of its tail latency."""

from __future__ import annotations

import gc

from app.core import heap
from app.core.config import Settings
from app.main import create_app


async def test_start_up_freezes_what_it_made_and_raises_the_thresholds(settings: Settings) -> None:
    before = gc.get_threshold()
    app = create_app(settings.model_copy(update={"deliver_in_process": False}))
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_threshold() == (heap.YOUNG, heap.MIDDLE, heap.OLD)
            assert gc.get_freeze_count() > 10_000
            # Cyclic garbage is still collected.
            cycle: list[object] = []
            cycle.append(cycle)
            del cycle
            assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
