"""Throttling sign-ins: every failed sign-in (a wrong password, a login no user has, a key
that does not exist) is counted against the user (or the login tried) and the client
address; past a limit within the window, password sign-ins for that user, or from that
address, are refused with `RateLimited` until the window passes, the right password
included. A key that works is never held back by this; only an optional per-key request
limit (off by default) applies to keys.

A failure is counted and audited by `record_failure` in a unit of work of its own, after
the request's (which rolls back on the refusal and, on SQLite, holds the write lock a
second writer would wait for). Refusals past a limit write nothing: they are counted in
the process (`Throttle.refused`), and the onset is audited once, by the failure whose hit
reached the limit (hits are atomic, so exactly one does).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import SYSTEM, AuditActor, AuditKind, Detail, Subject, iso
from releasedesk.core.errors import NotFound, RateLimited, Unauthenticated
from releasedesk.core.portals import service as portals
from releasedesk.core.throttle.counts import Count, Store, address_bucket, key_bucket
from releasedesk.core.throttle.redis_store import RedisStore
from releasedesk.core.throttle.repository import DatabaseStore
from releasedesk.settings import ThrottleSettings

log = logging.getLogger("releasedesk.throttle")

THROTTLED = "Too many failed sign-ins: try again in {seconds} seconds"
KEY_LIMITED = "Too many requests with this key: try again in {seconds} seconds"
# Who a failed sign-in is by: no one known (the client's address is in the detail).
ANONYMOUS = AuditActor(None, "anonymous")
UNKNOWN_KEY = Subject(None, "(unknown key)")
LOGIN_SHOWN = 100  # characters of a login no user has kept in the trail
# Expired rows of the database store are deleted at most this often per process.
PURGE_EVERY = 60.0

AfterAction = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed sign-in to count and audit: the portal it was for (`portal_id` None when
    only the name is known: looked up when recorded; a portal that does not exist gets no
    audit entry), whom it was about (`subject`, with the user's or login's bucket; none for
    a key), the client address and how (`via`: password or key)."""

    portal_name: str
    portal_id: int | None
    subject: Subject
    user_bucket: str | None
    address: str
    via: str


class SignInFailed(Unauthenticated):
    """A refused password or unknown key, carrying the failure to record once the request's
    own transaction is over."""

    def __init__(self, message: str, failure: Failure) -> None:
        super().__init__(message)
        self.failure = failure


def shown_login(login: str) -> str:
    """A login tried, as the trail keeps it: storable text (no NUL, no lone surrogate,
    which PostgreSQL refuses and would lose the entry), at most LOGIN_SHOWN characters."""
    text = login.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    return text[:LOGIN_SHOWN]


