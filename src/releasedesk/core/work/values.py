"""Check a task's, worklog's, note's or reminder's values (already typed by the dialect)
and turn them into column values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.actors import Actor, Role
from releasedesk.core.errors import Invalid, Mandatory, TimesOutOfOrder, WrongType
from releasedesk.core.refs import Ref
from releasedesk.core.releases import roles
from releasedesk.core.text import plain_line, sanitize_html
from releasedesk.core.work.kinds import ChildField, ChildKind, FieldType

ChildValue: TypeAlias = str | int | bool | dt.datetime | dt.timedelta | Ref | None
"""What a dialect hands the core for one field: text, a number, a flag, an aware datetime,
a duration, or a reference to a user."""
ColumnValue: TypeAlias = str | int | bool | dt.datetime | None


def _text(spec: ChildField, value: ChildValue) -> str:
    if not isinstance(value, str):
        raise WrongType(f"'{spec.name}' must be a string", spec.name)
    return value


def _choice(spec: ChildField, value: ChildValue) -> str:
    name = _text(spec, value)
    for choice in spec.choices:
        if choice.lower() == name.strip().lower():
            return choice
    raise Invalid(f"'{name}' is not one of {', '.join(spec.choices)}", spec.name)


MAX_MINUTES = 2**31 - 1  # what the column holds on every database


def _minutes(spec: ChildField, value: ChildValue) -> int:
    if not isinstance(value, dt.timedelta):
        raise WrongType(f"'{spec.name}' needs a duration", spec.name)
    if value < dt.timedelta(0):
        raise Invalid(f"'{spec.name}' cannot be negative", spec.name)
    minutes = int(value.total_seconds() // 60)
    if minutes > MAX_MINUTES:
        raise Invalid(f"'{spec.name}' is longer than this server keeps", spec.name)
    return minutes


def _percent(spec: ChildField, value: ChildValue) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(f"'{spec.name}' must be a number", spec.name)
    if not 0 <= value <= 100:
        raise Invalid(f"'{spec.name}' must be between 0 and 100", spec.name)
    return value


async def column_value(
    session: AsyncSession, actor: Actor, spec: ChildField, value: ChildValue
) -> ColumnValue:
    """The stored value of one field; None clears it (a mandatory field cannot be cleared)."""
    name = spec.name
    if value is None:
        if spec.mandatory:
            raise Invalid(f"'{name}' cannot be empty", name)
        return spec.default
    if spec.type is FieldType.LINE:
        return plain_line(_text(spec, value), name, mandatory=spec.mandatory)
    if spec.type is FieldType.HTML:
        cleaned = sanitize_html(_text(spec, value), name)
        if spec.mandatory and not cleaned.strip():
            raise Invalid(f"'{name}' cannot be empty", name)
        return cleaned
    if spec.type is FieldType.DATETIME:
        if not isinstance(value, dt.datetime):
            raise WrongType(f"'{name}' needs a time", name)
        return value
    if spec.type is FieldType.BOOL:
        if not isinstance(value, bool):
            raise WrongType(f"'{name}' must be true or false", name)
        return value
    if spec.type is FieldType.PERCENT:
        return _percent(spec, value)
    if spec.type is FieldType.STAFF:
        if not isinstance(value, Ref):
            raise WrongType(f"'{name}' needs a user", name)
        user = await roles.resolve_user(session, actor, value, field=name)
        if user.role == Role.REQUESTER:
            raise Invalid(f"'{user.name}' is a requester; {name} must be a technician", name)
        return user.id
    if spec.type is FieldType.CHOICE:
        return _choice(spec, value)
    return _minutes(spec, value)


async def column_values(
    session: AsyncSession,
    actor: Actor,
    kind: ChildKind,
    given: Mapping[str, ChildValue],
    *,
    creating: bool,
) -> dict[str, ColumnValue]:
    """Column values for the fields given; on create, mandatory fields and defaults too."""
    for name in given:
        if kind.field(name) is None:
            raise Invalid(f"'{name}' is not a field of a {kind.name}", name)
    values: dict[str, ColumnValue] = {}
    for spec in kind.fields:
        if spec.name in given:
            values[spec.attribute] = await column_value(session, actor, spec, given[spec.name])
        elif creating:
            if spec.mandatory:
                raise Mandatory(spec.name)
            if spec.default is not None:
                values[spec.attribute] = spec.default
    return values


def check_times(kind: ChildKind, values: Mapping[str, object]) -> None:
    """End times may not come before their start times."""
    for start_name, end_name in kind.ordered_times:
        start, end = values.get(start_name), values.get(end_name)
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end < start:
            raise TimesOutOfOrder(f"'{end_name}' is before '{start_name}'", end_name)
