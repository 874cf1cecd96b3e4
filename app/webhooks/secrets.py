"""Webhook signing secrets: made as `whsec_…`, kept encrypted (Fernet, key derived from the installation's
secret), signed with the `standardwebhooks` package."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet
from standardwebhooks import Webhook


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@lru_cache(maxsize=8)
def _fernet(installation_secret: bytes) -> Fernet:
    key = hashlib.sha256(b"cplan webhook secrets\0" + installation_secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(installation_secret: bytes, secret: str) -> str:
    return _fernet(installation_secret).encrypt(secret.encode()).decode()


def decrypt(installation_secret: bytes, cipher: str) -> str:
    return _fernet(installation_secret).decrypt(cipher.encode()).decode()


def signature_header(secrets_in_force: list[str], message_id: str, timestamp: dt.datetime, body: str) -> str:
    """`v1,<sig>` per secret, space-separated: during a rotation both the new and the old secret sign."""
    return " ".join(Webhook(s).sign(message_id, timestamp, body) for s in secrets_in_force)
