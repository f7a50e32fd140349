"""Wire values more than one dialect uses: epoch milliseconds, ids sent as strings, booleans
sent as "true"/"false". Each returns the core's neutral type or raises a core error naming
the field, so the dialect's error format reports it."""

from __future__ import annotations

import datetime as dt

from releasedesk.core.errors import Invalid, WrongType

MAX_ID_DIGITS = 18
INT64 = 2**63 - 1


MAX_DIGITS = 30  # past any 64-bit number; keeps int() away from huge texts


def is_digits(text: str) -> bool:
    """ASCII digits only ('²' and other Unicode digits are not numbers int() takes)."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS


def _signed_digits(text: str) -> bool:
    return is_digits(text.strip().removeprefix("-"))


def epoch_ms_to_datetime(value: object, field: str) -> dt.datetime:
    """Epoch milliseconds (a number or a numeric string) as an aware UTC datetime."""
    if isinstance(value, bool):
        raise WrongType(f"'{field}' needs a time in epoch milliseconds", field)
    if isinstance(value, str) and _signed_digits(value):
        value = int(value.strip())
    if not isinstance(value, int | float):
        raise WrongType(f"'{field}' needs a time in epoch milliseconds", field)
    try:
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise Invalid(f"'{value}' is not a valid time for '{field}'", field) from None


def datetime_to_epoch_ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


def integer(value: object, field: str) -> int:
    """A whole number given as a number or a numeric string, within a 64-bit integer (what
    the databases hold)."""
    if isinstance(value, bool):
        raise WrongType(f"'{field}' needs a number", field)
    if isinstance(value, str) and _signed_digits(value):
        value = int(value.strip())
    if not isinstance(value, int):
        raise WrongType(f"'{field}' needs a number", field)
    if not -INT64 <= value <= INT64:
        raise Invalid(f"'{value}' is too large for '{field}'", field)
    return value


def entity_id(value: object, field: str) -> int:
    """A positive id given as a number or a string of digits (as the samples send ids)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongType(f"'{field}' id must be a number", field)
    text = str(value).strip()
    if not is_digits(text) or len(text) > MAX_ID_DIGITS:
        raise Invalid(f"'{value}' is not a valid id for '{field}'", field)
    return int(text)


def boolean(value: object, field: str) -> bool:
    """true / false, or the strings "true" / "false" in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise WrongType(f"'{field}' must be true or false", field)


def refuse_unknown(given: object, allowed: frozenset[str] | set[str], where: str) -> None:
    """A client that sends a key the operation does not take must learn it was not used."""
    if not isinstance(given, dict):
        return
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise Invalid(f"'{unknown[0]}' is not a field of {where}", unknown[0])
