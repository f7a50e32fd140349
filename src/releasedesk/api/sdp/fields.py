"""SDP's release keys, derived from the core's field registry in one place.

SDP calls every registry field by the registry's own name and shows them in the registry's
order; it does not show `uuid` and `version`, and it shows a few keys the registry does not
hold as fields, each right after the field it belongs beside: the workflow (the template's),
the holders of the prominent roles, an image token, and collections this server does not
keep (assets, configuration items, attachments) as empty lists. So the key order of a
release (`KEYS`), the keys its input takes (`api/sdp/wire.py`) and the writers of its JSON
(`api/sdp/translate.py`) all follow from the registry and the few tables below.
"""

from __future__ import annotations

from releasedesk.core.releases import fields
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.core.workflow.names import RoleName

NOT_SHOWN = frozenset({"uuid", "version"})
ROLE_KEYS = {str(role): role for role in RoleName}  # release_requester, release_engineer, …
DERIVED = frozenset({"workflow", "image_token", *ROLE_KEYS})
ALWAYS_EMPTY = frozenset({"assets", "configuration_items", "attachments"})

# SDP's own keys, each shown right after a registry field (the order of SDP's samples).
SHOWN_AFTER: dict[str, tuple[str, ...]] = {
    "template": ("workflow",),
    "services": ("assets", "configuration_items", "attachments"),
    "roles": tuple(ROLE_KEYS),
    "notes_present": ("image_token",),
}


def _keys() -> tuple[str, ...]:
    keys: list[str] = []
    for field in fields.FIELDS:
        if field.name not in NOT_SHOWN:
            keys += (field.name, *SHOWN_AFTER.get(field.name, ()))
    return tuple(keys)


KEYS = _keys()
"""Every key of a release as SDP shows it, in SDP's order."""
SDP_FIELDS = frozenset(f.name for f in fields.FIELDS) - NOT_SHOWN
RELEASE_KEYS = frozenset(KEYS)
assert RELEASE_KEYS == SDP_FIELDS | DERIVED | ALWAYS_EMPTY, "an SDP key is shown after no field"

READ_ONLY_KEYS = (
    frozenset({f.name for f in fields.FIELDS if not f.writable} - NOT_SHOWN)
    | DERIVED
    | {"attachments"}
)
"""Keys a client may send back from a GET but not set (they are refused with 4014)."""

LIST_KEYS = fields.LISTED
"""The columns of SDP's release list view: every list row carries them."""

# SDP's display name of a field is its words capitalized ("Release Type"), but for these.
SPELLED: dict[str, str] = {
    "services": "Services Affected",
    "roll_out_plan": "Rollout Plan",
    "back_out_plan": "Backout Plan",
    "checklist": "CheckList",
}


def display_name(name: str) -> str:
    return SPELLED.get(name) or name.replace("_", " ").title()


DISPLAY_NAMES: dict[str, str] = {
    **{f.name: display_name(f.name) for f in fields.IN_HISTORY},
    # the parts of a role assignment's history (api/sdp/translate_history.py)
    "user": "User",
    "role": "Role",
}
"""What SDP calls each field in history and in its descriptive fields: the fields the
registry records in history and no others (a diff of anything, a task's `status` too, is
looked up here by its name, so a name added here shows in those diffs as well)."""

# SDP filter_by names onto the core's release filters.
FILTERS = {
    "all_releases": ReleaseFilter.ALL,
    "open_releases": ReleaseFilter.OPEN,
    "closed_releases": ReleaseFilter.CLOSED,
    "my_releases": ReleaseFilter.MINE,
    "my_open_releases": ReleaseFilter.MY_OPEN,
    "trash": ReleaseFilter.TRASH,
}
