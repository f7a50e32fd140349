"""What a release read carries besides the release row. Its own module so that a dialect or a
page names the parts it wants without importing the read repository (which only the core may
import: the "Repositories belong to the core" contract)."""

from __future__ import annotations

from enum import StrEnum


class Part(StrEnum):
    """Related records a read may ask for besides the release row."""

    ROLES = "roles"
    SERVICES = "services"
    DESCRIPTIVE_FIELDS = "descriptive_fields"


EVERYTHING = frozenset(Part)
NOTHING: frozenset[Part] = frozenset()
