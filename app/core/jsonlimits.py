"""The one nesting limit for every JSON a client sends (request bodies, bulk NDJSON rows, cursors), checked
without recursion before the document is parsed: `json.loads` recurses once per level, and a few thousand
`[` exhaust the interpreter's stack."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

# Arrays and objects inside one another. The API's own documents nest a few levels; nothing a client
# sends needs more, and every later step (validation, encoding, logging) may recurse once per level too.
MAX_DEPTH = 64

# Strings (their end may be missing in broken input) hold brackets that do not count.
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class JsonTooDeep(ValueError):
    """The document nests arrays and objects more than `MAX_DEPTH` deep."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested more than {MAX_DEPTH} levels deep")
        self.limit = MAX_DEPTH


def too_deep(document: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest more than `limit` deep. Every step runs in C (a regular expression,
    `translate`, `accumulate`, `max`): no recursion, no Python loop over the characters. Once more
    brackets have closed than opened, the document is broken there and the parser stops before it."""
    data = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    if data.count(b"[") + data.count(b"{") <= limit:  # the usual case: too few brackets to nest that deep
        return False
    brackets = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


def check(document: str | bytes) -> None:
    if too_deep(document):
        raise JsonTooDeep


def loads(document: str | bytes) -> Any:
    """`json.loads` for client data: `JsonTooDeep` (a `ValueError`, as malformed JSON is) past the limit."""
    check(document)
    return json.loads(document)
