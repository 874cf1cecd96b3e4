"""Webhook signing secrets: made as `whsec_…`, kept encrypted (Fernet, with the installation's encryption
key: `app.core.secrets`), signed with the `standardwebhooks` package."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from standardwebhooks import Webhook

from app.webhooks.models import WebhookSubscription

webhook_subscription_table = WebhookSubscription.__table__  # type: ignore[attr-defined]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def encrypt(fernet: MultiFernet, secret: str) -> str:
    return fernet.encrypt(secret.encode()).decode()


def decrypt(fernet: MultiFernet, cipher: str) -> str:
    return fernet.decrypt(cipher.encode()).decode()


async def reencrypt_all(conn: AsyncConnection, fernet: MultiFernet) -> tuple[int, list[int]]:
    """Encrypt every stored secret again with the current key (after a key rotation), each decrypted
    with whichever key in force it was made with: how many were, and the subscriptions whose secret no
    key in force decrypts (left as they are; such a subscription cannot sign until its secret is rotated)."""
    rows = (
        await conn.execute(
            select(
                webhook_subscription_table.c.id,
                webhook_subscription_table.c.secret_cipher,
                webhook_subscription_table.c.previous_secret_cipher,
            )
        )
    ).all()
    done, unreadable = 0, []
    for row in rows:
        try:
            current = _rotated(fernet, row.secret_cipher)
            previous = _rotated(fernet, row.previous_secret_cipher) if row.previous_secret_cipher else None
        except InvalidToken:
            unreadable.append(row.id)
            continue
        await conn.execute(
            update(webhook_subscription_table)
            .where(webhook_subscription_table.c.id == row.id)
            .values(secret_cipher=current, previous_secret_cipher=previous)
        )
        done += 1
    return done, unreadable


def _rotated(fernet: MultiFernet, cipher: str) -> str:
    return fernet.rotate(cipher.encode()).decode()


def signature_header(secrets_in_force: list[str], message_id: str, timestamp: dt.datetime, body: str) -> str:
    """`v1,<sig>` per secret, space-separated: during a rotation both the new and the old secret sign."""
    return " ".join(Webhook(s).sign(message_id, timestamp, body) for s in secrets_in_force)
