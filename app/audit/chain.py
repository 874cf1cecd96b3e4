"""The hash chains: each entry's hash covers its content and the hash of the entry before it in its chain,
so changing, removing or inserting an entry anywhere but at a chain's end breaks the chain from there on.

The log is `CHAINS` chains braided together (an entry's `chain` names its own): writers of different chains
never wait for each other, and a writer holds its chain's lock only while its transaction commits.

`verify` walks every chain at once in id order, a batch at a time (bounded memory at any size), and names
the first entry that does not match.
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
CHAINS = 16
HASHED = (
    "chain",
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


def content_text(entry: Mapping[str, Any]) -> str:
    """The entry's content as canonical JSON: what its hash covers, with the previous hash."""
    content = {name: entry[name] for name in HASHED}
    content["at"] = _instant(content["at"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous hash, a line break and the entry's content (the same bytes PostgreSQL's
    `audit_append` hashes)."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + content_text(entry).encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    checked: int
    bad_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_id is None


async def verify(engine: AsyncEngine, batch: int = 5000) -> Verdict:
    columns = [audit_entry_table.c[name] for name in ("id", *HASHED, "prev_hash", "hash")]
    last: dict[int, str] = {}  # each chain's last hash
    prev_id, checked = 0, 0
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
                prev_hash = last.get(row["chain"], GENESIS)
                if row["prev_hash"] != prev_hash:
                    return Verdict(checked, row["id"], "does not follow the entry before it in its chain")
                if entry_hash(dict(row), prev_hash) != row["hash"]:
                    return Verdict(checked, row["id"], "its content does not match its hash")
                last[row["chain"]], prev_id = row["hash"], row["id"]
                checked += 1
            if seen < batch:
                return Verdict(checked)
