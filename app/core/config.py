"""Settings read from the environment (and an optional `.env`), one object per process."""

import os
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./cplan.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Signs cursors and user tokens. Left empty, a random one is generated at the first migration and kept
    # in the database, so a fresh install never runs with a known default.
    secret_key: str = ""
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Bulk uploads stream to a temporary file; larger ones are refused with 413 as they arrive.
    bulk_max_bytes: int = Field(default=1_073_741_824, ge=1024)
    # Uploads larger than this (bytes or rows) answer 202 with a job worked through in the background;
    # `Prefer: respond-async` asks for a job whatever the size.
    bulk_job_threshold_bytes: int = Field(default=16 * 1_048_576, ge=0)
    bulk_job_threshold_rows: int = Field(default=50_000, ge=0)
    # A running job's lease, renewed after every batch; another runner resumes a job whose lease ran out.
    bulk_job_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Finished jobs (their report and rejected rows) are kept this long for uploaders to look back on.
    bulk_job_retention_days: float = Field(default=30.0, gt=0)
    api_key_cache_seconds: float = Field(default=5.0, ge=0)
    # Sign-in throttling (app/auth/throttle.py, per process): the failed sign-ins a client address, one
    # username from one address, and one username from all addresses together may have before waits start.
    login_failures_per_address: int = Field(default=30, ge=1)
    login_failures_per_user_address: int = Field(default=5, ge=1)
    login_failures_per_user: int = Field(default=50, ge=1)
    # argon2 checks run at once (each in a thread, taking about a core) and allowed to wait for one; sign-ins
    # beyond answer 503 at once.
    password_hash_concurrency: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2), ge=1)
    password_hash_queue: int = Field(default=8, ge=0)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    webhook_allowed_networks: str = ""
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    # `cplan serve` delivers webhooks in-process unless told not to (`--no-worker`).
    deliver_in_process: bool = True
    # A claimed delivery is leased for the HTTP timeout plus this margin before another worker may take it.
    webhook_lease_margin_seconds: float = Field(default=30.0, ge=0.5, le=600)

    @field_validator("secret_key")
    @classmethod
    def _refuse_placeholders(cls, value: str) -> str:
        if value and (value.lower() in {"changeme", "change-me", "secret", "changethis"} or len(value) < 32):
            raise ValueError("SECRET_KEY must be a random value of at least 32 characters")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
