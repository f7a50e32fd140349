"""What every new portal starts with: ServiceDesk Plus's default release reference data.

The order of each list fixes the ids in the first portal, so the default portal's ids match
the ids the vendor's samples show (priority High = 4, urgency Urgent = 1, stage Planning = 2, …).
"""

from __future__ import annotations

from dataclasses import dataclass

WORKFLOW_NAME = "General Release Workflow"
TEMPLATE_NAME = "General Template"


@dataclass(frozen=True)
class StageSpec:
    name: str
    internal_name: str
    description: str
    statuses: tuple[tuple[str, str], ...]  # (name, status_type)


IN_PROGRESS, SUCCESS, FAILED, ON_HOLD = "In Progress", "Success", "Failed", "On Hold"

STAGES: tuple[StageSpec, ...] = (
    StageSpec(
        "Submission",
        "submission",
        "Stage when a release item is submitted",
        (
            ("Requested", IN_PROGRESS),
            ("Accepted", SUCCESS),
            ("Rejected", FAILED),
            ("Submitted for Authorization", IN_PROGRESS),
            ("Requested for Information", ON_HOLD),
        ),
    ),
    StageSpec(
        "Planning",
        "planning",
        "Release planning",
        (
            ("In Progress", IN_PROGRESS),
            ("Rejected", FAILED),
            ("Approved", SUCCESS),
            ("Submitted for Authorization", IN_PROGRESS),
            ("Requested for Information", ON_HOLD),
        ),
    ),
    StageSpec(
        "Development",
        "implementation",
        "Prepare the release build and test",
        (
            ("In Progress", IN_PROGRESS),
            ("Requested for more Information", ON_HOLD),
            ("On Hold", ON_HOLD),
            ("Back Out", FAILED),
            ("Completed", SUCCESS),
        ),
    ),
    StageSpec(
        "Testing",
        "testing",
        "Test the developed release build",
        (
            ("In Progress", IN_PROGRESS),
            ("On Hold", ON_HOLD),
            ("Completed", SUCCESS),
            ("Failed", FAILED),
        ),
    ),
    StageSpec(
        "UAT",
        "UAT",
        "Build given to portion of Users to get tested and reviewd",
        (
            ("In Progress", IN_PROGRESS),
            ("On Hold", ON_HOLD),
            ("Accepted", SUCCESS),
            ("Rejected", FAILED),
        ),
    ),
    StageSpec(
        "Deployment",
        "deployment",
        "Release items are deployed",
        (
            ("In Progress", IN_PROGRESS),
            ("On Hold", ON_HOLD),
            ("Deployed", SUCCESS),
            ("Failed", FAILED),
        ),
    ),
    StageSpec(
        "Training",
        "training",
        "Providing Training and Support for the deployed Release Items",
        (
            ("Not yet started", ON_HOLD),
            ("In Progress", IN_PROGRESS),
            ("Completed", SUCCESS),
        ),
    ),
    StageSpec(
        "Review",
        "review",
        "Review of release build",
        (
            ("In Progress", IN_PROGRESS),
            ("On Hold", ON_HOLD),
            ("Completed", SUCCESS),
            ("Failed", FAILED),
        ),
    ),
    StageSpec(
        "Closure",
        "close",
        "Release closure",
        (
            ("Completed", SUCCESS),
            ("Canceled", FAILED),
        ),
    ),
)

# kind -> list of (name, extra attributes)
PRIORITIES = (("Low", "#666666"), ("Medium", "#ff9900"), ("Normal", "#00aa00"), ("High", "#ff0000"))
IMPACTS = ("High", "Medium", "Low", "Affects Business", "Affects Department", "Affects User")
URGENCIES = ("Urgent", "High", "Normal", "Low")
RISKS = ("Low", "Medium", "High", "Very High")
# (name, color, pre_approved)
RELEASE_TYPES = (
    ("Standard", "#aaff66", True),
    ("Minor", "#66ccff", False),
    ("Major", "#ff9933", False),
    ("Emergency", "#ff3333", False),
    ("Significant", "#cc99ff", False),
)
# category -> subcategory -> items; the order gives Software = 3, IE 7 = 7, IE 7 > Install = 6.
CATEGORY_TREE: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("Hardware", (("Desktop", ("Repair", "Replace")), ("Laptop", ()), ("Printer", ()))),
    ("Network", (("Router", ()), ("Switch", ()))),
    (
        "Software",
        (
            ("MS Office", ("Install", "Uninstall", "Upgrade")),
            ("IE 7", ("Install", "Uninstall", "Upgrade")),
            ("Adobe Reader", ("Install", "Uninstall")),
            ("Mssql", ("Install", "Upgrade", "Patch")),
        ),
    ),
    (
        "Operating System",
        (("Windows", ("Install", "Upgrade", "Patch")), ("Linux", ("Install", "Upgrade", "Patch"))),
    ),
    ("Internet", ()),
    ("User Administration", ()),
    ("Telephone", ()),
    ("Data Center", ()),
    ("General", ()),
)
SITES = ("Headquarters", "Branch Office")
SUPPORT_GROUPS = ("Hardware Problems", "Network", "Software", "Database", "Release Management")
SERVICES = (
    "Application Login",
    "Communication",
    "Email",
    "Internet",
    "Printing",
    "Database",
    "ERP",
)
DEPARTMENTS = ("Administration", "Finance", "Human Resources", "IT Services", "Sales")
CLOSURE_CODES = ("Success", "Partial Success", "Failed", "Cancelled")
# (name, internal_name, user_type, prominent); Release Engineer = 2, Release Requester = 3.
RELEASE_ROLES = (
    ("Release Manager", "release_manager", "SGT", True),
    ("Release Engineer", "release_engineer", "SGT", True),
    ("Release Requester", "release_requester", "ALL", True),
    ("Release Approver", "release_approver", "SGT", False),
    ("Release Reviewer", "release_reviewer", "SGT", False),
    ("Release Coordinator", "release_coordinator", "ALL", False),
)

# Users every SDP installation ships with; they have no password until one is set.
DEFAULT_USERS = (
    ("administrator", "admin"),
    ("Guest", "requester"),
)
