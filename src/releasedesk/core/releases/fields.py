"""The release field registry: every field of a release, once, with what the core does with it.

The core's change schema, the read model, the search fields and history all take their
field lists from here, and each dialect maps its own names onto these in one place;
`tests/core/test_field_registry.py` fails when a field is added here and not there (or the
other way round).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.workflow.names import StageName


class FieldKind(StrEnum):
    INT = "int"
    UUID = "uuid"
    TEXT = "text"  # one line of plain text
    HTML = "html"  # sanitized HTML (its plain text is kept beside it for search)
    BOOL = "bool"
    DATETIME = "datetime"  # aware, UTC
    LOOKUP = "lookup"  # one reference: a lookup value, a stage, a status, a template, a user
    SERVICES = "services"  # several services
    ROLES = "roles"  # who holds which release role
    DESCRIPTIVE = "descriptive"  # a stage's descriptive text (rollout plan, checklist, …)


@dataclass(frozen=True, slots=True)
class ReleaseField:
    name: str
    kind: FieldKind
    lookup: str | None = None  # LOOKUP: the kind of thing referenced (priority, stage, user…)
    writable: bool = True  # a client may set it (add, update)
    searchable: bool = False
    sortable: bool = False
    listed: bool = False  # shown in a list of releases by default
    in_history: bool = False  # a change to it is a field diff in the release's history
    stage: StageName | None = None  # DESCRIPTIVE: the stage the text belongs to

    @property
    def column(self) -> str:
        """The column of `releases` that holds it (lookups hold the id)."""
        return f"{self.name}_id" if self.kind is FieldKind.LOOKUP else self.name


K = FieldKind


def _lookup(name: str, lookup: str | None = None, *, listed: bool = True) -> ReleaseField:
    return ReleaseField(
        name,
        K.LOOKUP,
        lookup=lookup or name,
        searchable=True,
        sortable=True,
        listed=listed,
        in_history=True,
    )


def _time(name: str, *, writable: bool, listed: bool, in_history: bool) -> ReleaseField:
    return ReleaseField(
        name,
        K.DATETIME,
        writable=writable,
        searchable=True,
        sortable=True,
        listed=listed,
        in_history=in_history,
    )


def _descriptive(name: str, stage: StageName) -> ReleaseField:
    return ReleaseField(name, K.DESCRIPTIVE, in_history=True, stage=stage)


FIELDS: tuple[ReleaseField, ...] = (
    ReleaseField("id", K.INT, writable=False, searchable=True, sortable=True),
    ReleaseField("uuid", K.UUID, writable=False),
    ReleaseField("version", K.INT, writable=False),
    ReleaseField("title", K.TEXT, searchable=True, sortable=True, listed=True, in_history=True),
    ReleaseField("description", K.HTML, searchable=True, sortable=True, in_history=True),
    ReleaseField("short_description", K.TEXT, writable=False, searchable=True, sortable=True),
    _lookup("template"),
    _lookup("stage"),
    _lookup("status"),
    _lookup("priority"),
    _lookup("impact"),
    _lookup("urgency"),
    _lookup("risk"),
    _lookup("release_type"),
    _lookup("category"),
    _lookup("subcategory"),
    _lookup("item"),
    _lookup("site", listed=False),
    _lookup("group"),
    _lookup("closure_code", listed=False),
    ReleaseField("services", K.SERVICES, in_history=True),
    ReleaseField("roles", K.ROLES),
    ReleaseField("emergency", K.BOOL, searchable=True, sortable=True, listed=True, in_history=True),
    ReleaseField(
        "notes_present", K.BOOL, writable=False, searchable=True, sortable=True, listed=True
    ),
    _time("next_review_on", writable=True, listed=True, in_history=True),
    _time("scheduled_start_time", writable=True, listed=True, in_history=True),
    _time("scheduled_end_time", writable=True, listed=True, in_history=True),
    _time("created_time", writable=False, listed=True, in_history=False),
    _time("completed_time", writable=False, listed=True, in_history=True),
    _time("deleted_time", writable=False, listed=True, in_history=False),
    _time("last_updated_time", writable=False, listed=False, in_history=False),
    ReleaseField(
        "created_by", K.LOOKUP, lookup="user", writable=False, searchable=True, sortable=True
    ),
    _descriptive("roll_out_plan", StageName.PLANNING),
    _descriptive("back_out_plan", StageName.PLANNING),
    _descriptive("checklist", StageName.PLANNING),
    _descriptive("impact_details", StageName.PLANNING),
    _descriptive("review_details", StageName.REVIEW),
    _descriptive("close_details", StageName.CLOSE),
)

BY_NAME: dict[str, ReleaseField] = {f.name: f for f in FIELDS}


def of_kind(*kinds: FieldKind) -> tuple[ReleaseField, ...]:
    return tuple(f for f in FIELDS if f.kind in kinds)


LISTED = tuple(f.name for f in FIELDS if f.listed)
IN_HISTORY = tuple(f for f in FIELDS if f.in_history)
LOOKUPS = of_kind(FieldKind.LOOKUP)
TIMES = of_kind(FieldKind.DATETIME)
DESCRIPTIVE = of_kind(FieldKind.DESCRIPTIVE)
DESCRIPTIVE_KINDS = tuple(f.name for f in DESCRIPTIVE)
STAGE_OF_DESCRIPTIVE: dict[str, StageName] = {
    f.name: f.stage for f in DESCRIPTIVE if f.stage is not None
}
# Fields whose value lives on the release row itself (not a joined or child record).
SCALARS = of_kind(
    FieldKind.INT,
    FieldKind.UUID,
    FieldKind.TEXT,
    FieldKind.HTML,
    FieldKind.BOOL,
    FieldKind.DATETIME,
)
