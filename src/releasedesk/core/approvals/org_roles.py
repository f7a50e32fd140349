"""Organisational roles an approval may name instead of a user (SDP's `xpath`), resolved to
a user when the approval is sent."""

from __future__ import annotations

from enum import StrEnum

from releasedesk.core.errors import Invalid


class OrgRole(StrEnum):
    REPORTING_TO = "release_requester.reporting_to"
    DEPARTMENT_HEAD = "release_requester.department.head"


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
