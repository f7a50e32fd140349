"""Reference data: resolve a {id} / {name} reference to a row, add new values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from releasedesk.core.errors import Invalid, NotFound, NotUnique, WrongType
from releasedesk.core.lookups import repository
from releasedesk.db.models import LOOKUP_MODELS, LookupBase

KINDS = tuple(LOOKUP_MODELS)
PARENT_KIND = {"subcategory": "category", "item": "subcategory"}
COLORED_KINDS = {"priority", "release_type"}


def reference_id(value: Any, field: str) -> int | None:
    """An id given as a number or a numeric string; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise WrongType(f"'{field}' id must be a number", field)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise Invalid(f"'{value}' is not a valid id for '{field}'", field)


async def resolve(
    session: AsyncSession,
    portal_id: int,
    kind: str,
    ref: Mapping[str, Any],
    *,
    field: str,
    parent_id: int | None = None,
) -> LookupBase:
    """The row a reference points at: by `id` when given, else by `name` (any case)."""
    lookup_id = reference_id(ref.get("id"), field)
    if lookup_id is not None:
        row = await repository.get(session, kind, portal_id, lookup_id)
        if row is None:
            raise Invalid(f"No {field} with id '{lookup_id}'", field)
        return row
    name = ref.get("name")
    if name is None:
        raise Invalid(f"'{field}' needs an id or a name", field)
    if not isinstance(name, str):
        raise WrongType(f"'{field}' name must be a string", field)
    rows = await repository.find_by_name(session, kind, portal_id, name, parent_id)
    if not rows:
        raise Invalid(f"No {field} named '{name}'", field)
    if len(rows) > 1:
        raise NotUnique(f"More than one {field} is named '{name}'; give its id", field)
    return rows[0]


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
            await resolve(session, portal_id, parent_kind, {"name": parent}, field=parent_kind)
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
    return await repository.insert(session, kind, portal_id, name=name, **values)


async def list_lookups(session: AsyncSession, portal_id: int, kind: str) -> Sequence[LookupBase]:
    if kind not in LOOKUP_MODELS:
        raise NotFound(f"unknown kind '{kind}'", "kind")
    return await repository.list_kind(session, kind, portal_id)
