"""The storage's constraint violations as core errors: a duplicate is `NotUnique` naming the
field its index guards, a missing reference `Invalid`, contention `Conflict` (try again).

Storage knows no domain (db/integrity.py describes a violation in its own exceptions); the
core registers this translation with it when the core package is imported, before any
statement of the domain can run."""

from __future__ import annotations

from typing import assert_never

from releasedesk.core.errors import Conflict, Invalid, NotUnique, ReleaseDeskError
from releasedesk.db.integrity import (
    Contention,
    Duplicate,
    MissingReference,
    Violation,
    translate_violations,
)


def core_error(violation: Violation) -> ReleaseDeskError:
    """The core error a violation is to every front (exhaustive: mypy checks each case)."""
    match violation:
        case Duplicate():
            return NotUnique(violation.message, violation.field)
        case MissingReference():
            return Invalid(violation.message)
        case Contention():
            return Conflict(violation.message)
        case _:
            assert_never(violation)


translate_violations(core_error)
