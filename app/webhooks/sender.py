"""Sending one webhook request, the only way any delivery (event, ping, resend, replay) is sent.

A receiver is not trusted: the request goes to an address checked by `targets.resolve`, the whole exchange
(lookup, connection, request, answer) has one deadline, at most `EXCERPT_BYTES` of the answer are read and
never decompressed, and a connection whose answer was not read to its end is closed. Connections are kept
alive between deliveries (`Clients`), each only ever for the address it was opened to.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import datetime as dt
import email.utils
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import cast

import httpx

from app.core.db import utcnow
from app.core.i18n import message
from app.webhooks.targets import IPNetwork, Target, TargetRefused, resolve

EXCERPT_BYTES = 4096  # what is read of an answer's body; enough for EXCERPT_CHARS of any UTF-8 text
EXCERPT_CHARS = 500  # what is kept of an excerpt or an error (the columns' size)
USER_AGENT = "community-plans-api-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str | None
    excerpt: str | None
    retry_after: float | None

    @property
    def ok(self) -> bool:
        """A 2xx answer that arrived whole (up to the excerpt) within the deadline."""
        return self.status_code is not None and 200 <= self.status_code < 300 and self.error is None


TLS_HOSTS = 16  # idle https pools kept (one per host name); the least recently used beyond are closed


def new_client(timeout: float, concurrency: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=timeout,
        # An idle connection is kept 5 s (httpx's default), no longer than most servers keep theirs.
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        headers={"user-agent": USER_AGENT, "accept-encoding": "identity"},
    )


class Clients:
    """The HTTP clients one sender uses, kept from one delivery to the next so that a receiver's connection
    stays open for its next delivery, with at most `concurrency` connections in each pool.

    Every request names the address `targets.resolve` checked, not the host, and a pool reuses a connection
    only for the same scheme, address and port: keeping connections never sends a request to an address that
    was not checked for it. Plain http shares one pool. An https connection was verified for one host name,
    so each name gets a pool of its own (another name at the same address gets a new, verified connection);
    at most `tls_hosts` of these pools are kept while idle."""

    def __init__(self, timeout: float, concurrency: int, *, tls_hosts: int = TLS_HOSTS) -> None:
        self.timeout, self.concurrency, self.tls_hosts = timeout, concurrency, tls_hosts
        self._plain = new_client(timeout, concurrency)
        self._tls: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def use(self, target: Target) -> AsyncIterator[httpx.AsyncClient]:
        if target.scheme != "https":
            yield self._plain
            return
        name = target.host.lower()
        client = self._tls.get(name)
        if client is None:
            client = self._tls[name] = new_client(self.timeout, self.concurrency)
        self._tls.move_to_end(name)
        self._users[name] = self._users.get(name, 0) + 1
        try:
            yield client
        finally:
            self._users[name] -= 1
            if not self._users[name]:
                del self._users[name]
            await self._trim()

    async def _trim(self) -> None:
        idle = [name for name in self._tls if name not in self._users]  # least recently used first
        for name in idle[: max(0, len(self._tls) - self.tls_hosts)]:
            await self._tls.pop(name).aclose()

    async def aclose(self) -> None:
        await self._plain.aclose()
        while self._tls:
            await self._tls.popitem()[1].aclose()


def _retry_after(status_code: int, headers: httpx.Headers) -> float | None:
    if status_code not in (429, 503):
        return None
    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - utcnow()).total_seconds(), 0.0)


def _text(raw: bytes, content_encoding: str | None) -> str | None:
    """The excerpt to keep: the start of the body as UTF-8 text; an encoded (compressed) body is not
    decoded, so a small answer cannot unpack into a large one."""
    encoding = (content_encoding or "").strip().lower()
    if encoding not in ("", "identity"):
        return _clean(f"(a {encoding[:40]}-encoded answer, not decoded)")
    if not raw:
        return None
    # final=False: a character cut in two at the end of the excerpt is dropped, not replaced
    return _clean(codecs.getincrementaldecoder("utf-8")(errors="replace").decode(raw, final=False))


def _clean(text: str) -> str:
    """Fit for the 500-character columns; PostgreSQL text cannot hold NUL."""
    return text.replace("\x00", "\ufffd")[:EXCERPT_CHARS]


async def post(
    clients: Clients,
    url: str,
    allowed: list[IPNetwork],
    *,
    content: bytes,
    headers: dict[str, str],
    deadline: float,
) -> Outcome:
    """POST `content` to `url` and say how it went, within `deadline` seconds in all."""
    started = time.perf_counter()
    status_code: int | None = None
    answer_headers = httpx.Headers()
    body = bytearray()

    def outcome(error: str | None) -> Outcome:
        return Outcome(
            status_code,
            int((time.perf_counter() - started) * 1000),
            None if error is None else _clean(error),
            _text(bytes(body), answer_headers.get("content-encoding")),
            None if status_code is None else _retry_after(status_code, answer_headers),
        )

    try:
        async with asyncio.timeout(deadline):
            target = await resolve(url, allowed)
            async with clients.use(target) as client:
                request = client.build_request(
                    "POST",
                    target.pinned_url(),
                    content=content,
                    headers={**headers, "host": target.host_header, "accept-encoding": "identity"},
                    extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
                )
                response = await client.send(request, stream=True)
                try:
                    status_code, answer_headers = response.status_code, response.headers
                    # Raw bytes: the transfer encoding is undone, a content encoding (gzip) is not.
                    raw = cast(AsyncGenerator[bytes, None], response.aiter_raw())
                    async with contextlib.aclosing(raw) as chunks:
                        async for chunk in chunks:
                            body += chunk[: EXCERPT_BYTES - len(body)]
                            if len(body) >= EXCERPT_BYTES:
                                break
                finally:
                    # An answer not read to its end closes its connection (it is not reused); one read
                    # whole goes back to the pool for the endpoint's next delivery.
                    await response.aclose()
    except TargetRefused as refused:
        return outcome("refused: " + message(refused.reason, "en", **refused.params))
    except TimeoutError:
        return outcome(f"timed out: no complete answer within {deadline:g} s")
    except httpx.HTTPError as exc:
        return outcome(f"{type(exc).__name__}: {exc}")
    return outcome(None)
