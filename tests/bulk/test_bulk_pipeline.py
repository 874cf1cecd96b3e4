"""An upload reads its next rows while a batch is being written (app/bulk/service.py `process`), and still
saves its progress exactly: each checkpoint counts the rows up to its batch's last one, and no further."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from app.bulk import service
from app.core.actor import Actor, Role
from app.core.db import Database

HEADER = "code,name_th,households,population,local_government_code"
ROWS = [
    "84010101,บ้านหนึ่ง,10,40,",
    "84010102,บ้านสอง,10,40,",
    "84010103,,10,40,",  # no name: rejected
    "84010104,บ้านสี่,10,40,",
    "84010105,บ้านห้า,10,40,",
    "84010106,บ้านหก,10,40,",
    "84010107,บ้านเจ็ด,10,40,",
]


async def test_rows_are_read_ahead_of_the_write_and_checkpoints_stay_exact(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BATCH", 2)
    file = io.BytesIO(("\r\n".join([HEADER, *ROWS]) + "\r\n").encode())
    read: list[int] = []

    def counted(rows: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
        for item in rows:
            read.append(item[0])
            yield item

    saved: list[tuple[int, ...]] = []
    actor = Actor(principal="test", name="test", role=Role.admin, scope_code=None)
    async with db.session() as session:
        run = service.new_run(
            session,
            actor,
            "villages",
            mode="partial",
            dry_run=False,
            on_conflict="error",
            lang="en",
            upload_id="pipeline-test",
        )

        async def checkpoint(row: int) -> None:
            stored = (await session.execute(text("SELECT count(*) FROM village"))).scalar_one()
            report = run.report
            saved.append((row, run.position, report.received, report.rejected, report.created, stored))
            saved.append((max(read),))

        rows = counted(service.parsed_rows(run, file, "csv", "utf-8"))
        await service.process(run, rows, checkpoint=checkpoint)
        await session.rollback()

    progress, furthest_read = saved[0::2], [s[0] for s in saved[1::2]]
    # (last row of the batch, position, received, rejected, created, rows in the table) at each checkpoint
    assert progress == [(2, 2, 2, 0, 2, 2), (5, 5, 5, 1, 4, 4), (7, 7, 7, 1, 6, 6)]
    # While the first batch (rows 1-2) was written, the next two rows were read already.
    assert furthest_read[0] == 4
    assert run.report.errors[0].row == 3
