"""Reading form fields into core values, and the errors a form shows beside its fields and
in the summary at the top of the page (the same words in both places)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from releasedesk.core.errors import ErrorKind, ReleaseDeskError
from releasedesk.web.context import PageContext

# The years a scheduled time may fall in: what people plan, with room for every date
# computation after it (a calendar's next free window looks 90 days further).
FIRST_YEAR, LAST_YEAR = 1970, 9000

# Refusals a form page shows as the core's error page (403, 404), not beside a field.
PAGE_REFUSALS = (ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND)

# Field names the core names in its errors, as the web form calls them.
FORM_FIELD = {"email_id": "email"}


@dataclass
class FormErrors:
    """Messages by field name, in the order found; `general` for one no field owns."""

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)

    @classmethod
    def of(cls, error: ReleaseDeskError, fields: tuple[str, ...] = ()) -> FormErrors:
        """A core error as form errors: beside its field when the form has it."""
        errors = cls()
        name = FORM_FIELD.get(error.field or "", error.field or "")
        if name and (not fields or name in fields):
            errors.add(name, error.message)
        else:
            errors.general.append(error.message)
        return errors


def id_field(ctx: PageContext, name: str, errors: FormErrors) -> int | None:
    """A choice sent as an id; empty is None."""
    text = ctx.field(name)
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) < 18):
        errors.add(name, "Choose one of the options")
        return None
    return int(text)


def datetime_field(ctx: PageContext, name: str, errors: FormErrors) -> dt.datetime | None:
    """A datetime-local value, read as UTC (the form says so beside the field)."""
    text = ctx.field(name)
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        errors.add(name, "Enter a date and time like 2026-12-24T09:30")
        return None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        errors.add(name, f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}")
        return None
    return moment
