"""Organisational roles an approval may name instead of a user (SDP's `xpath`), resolved to
a user when the approval is sent."""

from __future__ import annotations

from releasedesk.core.errors import Invalid
from releasedesk.core.names import OrgRole
from releasedesk.core.releases.history import HistoryValue

__all__ = ["DISPLAY_NAMES", "OrgRole", "display_name", "org_role", "snapshot_path"]


DISPLAY_NAMES = {
    OrgRole.REPORTING_TO: "Reporting Manager of the Release Requester",
    OrgRole.DEPARTMENT_HEAD: "Department Head of the Release Requester",
}


def org_role(path: str) -> OrgRole:
    try:
        return OrgRole(path.strip())
    except ValueError:
        known = ", ".join(role.value for role in OrgRole)
        raise Invalid(
            f"'{path}' is not an organisational role: use one of {known}", "xpath.path"
        ) from None


def display_name(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return DISPLAY_NAMES[OrgRole(path)]
    except ValueError:
        return path


SNAPSHOT_KEY = "xpath"
"""The key of an approval's organisational role in its history snapshot (`snapshots.py`)."""


def snapshot_path(value: HistoryValue) -> str | None:
    """The path of the organisational role a snapshot holds, from `{"path": …}` or the older
    `{"path": …, "display_name": …}` (whose stored display name is not used: it is derived
    from the path, as it was when stored)."""
    if isinstance(value, dict):
        path = value.get("path")
        if isinstance(path, str):
            return path
    return None
