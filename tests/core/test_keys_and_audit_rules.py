"""Pure rules of keys and the audit trail: expiry and --since parsing, key states, the
canonical serialization a hash chain will hash."""

from __future__ import annotations

import datetime as dt

import pytest

from releasedesk.core.audit.views import AuditActor, AuditEntry, AuditKind, Subject, canonical
from releasedesk.core.errors import Invalid
from releasedesk.core.users.expiry import parse_expiry, parse_since
from releasedesk.core.users.views import KeyState, KeyView

NOW = dt.datetime(2026, 12, 10, 15, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", NOW + dt.timedelta(days=90)),
        ("12h", NOW + dt.timedelta(hours=12)),
        ("2w", NOW + dt.timedelta(weeks=2)),
        (" 1D ", NOW + dt.timedelta(days=1)),
        # A date: valid through that whole day in UTC, refused from the next midnight on.
        ("2027-01-31", dt.datetime(2027, 2, 1, tzinfo=dt.UTC)),
        ("2026-12-10", dt.datetime(2026, 12, 11, tzinfo=dt.UTC)),  # today: until midnight
        ("2027-01-31T12:00:00+02:00", dt.datetime(2027, 1, 31, 10, tzinfo=dt.UTC)),
        ("2027-01-31T12:00", dt.datetime(2027, 1, 31, 12, tzinfo=dt.UTC)),  # no offset: UTC
    ],
)
def test_expiry_forms(text: str, expected: dt.datetime) -> None:
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0d", "not 0"),
        ("2026-12-09", "already past"),
        ("2026-12-10T15:30:00Z", "already past"),
        ("90 days", "is not a duration"),
        ("-5d", "is not a duration"),
        ("90m", "is not a duration"),  # minutes or months? neither is accepted
        ("tomorrow", "is not a duration"),
    ],
)
def test_expiry_refusals_say_why(text: str, says: str) -> None:
    with pytest.raises(Invalid, match=says) as refused:
        parse_expiry(text, NOW)
    assert refused.value.field == "expires"


def test_since_forms() -> None:
    assert parse_since("7d", NOW) == NOW - dt.timedelta(days=7)
    assert parse_since("2026-12-01", NOW) == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert parse_since("2026-12-01T08:00:00Z", NOW) == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    with pytest.raises(Invalid) as refused:
        parse_since("last week", NOW)
    assert refused.value.field == "since"


def _key(**changes: object) -> KeyView:
    values: dict[str, object] = {
        "id": 1,
        "name": "ci",
        "portal_id": 1,
        "user_id": 2,
        "user_name": "Heather Graham",
        "user_active": True,
        "prefix": "rdk_abcdefgh",
        "created_time": NOW,
        "expires_time": None,
        "last_used_time": None,
        "revoked_time": None,
        **changes,
    }
    return KeyView(**values)  # type: ignore[arg-type]


def test_key_states() -> None:
    assert _key().state(NOW) is KeyState.ACTIVE
    assert _key(expires_time=NOW).state(NOW) is KeyState.EXPIRED  # the instant it expires
    assert _key(expires_time=NOW + dt.timedelta(seconds=1)).state(NOW) is KeyState.ACTIVE
    assert _key(user_active=False).state(NOW) is KeyState.USER_INACTIVE
    assert _key(revoked_time=NOW, expires_time=NOW).state(NOW) is KeyState.REVOKED


def test_canonical_serialization_is_stable_and_complete() -> None:
    """Every stored column but the row id and its own hash, the chain's place and previous
    hash included; the time in UTC to the microsecond."""
    entry = AuditEntry(
        id=7,
        portal_id=3,
        portal_name="itdesk",
        occurred_time=dt.datetime(
            2026, 12, 10, 16, 30, 1, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))
        ),
        kind=AuditKind.ROLE_CHANGED,
        actor=AuditActor(None, "cli:root"),
        subject=Subject(5, "Zoë Admin"),
        detail={"to": "technician", "from": "admin"},
        chain_seq=4,
        previous_hash="ab" * 32,
        entry_hash="not hashed",
    )
    assert (
        canonical(entry)
        == (
            '{"actor_id":null,"actor_name":"cli:root","chain_seq":4,'
            '"detail":{"from":"admin","to":"technician"},'
            '"kind":"role_changed","occurred_time":"2026-12-10T15:30:01.000005+00:00",'
            '"portal_id":3,"previous_hash":"' + "ab" * 32 + '",'
            '"subject_key_id":null,"subject_key_name":null,"subject_user_id":5,'
            '"subject_user_name":"Zoë Admin"}'
        ).encode()
    )


def test_a_key_stops_at_its_expiry_instant_and_not_a_microsecond_before() -> None:
    from releasedesk.core.users.views import has_expired

    expires = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    assert not has_expired(expires, expires - dt.timedelta(microseconds=1))
    assert has_expired(expires, expires)
    assert not has_expired(None, expires)
