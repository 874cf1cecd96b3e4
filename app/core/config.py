"""Settings read from the environment (and an optional `.env`), one object per process."""

import os
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./cplan.db"
MIN_KEY_LENGTH = 32


def _random_enough(key: str) -> bool:
    return key.lower() not in {"changeme", "change-me", "secret", "changethis"} and len(key) >= MIN_KEY_LENGTH


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # The installation key (signing and encryption keys are derived from it), given directly; else it is
    # read from SECRET_KEY_FILE, which on SQLite defaults to a file beside the database made at first start.
    # Never kept in the database. PostgreSQL refuses to start with neither (see app/core/secrets.py).
    secret_key: str = ""
    # Earlier values of SECRET_KEY, comma-separated: still read (webhook secrets, cursors), never to sign.
    secret_key_previous: str = ""
    secret_key_file: str = ""
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
    # PATCH, PUT and DELETE of a resource that has an ETag answer 428 without If-Match (lost updates refused
    # even from clients that never read first).
    require_if_match: bool = False
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
    # Deliveries one worker process has in flight at once (and its connections to receivers).
    webhook_concurrency: int = Field(default=20, ge=1, le=200)
    # Workers are woken when deliveries are queued; besides, an idle one looks for due work this often
    # (retries coming due, leases a stopped worker left, a wake-up lost with a dropped connection).
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=300)
    # `cplan serve` delivers webhooks in-process unless told not to (`--no-worker`).
    deliver_in_process: bool = True
    # A claimed delivery is leased for the HTTP timeout plus this margin before another worker may take it.
    webhook_lease_margin_seconds: float = Field(default=30.0, ge=0.5, le=600)
    # Logs are JSON lines on stderr (`cplan serve`, `cplan worker`); INFO logs one line per request.
    log_level: str = Field(default="INFO", pattern=r"(?i)^(debug|info|warning|error|critical)$")
    # Rate limits (off unless enabled): per API key or user, and per client address; each has a budget
    # per minute and a burst (the most in any one second). Counted in each process's memory.
    rate_limit_enabled: bool = False
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_burst: int = Field(default=60, ge=1)
    rate_limit_address_per_minute: int = Field(default=1200, ge=1)
    rate_limit_address_burst: int = Field(default=120, ge=1)
    # Browser origins allowed to call the API (comma-separated, e.g. `https://plan.example.go.th`); empty:
    # no CORS headers at all.
    cors_allowed_origins: str = ""

    @field_validator("secret_key")
    @classmethod
    def _refuse_placeholders(cls, value: str) -> str:
        if value and not _random_enough(value):
            raise ValueError(f"SECRET_KEY must be a random value of at least {MIN_KEY_LENGTH} characters")
        return value

    @field_validator("secret_key_previous")
    @classmethod
    def _previous_keys(cls, value: str) -> str:
        if not all(_random_enough(k.strip()) for k in value.split(",") if k.strip()):
            raise ValueError(f"each SECRET_KEY_PREVIOUS key must be at least {MIN_KEY_LENGTH} characters")
        return value

    @property
    def previous_secret_keys(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.secret_key_previous.split(",") if k.strip())

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_allowed_origins.split(",") if origin.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
