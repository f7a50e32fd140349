"""SDP's release keys mapped onto the core's field registry, in one place.

SDP calls every registry field by the registry's own name; it does not show `uuid` and
`version`, and it shows a few keys the registry does not hold as fields:
the workflow (the template's), the holders of the prominent roles, and collections this
server does not keep (assets, configuration items, attachments) as empty lists.
"""

from __future__ import annotations

from releasedesk.core.releases import fields
from releasedesk.core.releases.views import ReleaseFilter
from releasedesk.core.workflow.names import RoleName

NOT_SHOWN = frozenset({"uuid", "version"})
ROLE_KEYS = {str(role): role for role in RoleName}  # release_requester, release_engineer, …
DERIVED = frozenset({"workflow", "image_token", *ROLE_KEYS})
ALWAYS_EMPTY = frozenset({"assets", "configuration_items", "attachments"})

SDP_FIELDS = frozenset(f.name for f in fields.FIELDS) - NOT_SHOWN
RELEASE_KEYS = SDP_FIELDS | DERIVED | ALWAYS_EMPTY
"""Every key of a release as SDP shows it."""

READ_ONLY_KEYS = (
    frozenset({f.name for f in fields.FIELDS if not f.writable} - NOT_SHOWN)
    | DERIVED
    | {"attachments"}
)
"""Keys a client may send back from a GET but not set (they are refused with 4014)."""

LIST_KEYS = fields.LISTED
"""The columns of SDP's release list view: every list row carries them."""

# What SDP calls each field in history and in its descriptive fields.
DISPLAY_NAMES: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "template": "Template",
    "stage": "Stage",
    "status": "Status",
    "priority": "Priority",
    "impact": "Impact",
    "urgency": "Urgency",
    "risk": "Risk",
    "release_type": "Release Type",
    "category": "Category",
    "subcategory": "Subcategory",
    "item": "Item",
    "site": "Site",
    "group": "Group",
    "closure_code": "Closure Code",
    "services": "Services Affected",
    "emergency": "Emergency",
    "scheduled_start_time": "Scheduled Start Time",
    "scheduled_end_time": "Scheduled End Time",
    "next_review_on": "Next Review On",
    "completed_time": "Completed Time",
    "roll_out_plan": "Rollout Plan",
    "back_out_plan": "Backout Plan",
    "checklist": "CheckList",
    "impact_details": "Impact Details",
    "review_details": "Review Details",
    "close_details": "Close Details",
    "user": "User",
    "role": "Role",
}

# SDP filter_by names onto the core's release filters.
FILTERS = {
    "all_releases": ReleaseFilter.ALL,
    "open_releases": ReleaseFilter.OPEN,
    "closed_releases": ReleaseFilter.CLOSED,
    "my_releases": ReleaseFilter.MINE,
    "my_open_releases": ReleaseFilter.MY_OPEN,
    "trash": ReleaseFilter.TRASH,
}
