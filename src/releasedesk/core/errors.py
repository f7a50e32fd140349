"""Typed domain errors; each dialect maps them to its vendor's error format.

Each error names its kind, one of `ErrorKind`; a front answers by kind from a table built
with `every_kind`, which refuses (at import) a table that misses one, so no kind can fall
through to some default answer."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, TypeVar

Answer = TypeVar("Answer")


class ErrorKind(StrEnum):
    """What went wrong, as every front tells it apart (a dialect's status code, a page's)."""

    INVALID = "invalid"
    WRONG_TYPE = "wrong_type"
    MANDATORY = "mandatory"
    READ_ONLY = "read_only"
    NOT_FOUND = "not_found"
    NOT_UNIQUE = "not_unique"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    TIMES_OUT_OF_ORDER = "times_out_of_order"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNAUTHENTICATED = "unauthenticated"
    RATE_LIMITED = "rate_limited"


def every_kind(table: Mapping[ErrorKind, Answer]) -> Mapping[ErrorKind, Answer]:
    """`table`, read-only, once it answers every kind and nothing else; a front's error
    table is built with it, so a kind added here fails that front's import until mapped."""
    missing = [str(kind) for kind in ErrorKind if kind not in table]
    extra = [repr(key) for key in table if not isinstance(key, ErrorKind)]
    if missing or extra:
        raise TypeError(
            f"an error table must map every ErrorKind: missing {missing}, extra {extra}"
        )
    return MappingProxyType(dict(table))


class ReleaseDeskError(Exception):
    """Base of every error the core raises on purpose; `field` names the field at fault.
    Never raised itself: each subclass declares its `kind` (checked when it is defined)."""

    kind: ClassVar[ErrorKind]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if not isinstance(getattr(cls, "kind", None), ErrorKind):
            raise TypeError(f"{cls.__name__}.kind must be an ErrorKind")

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Which element of a several-element request it is about (a bulk create), if any.
        self.index: int | None = None

    def at(self, index: int) -> ReleaseDeskError:
        """The same error, marked as about the element at `index` of the request."""
        self.index = index
        return self


class Invalid(ReleaseDeskError):
    """A value, id or key the entity does not accept."""

    kind = ErrorKind.INVALID


class WrongType(Invalid):
    """A value of the wrong JSON type (string where an object belongs, …)."""

    kind = ErrorKind.WRONG_TYPE


class Mandatory(ReleaseDeskError):
    kind = ErrorKind.MANDATORY

    def __init__(self, field: str, message: str | None = None) -> None:
        super().__init__(message or f"'{field}' is mandatory", field)


class ReadOnly(ReleaseDeskError):
    kind = ErrorKind.READ_ONLY

    def __init__(self, field: str, message: str | None = None) -> None:
        super().__init__(message or f"'{field}' is read-only", field)


class NotFound(ReleaseDeskError):
    kind = ErrorKind.NOT_FOUND


class NotUnique(ReleaseDeskError):
    kind = ErrorKind.NOT_UNIQUE


class Forbidden(ReleaseDeskError):
    kind = ErrorKind.FORBIDDEN


class Conflict(ReleaseDeskError):
    kind = ErrorKind.CONFLICT


class Frozen(Invalid):
    """A release meets a blocking freeze window: scheduled into one, or moved to deployment
    during one. `next_allowed_at` is the first time it could go instead (None: none within
    the horizon looked at)."""

    def __init__(self, message: str, field: str, window: str, next_allowed_at: object) -> None:
        super().__init__(message, field)
        self.window = window
        self.next_allowed_at = next_allowed_at


class TimesOutOfOrder(Invalid):
    """An end time before its start time."""

    kind = ErrorKind.TIMES_OUT_OF_ORDER


class UnsupportedMediaType(ReleaseDeskError):
    """A body in a content type the endpoint does not read (text/plain sent to a JSON API)."""

    kind = ErrorKind.UNSUPPORTED_MEDIA_TYPE


class Unauthenticated(ReleaseDeskError):
    """No key, an unknown key, or a key of another portal."""

    kind = ErrorKind.UNAUTHENTICATED


class RateLimited(ReleaseDeskError):
    """Too many failed sign-ins, or requests of one key: refused for `retry_after` seconds
    (each dialect answers 429 with a `Retry-After` header)."""

    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def from_validation_error(
    errors: list[dict[str, object]], prefix: str = "", *, whole: str = "body"
) -> ReleaseDeskError:
    """The first Pydantic validation error as a core error naming its (dotted) field; a
    missing whole input is named `whole`, as the dialect calls its request body."""
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if not isinstance(part, int)]  # type: ignore[attr-defined]
    # Pydantic names union members (dict[str,any], str, …) in loc; they are not fields.
    loc = [part for part in loc if not any(ch in part for ch in "[]()") and part not in _TYPE_NAMES]
    field = ".".join([p for p in (prefix, *loc) if p]) or None
    error_type = str(first.get("type", ""))
    if error_type == "missing":
        return Mandatory(field or whole)
    if error_type == "extra_forbidden":
        return Invalid(f"'{field}' is not a field of this entity", field)
    if error_type in ("string_too_long", "too_long"):  # a bound (core/limits.py), not a type
        return Invalid(f"'{field}': {first.get('msg', 'too long')}", field)
    return WrongType(f"'{field}' has the wrong type: {first.get('msg', '')}".rstrip(": "), field)


_TYPE_NAMES = {
    "str",
    "int",
    "bool",
    "float",
    "list",
    "dict",
    "none",
    "function-after",
    "function-before",
    "function-wrap",
    "function-plain",
    "tagged-union",
    "union",
}
