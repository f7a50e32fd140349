"""Which table holds each kind of lookup and which of its columns a `Named` carries: what
the reference data held in the process and the lookups' own statements both read."""

from __future__ import annotations

from releasedesk.db.models import LOOKUP_MODELS, LookupBase, ReleaseStage, ReleaseStatus

# The columns a lookup shows besides id and name, where its kind has them (as values.Named).
NAMED_EXTRA = ("color", "pre_approved", "parent_id")


def model_for(kind: str) -> type[LookupBase]:
    return LOOKUP_MODELS[kind]


def named_columns(kind: str) -> tuple[str, ...]:
    """The columns of `kind` a values.Named carries, in its order."""
    model = model_for(kind)
    return ("id", "name", *(n for n in NAMED_EXTRA if hasattr(model, n)))


# A stage's and a status's columns in values.Stage's and values.Status's order.
STAGE_COLUMNS = (
    ReleaseStage.id,
    ReleaseStage.name,
    ReleaseStage.internal_name,
    ReleaseStage.stage_index,
    ReleaseStage.description,
)
STATUS_COLUMNS = (
    ReleaseStatus.id,
    ReleaseStatus.name,
    ReleaseStatus.internal_name,
    ReleaseStatus.status_type,
    ReleaseStatus.stage_id,
)
