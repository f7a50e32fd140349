"""Standard Webhooks signatures (https://www.standardwebhooks.com): a secret `whsec_` + base64
of random bytes; each message signed as HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.
{body}`, sent as `v1,<base64>`; several signatures (a rotation's grace) space-separated.
The signing itself is the `standardwebhooks` package's, so what it verifies is what we send."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Iterable

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret in the spec's form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature(secret: str, message_id: str, timestamp: dt.datetime, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of one message under one secret."""
    return Webhook(secret).sign(message_id, timestamp, body)


def signature_header(
    secrets_in_force: Iterable[str], message_id: str, timestamp: dt.datetime, body: bytes
) -> str:
    """The `webhook-signature` value: one signature per secret in force, newest first."""
    return " ".join(signature(s, message_id, timestamp, body) for s in secrets_in_force)


def headers(
    secrets_in_force: Iterable[str], message_id: str, timestamp: dt.datetime, body: bytes
) -> dict[str, str]:
    """The three headers a delivery carries besides its content type."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(secrets_in_force, message_id, timestamp, body),
    }
