"""The shapes SDP clients send, as Pydantic models (unknown keys are refused)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, create_model

from releasedesk.api.sdp.fields import KEYS
from releasedesk.core.releases import fields
from releasedesk.core.releases.fields import FieldKind

# A lookup, stage, status, template or user reference: {"id": "4"}, {"name": "High"},
# the whole object a GET returned, or just the name as a string.
RefIn = dict[str, Any] | StrictStr | StrictInt
# A time: {"value": "1592820350370", "display_value": …} or the epoch milliseconds alone.
TimeIn = dict[str, Any] | StrictStr | StrictInt
# A descriptive field: {"description": "<p>…</p>"} or the HTML alone.
DescriptiveIn = dict[str, Any] | StrictStr


class RoleIn(BaseModel):
    # A client may send back a role object a GET returned (with its release and id).
    model_config = ConfigDict(extra="ignore")

    role: RefIn
    user: RefIn


# What add and update take of each registry field a client may set, by the field's kind.
WRITABLE_TYPES: dict[FieldKind, Any] = {
    FieldKind.TEXT: StrictStr,
    FieldKind.HTML: StrictStr,
    FieldKind.LOOKUP: RefIn,
    FieldKind.SERVICES: list[RefIn],
    FieldKind.ROLES: list[RoleIn],
    FieldKind.BOOL: StrictBool | StrictStr,  # true, or "true"/"false"
    FieldKind.DATETIME: TimeIn,
    FieldKind.DESCRIPTIVE: DescriptiveIn,
}
# SDP's keys that are not registry fields: a comment on the change, and collections this
# server does not keep (accepted empty, api/sdp/translate.py refuses a non-empty one).
SDP_INPUT_TYPES: dict[str, Any] = {
    "comment": StrictStr,
    "assets": list[RefIn],
    "configuration_items": list[RefIn],
}


def _input_type(key: str) -> Any:
    """The type a key takes: read-only keys take anything, to be refused by name (4014)."""
    if key in SDP_INPUT_TYPES:
        return SDP_INPUT_TYPES[key]
    field = fields.BY_NAME.get(key)
    return Any if field is None or not field.writable else WRITABLE_TYPES[field.kind]


def _optional(kind: Any) -> Any:
    return kind if kind is Any else kind | None


def _input_keys() -> tuple[str, ...]:
    """SDP's keys in its order, the comment after the description."""
    at = KEYS.index("description") + 1
    return (*KEYS[:at], "comment", *KEYS[at:])


_DEFINITIONS: dict[str, Any] = {key: (_optional(_input_type(key)), None) for key in _input_keys()}
ReleaseIn: type[BaseModel] = create_model(
    "ReleaseIn",
    __config__=ConfigDict(extra="forbid"),
    __doc__="A release as add and update take it: every key a release shows (read-only ones "
    "only to be refused, so a client may send back what a GET returned) and a comment.",
    **_DEFINITIONS,
)
"""Built from the registry and SDP's key table (api/sdp/fields.py) rather than declared, so
a field added to the registry is taken here with the type its kind has."""


class ReleaseEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    release: dict[str, Any]
