"""Turn a client's values for a task, worklog, note or reminder into column values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor
from releasedesk.core.errors import Invalid, Mandatory, TimesOutOfOrder, WrongType
from releasedesk.core.releases import roles
from releasedesk.core.releases.text import plain_line, sanitize_html
from releasedesk.core.search.query import to_datetime
from releasedesk.core.work.kinds import ChildField, ChildKind, FieldType


def _minutes(value: Any, name: str) -> int:
    """Minutes from 90, "90", or {"hours": "1", "minutes": "30"}."""
    if isinstance(value, Mapping):
        try:
            hours = int(str(value.get("hours", 0) or 0))
            minutes = int(str(value.get("minutes", 0) or 0))
        except ValueError:
            raise WrongType(f"'{name}' needs hours and minutes as numbers", name) from None
        total = hours * 60 + minutes
    elif isinstance(value, int) and not isinstance(value, bool):
        total = value
    elif isinstance(value, str) and value.strip().isdigit():
        total = int(value.strip())
    else:
        raise WrongType(f"'{name}' needs minutes or {{hours, minutes}}", name)
    if total < 0:
        raise Invalid(f"'{name}' cannot be negative", name)
    return total


def _choice(spec: ChildField, value: Any) -> str:
    name = value.get("name") if isinstance(value, Mapping) else value
    if not isinstance(name, str):
        raise WrongType(f"'{spec.name}' needs a name", spec.name)
    for choice in spec.choices:
        if choice.lower() == name.strip().lower():
            return choice
    raise Invalid(f"'{name}' is not one of {', '.join(spec.choices)}", spec.name)


async def column_value(session: AsyncSession, actor: Actor, spec: ChildField, value: Any) -> Any:
    """The stored value of one field; None clears it (a mandatory field cannot be cleared)."""
    name = spec.name
    if value is None:
        if spec.mandatory:
            raise Invalid(f"'{name}' cannot be empty", name)
        return spec.default
    if spec.type is FieldType.LINE:
        if not isinstance(value, str):
            raise WrongType(f"'{name}' must be a string", name)
        return plain_line(value, name, mandatory=spec.mandatory)
    if spec.type is FieldType.HTML:
        if not isinstance(value, str):
            raise WrongType(f"'{name}' must be a string", name)
        cleaned = sanitize_html(value)
        if spec.mandatory and not cleaned.strip():
            raise Invalid(f"'{name}' cannot be empty", name)
        return cleaned
    if spec.type is FieldType.DATETIME:
        return to_datetime(value, name)
    if spec.type is FieldType.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise WrongType(f"'{name}' must be true or false", name)
    if spec.type is FieldType.PERCENT:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if number is None:
            raise WrongType(f"'{name}' must be a number", name)
        if not 0 <= number <= 100:
            raise Invalid(f"'{name}' must be between 0 and 100", name)
        return number
    if spec.type is FieldType.STAFF:
        ref = value if isinstance(value, Mapping) else {"name": value}
        user = await roles.resolve_user(session, actor, dict(ref), field=name)
        if user.role == "requester":
            raise Invalid(f"'{user.name}' is a requester; {name} must be a technician", name)
        return user.id
    if spec.type is FieldType.CHOICE:
        return _choice(spec, value)
    return _minutes(value, name)


async def column_values(
    session: AsyncSession,
    actor: Actor,
    kind: ChildKind,
    given: Mapping[str, Any],
    *,
    creating: bool,
) -> dict[str, Any]:
    """Column values for the fields given; on create, mandatory fields and defaults too."""
    for name in given:
        if kind.field(name) is None:
            raise Invalid(f"'{name}' is not a field of a {kind.name}", name)
    values: dict[str, Any] = {}
    for spec in kind.fields:
        if spec.name in given:
            values[spec.attribute] = await column_value(session, actor, spec, given[spec.name])
        elif creating:
            if spec.mandatory:
                raise Mandatory(spec.name)
            if spec.default is not None:
                values[spec.attribute] = spec.default
    return values


def check_times(kind: ChildKind, row: Any) -> None:
    for start_name, end_name in kind.ordered_times:
        start: dt.datetime | None = getattr(row, start_name)
        end: dt.datetime | None = getattr(row, end_name)
        if start is not None and end is not None and end < start:
            raise TimesOutOfOrder(f"'{end_name}' is before '{start_name}'", end_name)
