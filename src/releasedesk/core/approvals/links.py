"""The mail link an approver decides through: signed, single use, expiring.

A link row holds a random nonce, when it expires and when it was used. The URL carries
`<link id>.<signature>`, the signature an HMAC-SHA256 of the id and the nonce under the
server's secret key: the database alone (a dump, the outbox) holds no working link, a link
cannot be made up or altered without the key, and using it marks the row, so it works once.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.approvals import repository
from releasedesk.core.errors import ErrorKind, ReleaseDeskError
from releasedesk.db.models import ApprovalLink

LINK_LIFETIME = dt.timedelta(days=7)
PATH = "/approval/"  # where the link page is served, under the server's base URL


class LinkProblem(StrEnum):
    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"


MESSAGES = {
    LinkProblem.INVALID: "This approval link is not valid: it may have been altered or cut "
    "short. Open the link from the mail again, or ask for the approval to be sent again.",
    LinkProblem.USED: "This approval link has already been used: each link decides once.",
    LinkProblem.EXPIRED: "This approval link has expired. Ask for the approval to be sent again.",
}


class LinkRefused(ReleaseDeskError):
    """A link that was tampered with, used before, or expired."""

    kind = ErrorKind.INVALID

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(MESSAGES[problem], "link")
        self.problem = problem


def _signature(secret: str, link_id: int, nonce: str) -> str:
    digest = hmac.new(
        secret.encode(), f"approval-link:{link_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token(secret: str, link_id: int, nonce: str) -> str:
    return f"{link_id}.{_signature(secret, link_id, nonce)}"


def url(base_url: str, secret: str, link_id: int, nonce: str) -> str:
    return base_url.rstrip("/") + PATH + token(secret, link_id, nonce)


async def new_link(session: AsyncSession, approval_id: int, now: dt.datetime) -> int:
    """A fresh link for the approval (earlier ones keep working until used or expired)."""
    return await repository.insert_link(
        session, approval_id, secrets.token_urlsafe(32), now, now + LINK_LIFETIME
    )


async def url_of(session: AsyncSession, base_url: str, secret: str, link_id: int) -> str | None:
    """The URL of a stored link (for the mail), or None when it is gone."""
    row = await repository.link_row(session, link_id)
    return None if row is None else url(base_url, secret, row.id, row.nonce)


async def checked_link(
    session: AsyncSession, secret: str, link_token: str, now: dt.datetime
) -> ApprovalLink:
    """The link a token names, if it is genuine, unused and unexpired."""
    link_id_text, _, signature = link_token.partition(".")
    if (
        not (link_id_text.isascii() and link_id_text.isdigit())
        or len(link_id_text) > 18
        or not signature
    ):
        raise LinkRefused(LinkProblem.INVALID)
    row = await repository.link_row(session, int(link_id_text))
    if row is None or not hmac.compare_digest(
        signature.encode(), _signature(secret, row.id, row.nonce).encode()
    ):
        raise LinkRefused(LinkProblem.INVALID)
    if row.used_on is not None:
        raise LinkRefused(LinkProblem.USED)
    if row.expires_on <= now:
        raise LinkRefused(LinkProblem.EXPIRED)
    return row
