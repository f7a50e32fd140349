"""Reference data: resolve a {id} / {name} reference to a value, add new values.

Reads answer from the values the process holds for the portal's reference version
(core/reference) when they can, else from the database; adding a value bumps the version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid, NotFound, NotUnique
from releasedesk.core.lookups import repository
from releasedesk.core.reference import service as reference
from releasedesk.core.reference.views import fold
from releasedesk.core.refs import Ref
from releasedesk.core.values import Named
from releasedesk.db.models import LOOKUP_MODELS, LookupBase

KINDS = tuple(LOOKUP_MODELS)
PARENT_KIND = {"subcategory": "category", "item": "subcategory"}
COLORED_KINDS = {"priority", "release_type"}


async def resolve(
    session: AsyncSession,
    portal_id: int,
    kind: str,
    ref: Ref,
    *,
    field: str,
    parent_id: int | None = None,
) -> Named:
    """The value a reference points at: by `id` when given, else by `name` (any case)."""
    held = await reference.lookups(session, portal_id, kind)
    if ref.id is not None:
        if held is not None:
            value = held.get(ref.id)
        else:
            row = await repository.get(session, kind, portal_id, ref.id)
            value = None if row is None else named(kind, row)
        if value is None:
            raise Invalid(f"No {field} with id '{ref.id}'", field)
        return value
    name = ref.name_or_fail(field)
    folded = fold(name)
    if held is not None and folded is not None:
        rows = held.named(folded, parent_id)
    else:
        found = await repository.find_by_name(session, kind, portal_id, name, parent_id)
        rows = [named(kind, row) for row in found]
    if not rows:
        raise Invalid(f"No {field} named '{name}'", field)
    if len(rows) > 1:
        raise NotUnique(f"More than one {field} is named '{name}'; give its id", field)
    return rows[0]


async def resolve_row(
    session: AsyncSession,
    portal_id: int,
    kind: str,
    ref: Ref,
    *,
    field: str,
    parent_id: int | None = None,
) -> LookupBase:
    """As `resolve`, the row itself, from the database: for a caller that needs columns a
    `Named` does not carry (a release role's internal name, user type)."""
    if ref.id is not None:
        row = await repository.get(session, kind, portal_id, ref.id)
        if row is None:
            raise Invalid(f"No {field} with id '{ref.id}'", field)
        return row
    name = ref.name_or_fail(field)
    rows = await repository.find_by_name(session, kind, portal_id, name, parent_id)
    if not rows:
        raise Invalid(f"No {field} named '{name}'", field)
    if len(rows) > 1:
        raise NotUnique(f"More than one {field} is named '{name}'; give its id", field)
    return rows[0]


async def list_rows(session: AsyncSession, portal_id: int, kind: str) -> Sequence[LookupBase]:
    """As `list_lookups`, the rows themselves, from the database (see `resolve_row`)."""
    if kind not in LOOKUP_MODELS:
        raise NotFound(f"unknown kind '{kind}'", "kind")
    return await repository.list_kind(session, kind, portal_id)


def named(kind: str, row: LookupBase) -> Named:
    """A row of `kind` as the view every reader gets."""
    return Named(**{column: getattr(row, column) for column in repository.named_columns(kind)})


async def add_lookup(
    session: AsyncSession,
    *,
    portal_id: int,
    kind: str,
    name: str,
    parent: str | None = None,
    color: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> LookupBase:
    """A new value of `kind`; subcategories and items name their parent."""
    if kind not in LOOKUP_MODELS:
        raise Invalid(f"unknown kind '{kind}'; one of {', '.join(KINDS)}", "kind")
    name = name.strip()
    if not name:
        raise Invalid("name must not be empty", "name")
    values: dict[str, Any] = dict(extra or {})
    parent_kind = PARENT_KIND.get(kind)
    if parent_kind:
        if not parent:
            raise Invalid(f"a {kind} needs --parent (its {parent_kind})", "parent")
        values["parent_id"] = (
            await resolve(session, portal_id, parent_kind, Ref(name=parent), field=parent_kind)
        ).id
    elif parent:
        raise Invalid(f"a {kind} has no parent", "parent")
    if color is not None:
        if kind not in COLORED_KINDS:
            raise Invalid(f"a {kind} has no color", "color")
        values["color"] = color
    if kind == "release_role":
        values.setdefault("internal_name", name.lower().replace(" ", "_"))
    existing = await repository.find_by_name(
        session, kind, portal_id, name, values.get("parent_id")
    )
    if existing:
        raise NotUnique(f"{kind} '{name}' already exists", "name")
    row = await repository.insert(session, kind, portal_id, name=name, **values)
    await reference.changed(session, portal_id)
    return row


async def list_lookups(session: AsyncSession, portal_id: int, kind: str) -> Sequence[Named]:
    """The portal's values of `kind`, by id."""
    if kind not in LOOKUP_MODELS:
        raise NotFound(f"unknown kind '{kind}'", "kind")
    held = await reference.lookups(session, portal_id, kind)
    if held is not None:
        return held.all()
    return [named(kind, row) for row in await repository.list_kind(session, kind, portal_id)]
