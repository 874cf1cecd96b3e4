"""The installation's keys live outside the database they protect: a 0600 key file beside the SQLite file
(or SECRET_KEY / SECRET_KEY_FILE), separate signing and encryption keys, rotation that keeps every webhook
secret readable, installs of earlier versions moved over, and PostgreSQL refusing to start with no key."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import text
from standardwebhooks import Webhook

from app.core.actor import Role
from app.core.config import Settings
from app.core.db import Database
from app.core.pagination import encode_cursor
from app.core.secrets import KeyConfigError, Keys, app_keys, create_key_file, load_keys, read_key_file
from app.main import create_app
from app.migrations import upgrade
from app.webhooks import secrets as webhook_secrets
from app.webhooks.worker import DeliveryWorker
from tests.helpers import LGO, create_lgo, create_village, make_key
from tests.receiver import Receiver

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
CPLAN = [sys.executable, "-m", "app.cli"]
KEY_SETTINGS = ("SECRET_KEY", "SECRET_KEY_FILE", "SECRET_KEY_PREVIOUS", "DATABASE_URL")
NO_SERVER = "postgresql+asyncpg://cplan@127.0.0.1:9/cplan"  # nothing listens: no check may need it
PASSWORD = "correct horse battery"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _keys_only_from_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says where its keys come from (the PostgreSQL run exports a SECRET_KEY for the others)."""
    for name in KEY_SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied by each test that needs a fresh install."""
    path = tmp_path_factory.mktemp("template") / "cplan.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def install(migrated: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cplan.db"
    shutil.copyfile(migrated, path)
    return path


def settings_for(path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{path}",
        api_key_cache_seconds=0.0,
        webhook_allowed_networks="127.0.0.0/8",
        webhook_timeout_seconds=5,
        deliver_in_process=False,
        **extra,
    )


class Install:
    """An app on its own SQLite file, with an admin client."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.app = create_app(settings, self.db)
        self.client: httpx.AsyncClient | None = None

    async def admin(self) -> httpx.AsyncClient:
        key = await make_key(self.db, Role.admin, None, "admin")
        self.client = self.with_headers({"Authorization": f"Bearer {key}"})
        return self.client

    def with_headers(self, headers: dict[str, str]) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        await self.db.dispose()


@pytest.fixture
async def installs() -> AsyncIterator[list[Install]]:
    made: list[Install] = []
    yield made
    for each in made:
        await each.close()