class Throttle:
    """The limits of `settings` over `store`; `clock` gives epoch seconds."""

    def __init__(
        self, settings: ThrottleSettings, store: Store, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        # Requests refused past a limit in this process, by scope: counted, never written.
        self.refused: Counter[str] = Counter()
        self._purged_at = 0.0

    @property
    def limits_keys(self) -> bool:
        """Whether a per-key request limit is set."""
        return self.settings.key_requests > 0

    async def check_password(
        self, session: AsyncSession, user_bucket: str | None, address: str
    ) -> None:
        """Refuse a password sign-in for a user past their limit, or from an address past
        its own, before the password is checked (only reads)."""
        scopes = [("address", address_bucket(address), self.settings.address_failures)]
        if user_bucket is not None:
            scopes.append(("user", user_bucket, self.settings.user_failures))
        await self._refuse_past(session, scopes)

    async def check_address(self, session: AsyncSession, address: str) -> None:
        """Refuse an unknown key from an address past its limit (nothing is written)."""
        scopes = [("address", address_bucket(address), self.settings.address_failures)]
        await self._refuse_past(session, scopes)

    async def _refuse_past(
        self, session: AsyncSession, scopes: Sequence[tuple[str, str, int]]
    ) -> None:
        live = [(scope, bucket, limit) for scope, bucket, limit in scopes if limit > 0]
        if not live:
            return
        now = self.clock()
        counts = await self.store.read(session, [bucket for _, bucket, _ in live], now)
        past = [
            (scope, count)
            for (scope, _, limit), count in zip(live, counts, strict=True)
            if count is not None and count.hits >= limit
        ]
        if past:
            wait = max(count.seconds_left(now) for _, count in past)
            for scope, _ in past:
                self.refused[scope] += 1
            raise RateLimited(THROTTLED.format(seconds=wait), wait)

    async def record_failure(self, session: AsyncSession, failure: Failure) -> None:
        """Count a failed sign-in against its user (if any) and address, and audit it (and
        a limit it reached) in `session`, a unit of work of its own."""
        now = self.clock()
        window = self.settings.window_seconds
        user = None
        if failure.user_bucket is not None:
            user = await self.store.hit(session, failure.user_bucket, window, now)
        address = await self.store.hit(session, address_bucket(failure.address), window, now)
        await self._purge(session, now)
        portal_id = failure.portal_id
        if portal_id is None:
            portal_id = await _portal_id(session, failure.portal_name)
        if portal_id is None:  # a portal that does not exist has no trail to write to
            log.info("sign-in failed for a portal that does not exist, from %s", failure.address)
            return
        detail: Detail = {
            "via": failure.via,
            "address": failure.address,
            "address_failures": address.hits,
            "user_failures": None if user is None else user.hits,
        }
        await audit.record(
            session,
            portal_id=portal_id,
            by=ANONYMOUS,
            kind=AuditKind.SIGN_IN_FAILED,
            subject=failure.subject,
            detail=detail,
        )
        for scope, count, limit in (
            ("user", user, self.settings.user_failures),
            ("address", address, self.settings.address_failures),
        ):
            if count is not None and limit > 0 and count.hits == limit:
                await self._record_onset(session, portal_id, failure, scope, count)

    async def _record_onset(
        self, session: AsyncSession, portal_id: int, failure: Failure, scope: str, count: Count
    ) -> None:
        until = iso_of(count.resets_at)
        whom = f"'{failure.subject.user_name}'" if scope == "user" else failure.address
        log.warning(
            "password sign-ins for %s %s refused until %s after %d failures",
            scope,
            whom,
            until,
            count.hits,
        )
        await audit.record(
            session,
            portal_id=portal_id,
            by=SYSTEM,
            kind=AuditKind.SIGN_IN_THROTTLED,
            subject=failure.subject,
            detail={
                "scope": scope,
                "address": failure.address,
                "failures": count.hits,
                "until": until,
            },
        )

    async def key_request(self, session: AsyncSession, key_hash: str) -> AfterAction | None:
        """Count a request of a working key against the per-key limit, if one is set:
        refused past it (RateLimited). Redis counts it at once; the database store reads
        the count now and returns the hit to make after the request's unit of work (a
        write of its own, not one that would hold the key's row for the whole request)."""
        limit = self.settings.key_requests
        if limit <= 0:
            return None
        bucket = key_bucket(key_hash)
        window = self.settings.key_window_seconds
        now = self.clock()
        if not isinstance(self.store, DatabaseStore):
            count = await self.store.hit(session, bucket, window, now)
            if count.hits > limit:
                self._refuse_key(count, now)
            return None
        [counted] = await self.store.read(session, [bucket], now)
        if counted is not None and counted.hits >= limit:
            self._refuse_key(counted, now)

        async def count_it(after: AsyncSession) -> None:
            hit_at = self.clock()
            await self.store.hit(after, bucket, window, hit_at)
            await self._purge(after, hit_at)

        return count_it

    def _refuse_key(self, count: Count, now: float) -> None:
        self.refused["key"] += 1
        wait = count.seconds_left(now)
        raise RateLimited(KEY_LIMITED.format(seconds=wait), wait)

    async def _purge(self, session: AsyncSession, now: float) -> None:
        """Delete the database store's rows whose window has passed, at most once a
        PURGE_EVERY per process (a new hit on such a row would start it again anyway)."""
        if isinstance(self.store, DatabaseStore) and now - self._purged_at >= PURGE_EVERY:
            self._purged_at = now
            await self.store.purge(session, before=now)

    async def close(self) -> None:
        await self.store.close()


def iso_of(epoch: float) -> str:
    return iso(dt.datetime.fromtimestamp(epoch, dt.UTC))


async def _portal_id(session: AsyncSession, name: str) -> int | None:
    try:
        return (await portals.get_portal(session, name)).id
    except NotFound:
        return None


def throttle_for(settings: ThrottleSettings) -> Throttle:
    """The server's throttle: counters in Redis when a URL is configured, else in the
    database."""
    store: Store
    if settings.redis_url:
        store = RedisStore(settings.redis_url, settings.redis_prefix)
    else:
        store = DatabaseStore()
    return Throttle(settings, store)
