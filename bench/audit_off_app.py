"""The app with its audit recorder switched off: the baseline of `bench/bench_audit.py` (the same writes,
without their audit entries). Not for anything but measuring.

    uvicorn bench.audit_off_app:create_app --factory
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.audit import recorder
from app.main import create_app as create_audited_app


def create_app() -> Any:
    for name, listener in (
        ("after_flush", recorder._after_flush),
        ("before_commit", recorder._before_commit),
        ("after_commit", recorder._after_commit),
        ("after_rollback", recorder._after_rollback),
    ):
        if event.contains(Session, name, listener):
            event.remove(Session, name, listener)

    async def nothing(_session: Any) -> None:
        return None

    recorder.write_before_numbering = nothing  # type: ignore[assignment]
    return create_audited_app()
