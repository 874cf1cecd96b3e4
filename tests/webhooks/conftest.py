"""The webhook tests' fixtures: a scene with subscribable local governments and a delivery worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.core.db import Database
from app.webhooks.worker import DeliveryWorker
from tests.webhooks.test_webhooks import Scene


@pytest.fixture
async def scene(
    app: Any, db: Database, client: httpx.AsyncClient, settings: Settings
) -> AsyncIterator[Scene]:
    s = await Scene(app, db, client, settings).build()
    yield s
    await s.close()


@pytest.fixture
async def worker(db: Database, settings: Settings) -> AsyncIterator[DeliveryWorker]:
    w = DeliveryWorker(db, settings)
    yield w
    await w.close()
