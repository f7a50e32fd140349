"""Webhook secrets sealed at rest: signing needs the secret itself, so it cannot be hashed
like a key; it is kept encrypted (Fernet: AES-128-CBC with an HMAC-SHA256) under a key
derived from the server's secret key (RELEASEDESK_SECRET_KEY), so a copy of the database
alone holds no working secret. Every server of one database must share that key (it
already must, for the approval links)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

_PURPOSE = b"releasedesk webhook secrets v1"


class SealBroken(Exception):
    """A sealed secret this server's key cannot open (the secret key changed)."""


class Sealer:
    def __init__(self, server_secret: str) -> None:
        if not server_secret:
            raise ValueError("webhook secrets need the server's secret key")
        derived = hmac.new(server_secret.encode(), _PURPOSE, hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def __repr__(self) -> str:  # never the key
        return "Sealer(…)"

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise SealBroken(
                "this webhook's secret was sealed under another server secret key; rotate it"
            ) from None
