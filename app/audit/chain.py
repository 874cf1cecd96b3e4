"""The hash chain: each entry's hash covers its content and the previous entry's hash, so changing,
removing or inserting an entry anywhere but at the end breaks every hash after it.

`verify` walks the chain in id order, a batch at a time (bounded memory at any size), and names the first
entry that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.audit.models import AuditEntry

GENESIS = "0" * 64
HASHED = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "actor_role",
    "request_id",
    "action",
    "resource_type",
    "resource_id",
    "province_code",
    "district_code",
    "changes",
)

audit_entry_table = AuditEntry.__table__  # type: ignore[attr-defined]


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(entry: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous hash and the entry's content as canonical JSON."""
    content = {name: entry[name] for name in HASHED}
    content["at"] = _instant(content["at"])
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode() + b"\n" + text.encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    checked: int
    bad_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_id is None


async def verify(engine: AsyncEngine, batch: int = 5000) -> Verdict:
    columns = [audit_entry_table.c[name] for name in (*HASHED, "prev_hash", "hash")]
    prev_hash, prev_id, checked = GENESIS, 0, 0
    async with engine.connect() as conn:
        while True:
            rows = (
                await conn.execute(
                    select(*columns)
                    .where(audit_entry_table.c.id > prev_id)
                    .order_by(audit_entry_table.c.id)
                    .limit(batch)
                )
            ).mappings()
            seen = 0
            for row in rows:
                seen += 1
                if row["id"] != prev_id + 1:
                    return Verdict(checked, row["id"], f"entry {prev_id + 1} is missing")
                if row["prev_hash"] != prev_hash:
                    return Verdict(checked, row["id"], "does not follow the entry before it")
                if entry_hash(dict(row), prev_hash) != row["hash"]:
                    return Verdict(checked, row["id"], "its content does not match its hash")
                prev_hash, prev_id = row["hash"], row["id"]
                checked += 1
            if seen < batch:
                return Verdict(checked)
