"""The write side's statements built once per shape, in one place.

Building a reference or write statement cost more than running it, so each is built once
per shape and kept here; a shape is a few names and counts (which lookups, by id or name;
which columns; how many child rows), never a value.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import Select

# How many shapes of each kind are kept: the usual few, not one per count of services a
# client may send. Past it, new shapes are built for each use and not kept.
SHAPES_KEPT = 256

# references.py: the statement resolving a change's lookups (and locking the release).
REFERENCES: dict[Hashable, Select[Any]] = {}
# writes.py: PostgreSQL's one statement writing a release and the rows hanging off it.
WRITES: dict[Hashable, Select[Any]] = {}


def keep(cache: dict[Hashable, Select[Any]], key: Hashable, statement: Select[Any]) -> None:
    if len(cache) < SHAPES_KEPT:
        cache[key] = statement
