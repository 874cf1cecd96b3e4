"""The audit log: every write recorded in its own transaction, hash-chained, append-only (SPEC §11)."""
