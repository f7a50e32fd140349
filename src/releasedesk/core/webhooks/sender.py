"""The webhook sender: runs inside `releasedesk serve` beside the mail sender (every worker of
every server may run one), claims due deliveries, posts each once, and records the answer.

A claim leases rows to one sender (`FOR UPDATE SKIP LOCKED` on PostgreSQL; one writer at a
time on SQLite) for two timeouts and 5 s (RELEASEDESK_WEBHOOK_LEASE_SECONDS), renewed for
the rest of the batch at each record, so each delivery is attempted by one sender; a sender
killed mid-batch leaves its rows to the next once the lease runs out (the one window left:
killed after the receiver answered, before the record; the receiver then sees the same
`webhook-id` again, which is what it is for).

Each attempt resolves the URL's host again, refuses it if it now lands somewhere private
(targets.py), and connects to the very address it checked: the request goes to that IP with
the URL's Host header and TLS server name, no proxy from the environment, no redirect
followed, no connection kept for another host. A 2xx is delivered; a 410 disables the
subscription at once; anything else is retried on schedule.py's schedule, and a
subscription failing for `disable_after` (and the administrators are mailed either way).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import SYSTEM, AuditKind, Subject
from releasedesk.core.errors import Invalid
from releasedesk.core.notifications import outbox as mail
from releasedesk.core.reference import service as reference
from releasedesk.core.webhooks import repository, schedule, signing, targets
from releasedesk.core.webhooks.config import WebhookConfig
from releasedesk.core.webhooks.repository import Claimed
from releasedesk.core.webhooks.sealing import SealBroken
from releasedesk.core.webhooks.views import DeliveryStatus
from releasedesk.db.models import WebhookSubscription
from releasedesk.db.session import Database

log = logging.getLogger("releasedesk.webhooks")

RESPONSE_BODY_MAX = 64 * 1024
USER_AGENT = "releasedesk-webhooks/1"
REDACTED = "[redacted]"
# Response headers kept out of the log: what authenticates someone to someone.
SECRET_HEADERS = frozenset(
    {"set-cookie", "cookie", "authorization", "proxy-authorization", "www-authenticate"}
)
SECRET_WORDS = ("token", "secret", "key", "password", "session")
GONE = 410


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST came to (no status: it never got an answer)."""

    request_headers: dict[str, str]
    status: int | None = None
    duration_ms: int = 0
    body: str | None = None
    response_headers: dict[str, str] | None = None
    error: str | None = None
    retry_after: dt.timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for the log, with what could authenticate someone replaced."""
    return {
        name: REDACTED
        if name.lower() in SECRET_HEADERS or any(w in name.lower() for w in SECRET_WORDS)
        else value
        for name, value in headers.items()
    }


def _storable(text: str) -> str:
    return text.replace("\x00", "\ufffd")


@dataclass
class WebhookSender:
    database: Database
    config: WebhookConfig
    timeout_seconds: float = 15.0
    disable_after: dt.timedelta = dt.timedelta(days=5)
    lease_seconds: float | None = None  # None: two timeouts and 5 s
    poll_seconds: float = 1.0
    batch: int = 20
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    random: Callable[[], float] = random.random
    transport: httpx.AsyncBaseTransport | None = None  # tests may hand one in
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _client: httpx.AsyncClient | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.timeout_seconds <= 0:
            raise ValueError("the webhook timeout must be more than 0 seconds")
        if self.lease_seconds is not None and self.lease_seconds <= self.timeout_seconds + 1:
            raise ValueError("the webhook lease must be more than the timeout and a second")

    @property
    def lease(self) -> dt.timedelta:
        # One attempt (at most the timeout and a second) and its record (the rest): each
        # record renews the rest of the batch, so a slow round keeps its rows. A sender
        # killed mid-delivery leaves it this long (RELEASEDESK_WEBHOOK_LEASE_SECONDS).
        if self.lease_seconds is not None:
            return dt.timedelta(seconds=self.lease_seconds)
        return dt.timedelta(seconds=2 * self.timeout_seconds + 5)

    async def run(self) -> None:
        """Deliver due webhooks until stopped; an error of the database is logged, not fatal."""
        try:
            while not self._stopping.is_set():
                try:
                    done = await self.deliver_due()
                except Exception:  # the sender must outlive a database hiccup
                    log.exception("the webhook sender failed a round; trying again")
                    done = 0
                if done < self.batch:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)
        finally:
            await self.close()

    def stop(self) -> None:
        self._stopping.set()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                trust_env=False,  # no proxy: the connection goes to the address checked
                timeout=httpx.Timeout(self.timeout_seconds),
                # No connection kept: one made for one host name on an address must not
                # carry another name's request (its TLS session named the first).
                limits=httpx.Limits(max_keepalive_connections=0),
                transport=self.transport,
            )
        return self._client

    async def deliver_due(self) -> int:
        """One round: claim what is due, attempt each; how many were attempted."""
        now = self.clock()
        async with self.database.unit_of_work(writes=False) as session:
            if not await repository.any_due(session, now):
                return 0
        async with self.database.unit_of_work() as session:
            claimed = await repository.claim_due(session, now, self.lease, self.batch)
        for index, one in enumerate(claimed):
            attempt = await self.attempt(one)
            async with self.database.unit_of_work() as session:
                recorded = self.clock()
                rest = [c.delivery_id for c in claimed[index + 1 :]]
                await repository.renew_claims(session, rest, max(now, recorded) + self.lease)
                await self._record(session, one, attempt, recorded)
        return len(claimed)

    async def attempt(self, one: Claimed) -> Attempt:
        """POST the event to the subscription's URL, once."""
        now = self.clock()
        try:
            secrets_in_force = [self.config.sealer.open(one.secret_sealed)]
            if (
                one.previous_secret_sealed is not None
                and one.previous_expires_on is not None
                and one.previous_expires_on > now
            ):
                secrets_in_force.append(self.config.sealer.open(one.previous_secret_sealed))
        except SealBroken as broken:
            return Attempt({}, error=str(broken))
        body = one.body.encode()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signing.headers(secrets_in_force, one.message_id, now, body),
        }
        try:  # the lookup counts against the attempt's time too: the claim's lease covers both
            async with asyncio.timeout(self.timeout_seconds):
                target = await targets.check(one.url, self.config.allowed, self.config.resolve)
        except Invalid as refused:
            return Attempt(headers, error=refused.message)
        except TimeoutError:
            return Attempt(headers, error="the host name was not resolved in time")
        url = httpx.URL(target.url)
        pinned = url.copy_with(host=str(target.address))
        sent = {**headers, "host": url.netloc.decode("ascii")}
        extensions: dict[str, object] = {}
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout_seconds + 1):
                return await self._post(pinned, body, sent, extensions, started, now)
        except (httpx.HTTPError, OSError, TimeoutError) as error:
            return Attempt(
                sent,
                duration_ms=_elapsed(started),
                error=f"{type(error).__name__}: {error}"[:2000] or type(error).__name__,
            )

    async def _post(
        self,
        url: httpx.URL,
        body: bytes,
        headers: dict[str, str],
        extensions: dict[str, object],
        started: float,
        now: dt.datetime,
    ) -> Attempt:
        request = self._http().build_request(
            "POST", url, content=body, headers=headers, extensions=extensions
        )
        response = await self._http().send(request, stream=True)
        try:
            kept = bytearray()
            async for chunk in response.aiter_bytes():
                kept.extend(chunk[: RESPONSE_BODY_MAX - len(kept)])
                if len(kept) >= RESPONSE_BODY_MAX:
                    break
        finally:
            await response.aclose()
        return Attempt(
            headers,
            status=response.status_code,
            duration_ms=_elapsed(started),
            body=_storable(kept.decode("utf-8", errors="replace")),
            response_headers=redacted(dict(response.headers)),
            retry_after=schedule.parse_retry_after(response.headers.get("retry-after"), now),
        )

    async def _record(
        self, session: AsyncSession, one: Claimed, attempt: Attempt, now: dt.datetime
    ) -> None:
        """The attempt on its delivery, and what it means for the subscription."""
        tries = one.attempts + 1
        values: dict[str, object] = {
            "attempts": tries,
            "last_attempt_on": now,
            "response_status": attempt.status,
            "duration_ms": attempt.duration_ms,
            "response_body": attempt.body,
            "response_headers": attempt.response_headers,
            "request_headers": attempt.request_headers,
            "error": attempt.error,
        }
        subscription = await repository.subscription_for_update(session, one.subscription_id)
        if subscription is None:  # deleted meanwhile (its deliveries with it)
            return
        if attempt.succeeded:
            values.update(
                status=DeliveryStatus.SUCCEEDED.value, next_attempt_on=None, delivered_on=now
            )
            subscription.failing_since = None
            await repository.record_attempt(session, one.delivery_id, values)
            return
        if attempt.status == GONE:
            values.update(status=DeliveryStatus.FAILED.value, next_attempt_on=None)
            await repository.record_attempt(session, one.delivery_id, values)
            await self._disable(
                session,
                subscription,
                now,
                f"the endpoint answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC",
            )
            return
        retry = schedule.next_attempt(tries, now, attempt.retry_after, self.random)
        if not subscription.enabled:  # disabled while this attempt was under way
            values.update(status=DeliveryStatus.CANCELED.value, next_attempt_on=None)
            await repository.record_attempt(session, one.delivery_id, values)
            return
        if retry is None:
            values.update(status=DeliveryStatus.FAILED.value, next_attempt_on=None)
        else:
            values.update(next_attempt_on=retry)
        await repository.record_attempt(session, one.delivery_id, values)
        log.warning(
            "webhook delivery %s to %s failed (attempt %s%s): %s",
            one.delivery_id,
            one.url,
            tries,
            "" if retry is None else f", next at {retry.isoformat(timespec='seconds')}",
            attempt.error or f"HTTP {attempt.status}",
        )
        if subscription.failing_since is None:
            subscription.failing_since = now
        elif subscription.enabled and now - subscription.failing_since >= self.disable_after:
            days = self.disable_after / dt.timedelta(days=1)
            await self._disable(
                session,
                subscription,
                now,
                f"every delivery failed for {days:g} days, since"
                f" {subscription.failing_since:%Y-%m-%d %H:%M} UTC",
            )
        await session.flush()

    async def _disable(
        self,
        session: AsyncSession,
        subscription: WebhookSubscription,
        now: dt.datetime,
        reason: str,
    ) -> None:
        """Disable the subscription, cancel what it has not been sent, mail the admins."""
        if not subscription.enabled:
            return
        subscription.enabled = False
        subscription.disabled_reason = reason
        subscription.disabled_on = now
        subscription.updated_on = now
        await session.flush()
        await reference.changed(session, subscription.portal_id)  # no more events for it
        await repository.cancel_pending(session, subscription.id, now)
        await audit.record(
            session,
            portal_id=subscription.portal_id,
            by=SYSTEM,
            kind=AuditKind.WEBHOOK_DISABLED,
            subject=Subject(None, None),
            detail={"webhook": subscription.id, "url": subscription.url, "reason": reason},
        )
        log.warning("webhook %s (%s) disabled: %s", subscription.id, subscription.url, reason)
        for recipient in await repository.active_admin_emails(session, subscription.portal_id):
            await mail.enqueue(
                session,
                portal_id=subscription.portal_id,
                recipient=recipient,
                subject=f"Webhook {subscription.id} disabled: {subscription.url}",
                body=(
                    f"The webhook {subscription.id} to {subscription.url} was disabled: {reason}."
                    "\n\nNothing more is sent to it until an administrator enables it again"
                    " (PATCH /api/v1/webhooks/{id} with enabled: true); its deliveries that"
                    " failed can then be sent again (POST /api/v1/webhooks/{id}/redeliver)."
                ),
                now=now,
            )


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
