"""The outbox sender: runs inside `releasedesk serve` (one per worker process), claims due
mails, delivers them over SMTP, and records each delivery or failure.

Nothing is lost: a mail stays in the outbox until an SMTP server accepted it; a failure
(server down, refused, timed out) is retried with exponential backoff (10 s doubling, at
most an hour apart), across restarts, since the row is the queue. Several workers send each
mail once: a claim leases rows to one sender (`FOR UPDATE SKIP LOCKED` on PostgreSQL; one
writer at a time on SQLite). The lease is two SMTP timeouts, renewed for the rest of the
batch each time a mail is recorded, so a live sender keeps its mails however long its
batch takes, and the mails of a sender that died (kill -9) go again within two timeouts.
The one window left is a crash between the server accepting a mail and the delivery being
recorded; the mail then goes again with the same Message-ID (made from the outbox row, so
every attempt carries it), and mail clients fold the copy.

With no SMTP server configured, each mail is written to the log, link included (the log
is then how it reaches anyone), and marked delivered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.notifications import repository
from releasedesk.core.notifications.templates import APPROVAL_LINK, fill
from releasedesk.db.models import OutboxMail
from releasedesk.db.session import Database

log = logging.getLogger("releasedesk.mail")

LinkRenderer = Callable[[AsyncSession, int], Awaitable[str | None]]
SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool  # smtps://; smtp:// uses STARTTLS whenever the server offers it
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """`smtp://[user:password@]host[:port]` or `smtps://…` (ports 25 and 465 by default)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "RELEASEDESK_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://…"
            )
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            implicit_tls=implicit,
            username=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else unquote(parts.password),
        )


@dataclass(frozen=True)
class Backoff:
    first: dt.timedelta = dt.timedelta(seconds=10)
    most: dt.timedelta = dt.timedelta(hours=1)

    def after(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failure: first, doubling, at most `most`."""
        return min(self.first * (2 ** min(attempts - 1, 30)), self.most)


class Sender:
    def __init__(
        self,
        database: Database,
        *,
        smtp: SmtpServer | None,
        mail_from: str,
        render_link: LinkRenderer,
        backoff: Backoff | None = None,
        poll_seconds: float = 2.0,
        batch: int = 20,
        timeout_seconds: float = 60.0,
    ) -> None:
        if timeout_seconds <= 0:
            raise ValueError("the SMTP timeout must be more than 0 seconds")
        self.database = database
        self.smtp = smtp
        self.mail_from = mail_from
        self.render_link = render_link
        self.backoff = backoff or Backoff()
        self.poll_seconds = poll_seconds
        # A claim must outlast the sender's next step: one delivery (at most the timeout)
        # and recording it (the other timeout is room for a busy database). Each record
        # renews the rest of the batch, so a slow round keeps its mails, and a dead
        # sender's mails are free again within two timeouts rather than a whole round's.
        self.lease = dt.timedelta(seconds=2 * timeout_seconds)
        self.batch = batch
        self.timeout_seconds = timeout_seconds
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Deliver due mails until stopped; an error of the database is logged, not fatal."""
        while not self._stopping.is_set():
            try:
                delivered = await self.deliver_due()
            except Exception:  # the sender must outlive a database hiccup
                log.exception("the mail sender failed a round; trying again")
                delivered = 0
            if delivered < self.batch:  # a full batch: more may be waiting
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)

    def stop(self) -> None:
        self._stopping.set()

    async def deliver_due(self, now: dt.datetime | None = None) -> int:
        """One round: claim the mails due at `now`, deliver each; how many went out."""
        now = now or dt.datetime.now(dt.UTC)
        async with self.database.unit_of_work(writes=False) as session:
            if not await repository.any_due(session, now):
                return 0
        async with self.database.unit_of_work() as session:
            claimed = await repository.claim_due(session, now, self.lease, self.batch)
            mails = [await self._message(session, row) for row in claimed]
        delivered = 0
        for index, (mail_id, attempts, message) in enumerate(mails):
            error = await self._deliver(message)
            async with self.database.unit_of_work() as session:
                recorded = dt.datetime.now(dt.UTC)
                rest = [later_id for later_id, _, _ in mails[index + 1 :]]
                # the claim's clock: a round run for a later `now` keeps its leases there
                await repository.renew_claims(session, rest, max(now, recorded) + self.lease)
                if error is None:
                    await repository.mark_delivered(session, mail_id, recorded)
                    delivered += 1
                    continue
                tries = attempts + 1
                retry_on = recorded + self.backoff.after(tries)
                await repository.mark_failed(session, mail_id, error, tries, retry_on)
                log.warning(
                    "mail %s to %s not delivered (attempt %s, next at %s): %s",
                    mail_id,
                    message["To"],
                    tries,
                    retry_on.isoformat(timespec="seconds"),
                    error,
                )
        return delivered

    async def _message(
        self, session: AsyncSession, row: OutboxMail
    ) -> tuple[int, int, EmailMessage]:
        body = row.body
        if row.approval_link_id is not None:
            link = await self.render_link(session, row.approval_link_id)
            body = fill(body, {APPROVAL_LINK: link or "(this approval link no longer exists)"})
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = row.recipient
        message["Subject"] = row.subject
        message["Date"] = format_datetime(row.created_on)
        domain = self.mail_from.rpartition("@")[2] or "releasedesk"
        message["Message-ID"] = (
            f"<releasedesk-outbox-{row.id}.{row.created_on:%Y%m%d%H%M%S}@{domain}>"
        )
        message.set_content(body)
        return row.id, row.attempts, message

    async def _deliver(self, message: EmailMessage) -> str | None:
        """Hand the mail to the SMTP server (or the log); the error, or None once accepted."""
        if self.smtp is None:
            log.info(
                "no SMTP server configured (RELEASEDESK_SMTP_URL); mail not sent but logged:\n"
                "To: %s\nSubject: %s\n\n%s",
                message["To"],
                message["Subject"],
                message.get_content(),  # decoded, so the link reads as one line
            )
            return None
        sending = aiosmtplib.send(
            message,
            hostname=self.smtp.host,
            port=self.smtp.port,
            username=self.smtp.username,
            password=self.smtp.password,
            use_tls=self.smtp.implicit_tls,
            start_tls=None if not self.smtp.implicit_tls else False,
            timeout=self.timeout_seconds,
        )
        try:
            # The whole exchange within the timeout, so a round stays within its lease.
            await asyncio.wait_for(sending, self.timeout_seconds)
        except SMTP_ERRORS as error:
            return f"{type(error).__name__}: {error}"[:2000]
        except Exception as error:  # one bad mail must not stall the queue behind it
            log.exception("mail could not be handed to the SMTP server")
            return f"{type(error).__name__}: {error}"[:2000]
        return None