def cplan(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `cplan`; its output with rich's line wrapping undone."""
    full = {k: v for k, v in os.environ.items() if k not in KEY_SETTINGS} | {"PYTHONPATH": str(ROOT), **env}
    result = subprocess.run([*CPLAN, *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=180)
    result.stdout = " ".join(result.stdout.split())
    return result


async def test_a_fresh_install_keeps_its_key_in_a_0600_file_beside_the_database(tmp_path: Path) -> None:
    path = tmp_path / "cplan.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    assert mode(path) == 0o600
    db = Database(url)
    try:
        keys = await load_keys(settings_for(path), db.engine)
        key_file = tmp_path / "cplan.key"
        assert mode(key_file) == 0o600
        stored = read_key_file(key_file)
        assert stored is not None and len(stored) == 1 and len(stored[0]) >= 32
        async with db.engine.connect() as conn:
            settings_rows = (await conn.execute(text("SELECT name, value FROM app_setting"))).all()
        assert all(stored[0] not in value for _, value in settings_rows)
        wal = path.with_name("cplan.db-wal")
        if wal.exists():  # SQLite gives its journal the database file's mode
            assert mode(wal) == 0o600
        for part in (path, wal):
            if part.exists():
                assert stored[0].encode() not in part.read_bytes()
        # The same key on every start.
        assert (await load_keys(settings_for(path), db.engine)).signing == keys.signing
    finally:
        await db.dispose()


def test_signing_and_encryption_keys_are_derived_apart() -> None:
    raw = "k" * 48
    keys = Keys.derive([raw])
    encryption = base64.urlsafe_b64decode(keys.encryption)
    assert len(keys.signing) == len(encryption) == 32
    assert keys.signing != encryption
    assert raw.encode() not in (keys.signing, encryption)
    other = Keys.derive(["j" * 48])
    assert (other.signing, other.encryption) != (keys.signing, keys.encryption)
    # A secret encrypted with the derived key is not readable with the signing key used as one.
    cipher = webhook_secrets.encrypt(keys.fernet, "whsec_x")
    with pytest.raises(InvalidToken):
        Fernet(base64.urlsafe_b64encode(keys.signing)).decrypt(cipher.encode())


async def _subscribe(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.post(
        f"{API}/webhook-subscriptions", json={"url": url, "local_government_code": LGO}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _ping(client: httpx.AsyncClient, sub: dict[str, Any]) -> None:
    assert (await client.post(f"{API}/webhook-subscriptions/{sub['id']}/test")).status_code == 202


async def _cipher(db: Database, sub: dict[str, Any]) -> str:
    async with db.engine.connect() as conn:
        query = text("SELECT secret_cipher FROM webhook_subscription WHERE id = :i")
        return str((await conn.execute(query, {"i": sub["id"]})).scalar_one())


def _verified(receiver: Receiver, secrets_by_path: dict[str, str]) -> list[str]:
    """Each received delivery verified with its subscription's whsec_ secret: the event types."""
    types = []
    for message in receiver.received:
        payload = Webhook(secrets_by_path[message.path]).verify(message.body, message.headers)
        types.append(payload["type"])
    return types


async def test_rotation_keeps_every_secret_readable_and_deliveries_verifiable(
    install: Path, receiver: Receiver, installs: list[Install]
) -> None:
    settings = settings_for(install)
    old = Install(settings)
    installs.append(old)
    client = await old.admin()
    await create_lgo(client)
    await create_village(client)
    await create_village(client, code="84010102", name_th="บ้านสอง")
    first = await _subscribe(client, receiver.url + "/first")
    cipher_before = await _cipher(old.db, first)
    old_keys = await app_keys(old.app)
    page = (await client.get(f"{API}/villages", params={"limit": 1})).json()
    assert page["next_cursor"]
    user = {"username": "somchai", "password": PASSWORD, "role": "provincial_officer", "scope_code": "84"}
    assert (await client.post(f"{API}/users", json=user)).status_code == 201
    login = {"username": "somchai", "password": PASSWORD}
    anon = old.with_headers({})
    old_token = (await anon.post(f"{API}/auth/token", data=login)).json()["access_token"]
    await anon.aclose()
    # A worker that started before the rotation.
    worker = DeliveryWorker(old.db, settings)
    await worker.run_once()

    rotated = cplan("rotate-keys", env={"DATABASE_URL": settings.database_url}, cwd=install.parent)
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert "1 webhook secret(s) re-encrypted" in rotated.stdout
    assert "user tokens signed before stop working" in rotated.stdout

    stored = read_key_file(install.with_suffix(".key"))
    assert stored is not None and len(stored) == 2
    new_keys = Keys.derive(stored)
    assert new_keys.signing != old_keys.signing
    assert Keys.derive(stored[1:]).signing == old_keys.signing  # the old key is kept, after the new one
    cipher_after = await _cipher(old.db, first)
    assert cipher_after != cipher_before
    assert (
        webhook_secrets.decrypt(MultiFernet([Fernet(new_keys.encryption)]), cipher_after) == first["secret"]
    )
    with pytest.raises(InvalidToken):
        webhook_secrets.decrypt(MultiFernet([Fernet(old_keys.encryption)]), cipher_after)

    # An API process not yet restarted still encrypts with the old key: that stays readable too.
    second = await _subscribe(client, receiver.url + "/second")
    await _ping(client, first)
    await _ping(client, second)
    try:
        assert await worker.run_once() == 2  # it reloads the keys when a secret needs the new one
    finally:
        await worker.close()
    by_path = {"/hooks/cplan/first": first["secret"], "/hooks/cplan/second": second["secret"]}
    assert _verified(receiver, by_path) == ["webhook.test", "webhook.test"]

    # Once restarted: cursors handed out before still work, user tokens signed before do not.
    restarted = Install(settings)
    installs.append(restarted)
    assert (await app_keys(restarted.app)).signing == new_keys.signing
    again = await restarted.admin()
    response = await again.get(f"{API}/villages", params={"limit": 1, "cursor": page["next_cursor"]})
    assert response.status_code == 200 and response.json()["items"][0]["code"] == "84010102"
    with_old_token = restarted.with_headers({"Authorization": f"Bearer {old_token}"})
    assert (await with_old_token.get(f"{API}/provinces/84")).status_code == 401
    new_token = (await with_old_token.post(f"{API}/auth/token", data=login)).json()["access_token"]
    with_new_token = restarted.with_headers({"Authorization": f"Bearer {new_token}"})
    assert (await with_new_token.get(f"{API}/provinces/84")).status_code == 200
    await with_old_token.aclose()
    await with_new_token.aclose()
    # The new key signs; a second rotation keeps both earlier keys.
    assert (
        cplan("rotate-keys", env={"DATABASE_URL": settings.database_url}, cwd=install.parent).returncode == 0
    )
    assert len(read_key_file(install.with_suffix(".key")) or []) == 3


LEGACY_KEY = "an-earlier-version-made-this-key-" + "x" * 31


def _legacy_cipher(secret: str) -> str:
    """What an earlier version stored: Fernet with SHA-256 of a label and the key in the database."""
    key = hashlib.sha256(b"cplan webhook secrets\0" + LEGACY_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key)).encrypt(secret.encode()).decode()


async def _as_earlier_version(db: Database, sub: dict[str, Any], secret: str) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO app_setting (name, value) VALUES ('secret_key', :v)"), {"v": LEGACY_KEY}
        )
        await conn.execute(
            text("UPDATE webhook_subscription SET secret_cipher = :c WHERE id = :i"),
            {"c": _legacy_cipher(secret), "i": sub["id"]},
        )


async def _legacy_row(db: Database) -> int:
    async with db.engine.connect() as conn:
        query = text("SELECT count(*) FROM app_setting WHERE name = 'secret_key'")
        return int((await conn.execute(query)).scalar_one())


async def test_an_earlier_install_has_its_key_moved_out_of_the_database(
    install: Path, receiver: Receiver, installs: list[Install]
) -> None:
    settings = settings_for(install)
    setup = Install(settings)
    installs.append(setup)
    client = await setup.admin()
    await create_lgo(client)
    await create_village(client)
    await create_village(client, code="84010102", name_th="บ้านสอง")
    sub = await _subscribe(client, receiver.url)
    whsec = "whsec_" + base64.b64encode(b"s" * 32).decode()
    await _as_earlier_version(setup.db, sub, whsec)
    install.with_suffix(".key").unlink()  # as before this version: no key file, the key in the database
    old_cursor = encode_cursor(LEGACY_KEY.encode(), f"{API}/villages", ("84010101",))

    upgraded = Install(settings)
    installs.append(upgraded)
    await app_keys(upgraded.app)
    stored = read_key_file(install.with_suffix(".key"))
    assert stored is not None and stored[1:] == [LEGACY_KEY] and stored[0] != LEGACY_KEY
    assert await _legacy_row(upgraded.db) == 0
    client = await upgraded.admin()
    response = await client.get(f"{API}/villages", params={"cursor": old_cursor})
    assert response.status_code == 200 and [v["code"] for v in response.json()["items"]] == ["84010102"]
    await _ping(client, sub)
    worker = DeliveryWorker(upgraded.db, settings)
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.close()
    assert _verified(receiver, {"/hooks/cplan": whsec}) == ["webhook.test"]


async def test_with_secret_key_a_database_key_is_read_until_reencrypted(
    install: Path, receiver: Receiver, installs: list[Install]
) -> None:
    new_key = "the-operator-set-this-key-" + "y" * 30
    settings = settings_for(install, secret_key=new_key)
    setup = Install(settings)
    installs.append(setup)
    client = await setup.admin()
    await create_lgo(client)
    sub = await _subscribe(client, receiver.url)
    whsec = "whsec_" + base64.b64encode(b"t" * 32).decode()
    await _as_earlier_version(setup.db, sub, whsec)

    keys = await load_keys(settings, setup.db.engine)
    assert webhook_secrets.decrypt(keys.fernet, await _cipher(setup.db, sub)) == whsec
    assert not install.with_suffix(".key").exists()  # SECRET_KEY given: no key file
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": new_key}
    refused = cplan("rotate-keys", env=env, cwd=install.parent)
    assert refused.returncode == 1 and "SECRET_KEY_PREVIOUS" in refused.stdout
    assert await _legacy_row(setup.db) == 1
    done = cplan("rotate-keys", "--reencrypt-only", env=env, cwd=install.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 webhook secret(s) re-encrypted" in done.stdout
    assert await _legacy_row(setup.db) == 0
    only_new = Keys.derive([new_key])
    assert (
        webhook_secrets.decrypt(MultiFernet([Fernet(only_new.encryption)]), await _cipher(setup.db, sub))
        == whsec
    )

    # Rotating a SECRET_KEY by hand: the earlier one in SECRET_KEY_PREVIOUS still decrypts.
    newer = "the-operator-rotated-to-this-" + "z" * 30
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": newer, "SECRET_KEY_PREVIOUS": new_key}
    done = cplan("rotate-keys", "--reencrypt-only", env=env, cwd=install.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    newest = Keys.derive([newer])
    assert (
        webhook_secrets.decrypt(MultiFernet([Fernet(newest.encryption)]), await _cipher(setup.db, sub))
        == whsec
    )


def test_postgresql_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigError) as refused:
        create_app(Settings(_env_file=None, database_url=NO_SERVER))  # type: ignore[call-arg]
    assert "SECRET_KEY_FILE" in str(refused.value) and "SECRET_KEY " in str(refused.value)
    with pytest.raises(KeyConfigError, match="not both"):
        create_app(
            Settings(_env_file=None, database_url=NO_SERVER, secret_key="a" * 40, secret_key_file="k")  # type: ignore[call-arg]
        )
    # A short or placeholder key is refused by the settings themselves.
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(_env_file=None, database_url=NO_SERVER, secret_key="changeme")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="SECRET_KEY_PREVIOUS"):
        Settings(_env_file=None, database_url=NO_SERVER, secret_key="a" * 40, secret_key_previous="short")  # type: ignore[call-arg]
    for command in (["serve"], ["worker"]):
        result = cplan(*command, env={"DATABASE_URL": NO_SERVER}, cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "cannot start" in result.stdout and "SECRET_KEY_FILE" in result.stdout
        assert "Traceback" not in result.stderr
    missing = tmp_path / "keys" / "cplan.key"
    result = cplan("serve", env={"DATABASE_URL": NO_SERVER, "SECRET_KEY_FILE": str(missing)}, cwd=tmp_path)
    assert result.returncode == 1 and "does not exist" in result.stdout and "rotate-keys" in result.stdout
    assert not missing.exists()  # never made on PostgreSQL, where other hosts could not share it


async def test_rotate_keys_makes_the_key_file_on_postgresql(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL key file")
    key_file = tmp_path / "cplan.key"
    env = {"DATABASE_URL": database_url, "SECRET_KEY_FILE": str(key_file)}
    made = cplan("rotate-keys", env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    assert mode(key_file) == 0o600 and len(read_key_file(key_file) or []) == 1
    settings = Settings(_env_file=None, database_url=database_url, secret_key_file=str(key_file))  # type: ignore[call-arg]
    db = Database(database_url)
    try:
        keys = await load_keys(settings, db.engine)
    finally:
        await db.dispose()
    assert keys.signing == Keys.derive(read_key_file(key_file) or []).signing


def test_a_key_file_made_meanwhile_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "cplan.key"
    first, second = "a" * 40, "b" * 40
    assert create_key_file(path, [first]) == [first]
    # A second process starting at the same moment gets the first one's key, not a key of its own.
    assert create_key_file(path, [second]) == [first]
    assert mode(path) == 0o600 and not [p for p in tmp_path.iterdir() if p != path]
    path.write_text("# a comment\nshort\n")
    with pytest.raises(KeyConfigError, match="shorter than 32"):
        read_key_file(path)
