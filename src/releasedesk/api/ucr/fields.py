"""UCR's keys of a release that are fields of the core's field registry, in one place.

UCR shows few of the registry's fields, some under its own names (`name` is the `title`,
`id` the `uuid`); the rest of a UCR release is its plan (lifecycle model, team, phases,
milestones) or derived (`baseApplication`, `hasEdit`). `tests/core/test_field_registry.py`
checks each name here is a registry field, so renaming one fails there.
"""

from __future__ import annotations

RELEASE_FIELDS: dict[str, str] = {
    "id": "uuid",
    "name": "title",
    "description": "description",
    "version": "version",
    "dateCreated": "created_time",
    "ghostedDate": "deleted_time",
    "createdByUserId": "created_by",
}
"""UCR's key → the registry field it shows."""

SETTABLE = ("name", "description")
"""The keys of these a UCR write sets (`version` is only compared, the optimistic lock)."""

CORE_NAMES = {RELEASE_FIELDS[key]: key for key in SETTABLE if RELEASE_FIELDS[key] != key}
"""The core's names of the fields a UCR client sets and calls otherwise, for its errors."""
