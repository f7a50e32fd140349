"""The internal names the rules depend on: stages, statuses, release roles and the
organisational roles an approval may name.

Portals may rename what users see; these internal names stay, and the code compares
against them only through these constants.
"""

from __future__ import annotations

from enum import StrEnum

from releasedesk.core.values import CLOSURE_STAGE


class StageName(StrEnum):
    """The stages a rule names (the others are data only)."""

    SUBMISSION = "submission"
    PLANNING = "planning"
    REVIEW = "review"
    CLOSE = CLOSURE_STAGE


class ClosureStatus(StrEnum):
    """The statuses of the Closure stage a release can be closed with."""

    COMPLETED = "completed"
    CANCELED = "canceled"


class RoleName(StrEnum):
    """Release roles with a meaning to the rules (who requested it, who works on it)."""

    REQUESTER = "release_requester"
    ENGINEER = "release_engineer"
    MANAGER = "release_manager"


class RoleUserType(StrEnum):
    """Who may hold a release role."""

    ANYONE = "ALL"
    TECHNICIANS = "SGT"  # technicians and admins only


class StatusType(StrEnum):
    """How a status ends a stage: Success (approved, completed) or Failed (rejected)."""

    SUCCESS = "Success"
    FAILED = "Failed"


class OrgRole(StrEnum):
    """The organisational roles an approver may be named by (SDP's `xpath`), resolved to a
    user when the approval is sent (core/approvals/org_roles.py)."""

    REPORTING_TO = "release_requester.reporting_to"
    DEPARTMENT_HEAD = "release_requester.department.head"
