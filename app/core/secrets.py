"""The installation's keys, kept out of the database they protect: from `SECRET_KEY`, or from a key file
(`SECRET_KEY_FILE`; on SQLite by default beside the database file, made at first start with mode 0600).

A key file holds one key per line, the current one first; older ones stay after it so that what was made
with them (webhook secrets encrypted before a rotation, cursors handed out) can still be read. From each key
two keys are derived with HKDF, one to sign (user tokens, cursors) and one to encrypt (webhook secrets), so
that neither use gives away the other.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import secrets
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.config import MIN_KEY_LENGTH, Settings
from app.core.db import sqlite_path

log = logging.getLogger("app.keys")

# Where versions before the key file kept a generated key (read only to move it out, then deleted).
LEGACY_SETTING = "secret_key"
SIGNING_INFO = b"cplan/v1/signing: user tokens and cursors"
ENCRYPTION_INFO = b"cplan/v1/encryption: webhook secrets"
PERSONAL_DATA_INFO = b"cplan/v1/personal-data: keyed hashes in the audit log"
KEY_FILE_HEADER = (
    "# Community Plans API keys. The first key is current; the keys after it only read what was made with\n"
    "# them. Keep this file out of database backups. `cplan rotate-keys` puts a new key first.\n"
)


class KeyConfigError(RuntimeError):
    """No usable key: the service refuses to start rather than run with one anybody could know."""


@dataclass(frozen=True)
class KeySource:
    """Where the keys come from: given in settings, or a key file (`create`: made when missing)."""

    given: tuple[str, ...] = ()
    file: Path | None = None
    create: bool = False


def key_source(settings: Settings) -> KeySource:
    """The configured source of keys; `KeyConfigError` when there is none to use (PostgreSQL needs one)."""
    if settings.secret_key and settings.secret_key_file:
        raise KeyConfigError("set SECRET_KEY or SECRET_KEY_FILE, not both")
    if settings.secret_key:
        return KeySource(given=(settings.secret_key, *settings.previous_secret_keys))
    if settings.previous_secret_keys:
        raise KeyConfigError("SECRET_KEY_PREVIOUS is read only together with SECRET_KEY")
    if settings.secret_key_file:
        # On PostgreSQL several hosts share one database: a key made on one host would not be the others'.
        return KeySource(file=Path(settings.secret_key_file), create=settings.is_sqlite)
    database = sqlite_path(settings.database_url)
    if database is None:
        raise KeyConfigError(
            "no secret key configured (PostgreSQL has no default key file): set SECRET_KEY_FILE to a key "
            "file every API and worker process can read (`cplan rotate-keys` makes one), or SECRET_KEY to a "
            f"random value of at least {MIN_KEY_LENGTH} characters. The key must not be kept in the database."
        )
    return KeySource(file=database.with_suffix(".key"), create=True)


def new_key() -> str:
    return secrets.token_urlsafe(48)


def read_key_file(path: Path) -> list[str] | None:
    """The keys in a key file, current first; None when there is no file."""
    try:
        info = path.stat()
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("key file %s can be read by others than its owner: chmod 600 it", path)
    keys = [line.strip() for line in content.splitlines() if line.strip() and not line.startswith("#")]
    if not keys:
        raise KeyConfigError(f"key file {path} holds no key")
    if any(len(k) < MIN_KEY_LENGTH for k in keys):
        raise KeyConfigError(f"key file {path} holds a key shorter than {MIN_KEY_LENGTH} characters")
    return keys


def _content(keys: Sequence[str]) -> bytes:
    return (KEY_FILE_HEADER + "".join(f"{k}\n" for k in keys)).encode()


def _write_temporary(path: Path, keys: Sequence[str]) -> Path:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_content(keys))
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def create_key_file(path: Path, keys: Sequence[str]) -> list[str]:
    """Make the key file, whole and 0600, unless another process made it first: the keys now in it."""
    temporary = _write_temporary(path, keys)
    try:
        os.link(temporary, path)  # never replaces a file another process made meanwhile
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links: create it in place, still never replacing one
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_content(keys))
    finally:
        temporary.unlink()
    found = read_key_file(path)
    assert found is not None
    return found


def replace_key_file(path: Path, keys: Sequence[str]) -> None:
    """Write the key file anew in one step (readers see the old file or the new one, never a part)."""
    os.replace(_write_temporary(path, keys), path)


def _missing(path: Path) -> KeyConfigError:
    return KeyConfigError(
        f"SECRET_KEY_FILE {path} does not exist: make it with `cplan rotate-keys` (or set SECRET_KEY)"
    )


def _file_keys(source: KeySource, legacy: str | None) -> list[str]:
    """The key file's keys; made now if allowed, with the key an earlier version kept in the database
    moved in after a new current one (that key sat in every database dump)."""
    assert source.file is not None
    keys = read_key_file(source.file)
    if keys is None:
        if not source.create:
            raise _missing(source.file)
        log.warning("made a new key file %s", source.file)
        return create_key_file(source.file, [new_key(), *([legacy] if legacy else [])])
    if legacy and legacy not in keys:
        keys = [*keys, legacy]
        replace_key_file(source.file, keys)
    return keys


@dataclass(frozen=True)
class Keys:
    """What the keys are used for: one signing key, the keys cursors may be signed with, and a Fernet
    that encrypts with the current key and decrypts with any."""

    signing: bytes
    encryption: bytes  # the current key's, as Fernet takes it
    cursor_keys: tuple[bytes, ...]
    fernet: MultiFernet
    personal_data: bytes = b""  # hashes personal values in the audit log (never the values themselves)

    @classmethod
    def derive(cls, keys: Sequence[str], *, legacy: Sequence[str] = ()) -> Keys:
        """`keys` current first; `legacy`: keys used only as an earlier version used them. Every key is
        also accepted in its earlier form (raw key for cursors, SHA-256 Fernet key for webhook secrets),
        so cursors and secrets made before the upgrade stay readable."""
        raw = [k.encode() for k in (*keys, *legacy)]
        signing = [_hkdf(k, SIGNING_INFO) for k in raw[: len(keys)]]
        encryption = [base64.urlsafe_b64encode(_hkdf(k, ENCRYPTION_INFO)) for k in raw[: len(keys)]]
        fernets = [Fernet(k) for k in encryption] + [_legacy_fernet(k) for k in raw]
        personal = _hkdf(raw[0], PERSONAL_DATA_INFO)
        _last_personal_data_key[:] = [personal]
        return cls(
            signing=signing[0],
            encryption=encryption[0],
            cursor_keys=(*signing, *raw),
            fernet=MultiFernet(fernets),
            personal_data=personal,
        )


# The personal-data key of the keys this process derived last: for writes made outside a request (a bulk
# job, a command), which have no app to ask.
_last_personal_data_key: list[bytes] = []


def personal_data_key() -> bytes | None:
    return _last_personal_data_key[0] if _last_personal_data_key else None


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def _legacy_fernet(key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"cplan webhook secrets\0" + key).digest()))


async def legacy_key(conn: AsyncConnection) -> str | None:
    """The key an earlier version generated into the database, while it is still there."""
    query = text("SELECT value FROM app_setting WHERE name = :n")
    value = (await conn.execute(query, {"n": LEGACY_SETTING})).scalar_one_or_none()
    return str(value) if value else None


async def forget_legacy_key(conn: AsyncConnection) -> None:
    await conn.execute(text("DELETE FROM app_setting WHERE name = :n"), {"n": LEGACY_SETTING})


async def _legacy_key_if_reachable(engine: AsyncEngine) -> str | None:
    """The legacy key; None (for now) if the database cannot be asked: the keys in force do not depend on
    it, and a worker that then meets a secret only the legacy key reads loads the keys again."""
    try:
        async with engine.connect() as conn:
            return await legacy_key(conn)
    except (DBAPIError, OSError) as exc:
        log.warning("could not look for a key kept in the database by an earlier version: %s", exc)
        return None


async def keyring(settings: Settings, engine: AsyncEngine) -> tuple[list[str], str | None]:
    """The keys in force, current first, and the database's legacy key while it must still be read.

    With a key file the legacy key is moved into the file and deleted from the database. With SECRET_KEY
    it is read (with a warning) until `cplan rotate-keys --reencrypt-only` has re-encrypted what it
    protects and removed it."""
    source = key_source(settings)
    if source.file is not None and not source.create and not source.file.exists():
        raise _missing(source.file)  # before any connection: a misconfigured host says so at once
    legacy = await _legacy_key_if_reachable(engine)
    if source.file is None:
        if legacy is None:
            return list(source.given), None
        log.warning(
            "a key generated by an earlier version is still in the database: it is read to decrypt "
            "webhook secrets; run `cplan rotate-keys --reencrypt-only` to re-encrypt them and remove it"
        )
        return list(source.given), None if legacy in source.given else legacy
    keys = await asyncio.to_thread(_file_keys, source, legacy)
    if legacy is not None:
        async with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                await conn.execution_options(sqlite_immediate=True)
            await forget_legacy_key(conn)
        log.warning("moved the key kept in the database into %s and deleted it there", source.file)
    return keys, None


async def load_keys(settings: Settings, engine: AsyncEngine) -> Keys:
    keys, legacy = await keyring(settings, engine)
    return Keys.derive(keys, legacy=[legacy] if legacy else [])


async def rotate_key_file(settings: Settings, engine: AsyncEngine) -> tuple[Path, list[str]]:
    """Put a new key first in the key file (made if missing), the earlier ones kept after it, and the
    database's legacy key too while it is there (the caller deletes it once nothing needs it)."""
    source = key_source(settings)
    if source.file is None:
        raise KeyConfigError("SECRET_KEY is set: cplan cannot change it")
    path = source.file
    async with engine.connect() as conn:
        legacy = await legacy_key(conn)
    current = await asyncio.to_thread(read_key_file, path)
    keys = [new_key(), *(current or []), *([legacy] if legacy and legacy not in (current or []) else [])]
    if current is not None:
        await asyncio.to_thread(replace_key_file, path, keys)
        return path, keys
    made = await asyncio.to_thread(create_key_file, path, keys)
    if made[0] != keys[0]:
        raise KeyConfigError(f"another process made {path} meanwhile: run `cplan rotate-keys` again")
    return path, made


async def app_keys(app: FastAPI) -> Keys:
    """The app's keys, loaded once (at start-up, or on first use when the lifespan does not run)."""
    keys: Keys | None = getattr(app.state, "keys", None)
    if keys is None:
        lock: asyncio.Lock = app.state.keys_lock
        async with lock:
            keys = getattr(app.state, "keys", None)
            if keys is None:
                keys = await load_keys(app.state.settings, app.state.db.engine)
                app.state.keys = keys
    return keys


async def app_secret(app: FastAPI) -> bytes:
    """The key that signs user tokens and cursors."""
    return (await app_keys(app)).signing
