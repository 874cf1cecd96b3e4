"""Structured logs: JSON lines on stderr, and the request id that ties together the lines of one request
(or of one webhook delivery or bulk job, which carry the id of the request that caused them)."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

# Set for the duration of a request by `app.core.middleware.RequestContext`, and by the delivery worker and
# the bulk-job runner for the work they do; every log line written meanwhile carries it.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

# What a caller may send as its own X-Request-ID; anything else is replaced by one of ours.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

REQUEST_LOG = logging.getLogger("app.request")


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(raw: bytes | None) -> str | None:
    """The caller's request id when it is 1–128 characters of [A-Za-z0-9._:-], else None."""
    if raw is None or _SANE_REQUEST_ID.fullmatch(raw) is None:
        return None
    return raw.decode("ascii")


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def bind_request_id(request_id: str | None = None) -> str:
    """Make `request_id` (or a new one) the current task's request id; the id."""
    request_id = request_id or new_request_id()
    REQUEST_ID.set(request_id)
    return request_id


class RequestIdFilter(logging.Filter):
    """Adds the current request id to every record that does not name one itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = REQUEST_ID.get()
            if request_id is not None:
                record.request_id = request_id
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, and whatever the line adds (`extra=`)."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` configuration: every logger (ours, uvicorn's, SQLAlchemy's) writes JSON
    lines to stderr. Given to uvicorn as its `log_config`, so each of its worker processes applies it."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "app.core.logs.RequestIdFilter"}},
        "formatters": {"json": {"()": "app.core.logs.json_formatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # uvicorn's own handlers are replaced by the root's; its access log is off (`app.request`
            # logs each request once, with more to say).
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # httpx would log every webhook delivery again, with the target's full URL (which may hold a
            # token the receiver asked for); the worker logs each attempt itself.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    import logging.config

    logging.config.dictConfig(logging_config(level))
