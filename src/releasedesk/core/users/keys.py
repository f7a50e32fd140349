"""API keys: issue, list, revoke, and turn a key into its caller on every request.

A key is stored as its SHA-256 hash and found by that hash in SQL; nothing compares a secret
in Python. `caller_of` is the one place a key hash becomes a caller: the database handle's auth
cache (cache.py) sits in front of it, so a known key's read costs no query; the writes here and in
service.py that change what a key stands for evict it after they commit, and other
processes hear of them through the database (db/auth_notify.py) within a bound
(docs/architecture.md, "Auth cache"). A writing unit of work reads its key from the
database whatever the cache holds, so a key revoked (or its user deactivated) in any
process changes nothing from the moment that commits. Expiry is checked against the time of
each request, cached or not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.audit import service as audit
from releasedesk.core.audit.views import SYSTEM, AuditActor, AuditKind, Subject, iso
from releasedesk.core.errors import Invalid, NotFound, NotUnique, Unauthenticated
from releasedesk.core.users import repository
from releasedesk.core.users.cache import AuthCache, auth_cache_of, evict_after_commit
from releasedesk.core.users.secrets import KEY_PREFIX, hash_api_key, new_api_key
from releasedesk.core.users.views import IssuedKey, KeyHolder, KeyView, RevokedKey
from releasedesk.db.base import utcnow
from releasedesk.db.models import ApiKey, User
from releasedesk.db.session import after_unit_of_work, commit, is_writing

# The same answer for a key that is unknown, revoked, expired, of another portal or of a
# deactivated user: the caller learns nothing about which.
REFUSED = "Invalid or expired authtoken"
# `last used` is written at most this often per key, not on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)
PREFIX_LENGTH = 12
LABEL_LENGTH = 200  # the column's size


class UnknownKey(Unauthenticated):
    """A key that matches no key at all (not a revoked, expired or another portal's one):
    what guessing keys looks like, so it counts as a failed sign-in (core/throttle)."""


def key_view(key: ApiKey, user: User | None = None) -> KeyView:
    """The key as listed; `user` when the key's holder is not loaded with it (a new key)."""
    user = user or key.user
    return KeyView(
        id=key.id,
        name=key.name,
        portal_id=key.portal_id,
        user_id=key.user_id,
        user_name=user.name,
        user_active=user.is_active,
        prefix=key.prefix,
        created_time=key.created_time,
        expires_time=key.expires_time,
        last_used_time=key.last_used_time,
        revoked_time=key.revoked_time,
    )


def key_subject(key: KeyView | KeyHolder) -> Subject:
    if isinstance(key, KeyHolder):
        return Subject(key.user_id, key.user_name, key.key_id, key.key_name)
    return Subject(key.user_id, key.user_name, key.id, key.name)


async def issue_key(
    session: AsyncSession,
    *,
    user: User,
    name: str | None = None,
    expires_time: dt.datetime | None = None,
    by: AuditActor = SYSTEM,
    now: dt.datetime | None = None,
) -> IssuedKey:
    """A new key for `user`, audited; only its hash is stored, so the key is shown this once."""
    now = now or utcnow()
    if not user.is_active:
        raise Invalid(f"'{user.name}' is deactivated: activate them first", "user")
    if expires_time is not None and expires_time <= now:
        raise Invalid("the expiry is already past", "expires")
    label = (name or "").strip() or user.name
    if len(label) > LABEL_LENGTH:
        raise Invalid(f"the label is longer than {LABEL_LENGTH} characters", "label")
    key = new_api_key()
    row = await repository.insert_key(
        session,
        ApiKey(
            portal_id=user.portal_id,
            user_id=user.id,
            name=label,
            key_hash=hash_api_key(key),
            prefix=key[:PREFIX_LENGTH],
            created_time=now,
            expires_time=expires_time,
        ),
    )
    view = key_view(row, user)
    detail = {"prefix": view.prefix, "expires": iso(expires_time) if expires_time else None}
    await audit.record(
        session,
        portal_id=user.portal_id,
        by=by,
        kind=AuditKind.KEY_CREATED,
        subject=key_subject(view),
        detail=detail,
        now=now,
    )
    return IssuedKey(key=key, view=view)


async def create_api_key(
    session: AsyncSession, *, user: User, name: str | None = None, by: AuditActor = SYSTEM
) -> str:
    """Issue a key that never expires and return the key itself (shown once)."""
    return (await issue_key(session, user=user, name=name, by=by)).key


async def list_keys(
    session: AsyncSession, portal_id: int, user_id: int | None = None
) -> Sequence[KeyView]:
    """The portal's keys (or one user's), revoked and expired ones too, in the order made."""
    return [key_view(key) for key in await repository.list_keys(session, portal_id, user_id)]


async def find_key(session: AsyncSession, which: str, portal_id: int | None = None) -> ApiKey:
    """The key named by its id, by its prefix as `token list` shows it, or by the key itself
    (looked up by its hash); `which` is never repeated in an error, as it may be the key."""
    which = which.strip()
    key: ApiKey | None
    if which.isascii() and which.isdigit():
        key = await repository.key_by_id(session, int(which))
        missing = f"no key with id {which}"
    elif which.startswith(KEY_PREFIX) and len(which) == PREFIX_LENGTH:
        found = await repository.keys_by_prefix(session, which)
        found = [k for k in found if portal_id is None or k.portal_id == portal_id]
        if len(found) > 1:
            ids = ", ".join(str(k.id) for k in found)
            raise NotUnique(f"keys {ids} share the prefix {which}: give the id", "key")
        key = found[0] if found else None
        missing = f"no key with prefix {which}"
    elif which.startswith(KEY_PREFIX) and len(which) > PREFIX_LENGTH:
        key = await repository.key_by_hash(session, hash_api_key(which))
        missing = "no key matches the key given"
    else:
        raise Invalid(
            f"give a key's id, its prefix (the {PREFIX_LENGTH} characters `token list` shows) "
            "or the whole key",
            "key",
        )
    if key is None or (portal_id is not None and key.portal_id != portal_id):
        raise NotFound(missing + (" in this portal" if portal_id is not None else ""), "key")
    return key


async def revoke_key(
    session: AsyncSession,
    which: str,
    *,
    portal_id: int | None = None,
    by: AuditActor = SYSTEM,
    now: dt.datetime | None = None,
) -> KeyView:
    """Revoke a key (see `find_key` for `which`), audited; its next request is refused."""
    return await revoke_found(session, await find_key(session, which, portal_id), by=by, now=now)


async def revoke_found(
    session: AsyncSession,
    key: ApiKey,
    *,
    by: AuditActor = SYSTEM,
    now: dt.datetime | None = None,
) -> KeyView:
    """Revoke a key already found (and, by the caller, allowed), audited; the auth cache
    forgets it once the transaction commits."""
    now = now or utcnow()
    view = key_view(key)
    if view.revoked_time is not None or not await repository.revoke_key(session, key.id, now):
        raise Invalid(f"key {key.id} ({key.prefix}) is already revoked", "key")
    evict_after_commit(session, key_id=key.id)
    await audit.record(
        session,
        portal_id=key.portal_id,
        by=by,
        kind=AuditKind.KEY_REVOKED,
        subject=key_subject(view),
        detail={"prefix": view.prefix},
        now=now,
    )
    return view


async def caller_of(
    session: AsyncSession,
    key_hash: str,
    cache: AuthCache | None = None,
    *,
    fresh: bool = False,
) -> KeyHolder | None:
    """Who an unrevoked key hash stands for, with the key's expiry and last use: from the
    cache if it holds the hash, else from the database (and then cached). `cache`: the
    session's database's by default (an `AuthCache(ttl=0)` keeps nothing: every call asks
    the database); `fresh` asks it too and renews, or drops, what the cache holds.

    Everything else in authentication is decided from this value, so the cache in front of
    it changes nothing else.
    """
    if cache is None:
        cache = auth_cache_of(session)
    if not fresh:
        held = cache.get(key_hash)
        if held is not None:
            return held
    generation = cache.generation  # before the read: see AuthCache.put
    holder = await repository.key_holder(session, key_hash)
    if holder is not None:
        cache.put(key_hash, holder, generation)
    elif fresh:
        cache.discard(key_hash)  # revoked meanwhile: this process's reads refuse it at once
    return holder


async def authenticate_key(
    session: AsyncSession,
    key: str,
    portal: str,
    *,
    now: dt.datetime | None = None,
    cache: AuthCache | None = None,
) -> Actor:
    """The actor behind an API key, if the key is valid on this portal now; `UnknownKey`
    when no key has its hash (the same message as every refusal).

    A read may take the caller from the cache; a write reads it from the database in its
    own transaction (on SQLite under the write lock its BEGIN IMMEDIATE took), so no write
    follows a revocation or deactivation committed before it, whichever process made it.
    It costs a write one indexed lookup (docs/architecture.md, "Auth cache").

    `last used` is written after the request's unit of work, in a transaction of its own:
    a failed write does not lose it, and a write does not hold the key's row for it.

    An expired key's refusal is audited once per key, a revoked key's once per key and
    hour, and committed before the refusal is raised: the request's transaction rolls back
    on the 401, and authentication is the first thing a request does, so nothing else of it
    is committed with the audit row. (A read request has no transaction: the audit service
    appends in one of its own.)
    """
    key_hash = hash_api_key(key.strip())
    if cache is None:
        cache = auth_cache_of(session)
    holder = await caller_of(session, key_hash, cache, fresh=is_writing(session))
    if holder is None:
        revoked = await repository.revoked_key(session, key_hash)
        if revoked is None:  # no key has this hash: a failed sign-in (core/throttle)
            raise UnknownKey(REFUSED)
        await _record_revoked_refusal(session, revoked, now or utcnow())
        raise Unauthenticated(REFUSED)
    if holder.portal_name != portal:
        raise Unauthenticated(REFUSED)
    now = now or utcnow()
    if holder.expired(now):
        await _record_expired_refusal(session, holder, now)
        raise Unauthenticated(REFUSED)
    if not holder.user_active:
        raise Unauthenticated(REFUSED)
    if holder.last_used_time is None or holder.last_used_time < now - TOUCH_EVERY:
        cache.touched(key_hash, now)  # first, so this key's concurrent requests do not write too
        key_id = holder.key_id

        async def touch(own: AsyncSession) -> None:
            await repository.touch_key(own, key_id, now, now - TOUCH_EVERY)

        await after_unit_of_work(session, touch)
    return holder.actor()


# A revoked key's refusals are recorded once per key in this period: the first try after
# the revocation and, if someone keeps trying, one entry an hour, not one per request.
REVOKED_REFUSAL_EVERY = dt.timedelta(hours=1)


async def _record_revoked_refusal(
    session: AsyncSession, revoked: RevokedKey, now: dt.datetime
) -> None:
    """Audit a revoked key's refusal (at most once per key and period), committed before
    the refusal is raised, as for an expired key."""
    first = await audit.record_once(
        session,
        portal_id=revoked.portal_id,
        by=SYSTEM,
        kind=AuditKind.KEY_REVOKED_REFUSED,
        subject=Subject(revoked.user_id, revoked.user_name, revoked.key_id, revoked.key_name),
        detail={"prefix": revoked.prefix, "revoked": iso(revoked.revoked_time)},
        now=now,
        every=REVOKED_REFUSAL_EVERY,
    )
    if first:
        await commit(session)


async def _record_expired_refusal(
    session: AsyncSession, holder: KeyHolder, now: dt.datetime
) -> None:
    assert holder.expires_time is not None
    first = await audit.record_once(
        session,
        portal_id=holder.portal_id,
        by=SYSTEM,
        kind=AuditKind.KEY_EXPIRED_REFUSED,
        subject=key_subject(holder),
        detail={"prefix": holder.prefix, "expired": iso(holder.expires_time)},
        now=now,
    )
    if first:
        await commit(session)
