"""All tables; importing this package registers every model on Base.metadata."""

from releasedesk.db.models.approvals import Approval, ApprovalLevel
from releasedesk.db.models.audit import AuditEvent
from releasedesk.db.models.lookups import (
    LOOKUP_MODELS,
    Category,
    ClosureCode,
    Department,
    Impact,
    Item,
    LookupBase,
    Priority,
    ReleaseRole,
    ReleaseType,
    Risk,
    Service,
    Site,
    Subcategory,
    SupportGroup,
    Urgency,
)
from releasedesk.db.models.portals import Portal
from releasedesk.db.models.releases import (
    Release,
    ReleaseDescriptiveField,
    ReleaseHistory,
    ReleaseRoleAssignment,
    ReleaseService,
    ReleaseStatusComment,
)
from releasedesk.db.models.users import ApiKey, User
from releasedesk.db.models.work import (
    ReleaseAssociation,
    ReleaseNote,
    ReleaseReminder,
    ReleaseTask,
    ReleaseWorklog,
)
from releasedesk.db.models.workflow import ReleaseStage, ReleaseStatus, ReleaseTemplate, Workflow

__all__ = [
    "LOOKUP_MODELS",
    "ApiKey",
    "Approval",
    "ApprovalLevel",
    "AuditEvent",
    "Category",
    "ClosureCode",
    "Department",
    "Impact",
    "Item",
    "LookupBase",
    "Portal",
    "Priority",
    "Release",
    "ReleaseAssociation",
    "ReleaseDescriptiveField",
    "ReleaseHistory",
    "ReleaseNote",
    "ReleaseReminder",
    "ReleaseRole",
    "ReleaseRoleAssignment",
    "ReleaseService",
    "ReleaseStage",
    "ReleaseStatus",
    "ReleaseStatusComment",
    "ReleaseTask",
    "ReleaseTemplate",
    "ReleaseType",
    "ReleaseWorklog",
    "Risk",
    "Service",
    "Site",
    "Subcategory",
    "SupportGroup",
    "Urgency",
    "User",
    "Workflow",
]
