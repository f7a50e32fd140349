"""Core values of a release page in words: field labels, history entries as readable lines
("Priority: High → Low"), approval rules with their arithmetic ("Everyone — 1 of 3
approved") and each approver's state. Pure functions over core views, no I/O."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from releasedesk.core.approvals import org_roles
from releasedesk.core.approvals.rules import RuleType
from releasedesk.core.approvals.views import Approval, ApprovalLevel, ApprovalStatus
from releasedesk.core.releases.history import (
    ROLE_HOLDER,
    FieldChange,
    HistoryEntry,
    HistoryValue,
    Operation,
)
from releasedesk.core.stage_approval.status import LevelStatus, StageApproval, stage_approval
from releasedesk.core.text import html_to_text
from releasedesk.web.templating import precise

FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "template": "Template",
    "stage": "Stage",
    "status": "Status",
    "priority": "Priority",
    "impact": "Impact",
    "urgency": "Urgency",
    "risk": "Risk",
    "release_type": "Release type",
    "category": "Category",
    "subcategory": "Subcategory",
    "item": "Item",
    "site": "Site",
    "group": "Group",
    "closure_code": "Closure code",
    "services": "Services",
    "roles": "Roles",
    "emergency": "Emergency",
    "scheduled_start_time": "Scheduled start",
    "scheduled_end_time": "Scheduled end",
    "next_review_on": "Next review",
    "completed_time": "Completed",
    "roll_out_plan": "Roll-out plan",
    "back_out_plan": "Back-out plan",
    "checklist": "Checklist",
    "impact_details": "Impact details",
    "review_details": "Review details",
    "close_details": "Close details",
    "comment": "Comment",
    "comments": "Comment",
    "version": "Version",
    # what hangs off a release, and the fields of its approvals
    "task": "Task",
    "worklog": "Worklog",
    "note": "Note",
    "reminder": "Reminder",
    "change": "Change",
    "project": "Project",
    "approval_level": "Approval level",
    "approval": "Approval",
    "approver": "Approver",
    "original_approver": "On behalf of",
    "decided_by": "Decided by",
    "decided_via": "Decided",
    "on_behalf_of": "On behalf of",
    "rule": "Rule",
    "level": "Level",
    "name": "Name",
    "xpath": "Approver",
    "show_to_requester": "Shown to the requester",
    "owner": "Owner",
    "percentage_completion": "Completion",
}
DESCRIPTIVE_LABELS = {
    kind: FIELD_LABELS[kind]
    for kind in (
        "roll_out_plan",
        "back_out_plan",
        "checklist",
        "impact_details",
        "review_details",
        "close_details",
    )
}
WORDS = {  # stored identifiers shown as words
    "to_be_sent": "not sent yet",
    "pending": "waiting",
    "approved": "approved",
    "rejected": "rejected",
    "api": "through the API",
    "mail_link": "by mail link",
    "web": "on the web",
}
DEPLOYMENT_STATUS = {
    "NOTSTARTED": "Not started",
    "STARTED": "Started",
    "SUSPENDED": "Suspended",
    "COMPLETED": "Completed",
}
NONE = "none"
SNIPPET = 140


def label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


_QUOTED = re.compile(r"'([a-z_]+)'")


def humane(message: str) -> str:
    """A core message with the field names it quotes in the words the form uses
    ("'scheduled_end_time' is before …" → "Scheduled end is before …")."""
    return _QUOTED.sub(lambda m: label(m[1]) if m[1] in FIELD_LABELS else m[0], message)


# --- history -------------------------------------------------------------------------------

HEADLINES: dict[Operation, str] = {
    Operation.CREATED: "created the release",
    Operation.UPDATED: "changed the release",
    Operation.MOVED: "moved the release",
    Operation.CLOSED: "closed the release",
    Operation.TRASHED: "moved the release to the trash",
    Operation.RESTORED: "restored the release from the trash",
    Operation.ROLE_ASSIGNED: "gave a role",
    Operation.ROLE_REMOVED: "took a role away",
}
ITEM_VERBS: dict[Operation, str] = {
    Operation.ADDED: "added",
    Operation.CHANGED: "changed",
    Operation.REMOVED: "removed",
    Operation.ASSOCIATED: "linked",
    Operation.DISSOCIATED: "unlinked",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One change of a history entry, as text: "Priority: High → Low"."""

    label: str
    before: str | None
    after: str | None

    @property
    def text(self) -> str:
        if self.before is not None and self.after is not None:
            return f"{self.label}: {self.before} → {self.after}"
        if self.after is not None:
            return f"{self.label}: {self.after}"
        return f"{self.label}: {self.before} (removed)"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int
    who: str
    headline: str
    time: dt.datetime
    description: str | None
    lines: tuple[Line, ...]


def _snippet(text: str) -> str:
    plain = html_to_text(text, max_length=SNIPPET + 1) if "<" in text else text.strip()
    if not plain:
        return "(empty)"
    return plain if len(plain) <= SNIPPET else plain[:SNIPPET].rstrip() + "…"


def value_text(value: HistoryValue, field: str = "") -> str:
    """A history value in words: references and people by name, times precise with their
    zone, HTML as a snippet of its text, lists joined."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return precise(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if field in ("status", "decided_via") and value in WORDS:
            return WORDS[value]
        return _snippet(value)
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or NONE
    return _dict_text(value)


def _dict_text(value: dict[str, HistoryValue]) -> str:
    """A reference, a person, a rule, or the snapshot of a task, note, approval …"""
    if "type" in value and set(value) <= {"type", "value"}:
        return rule_name(str(value["type"]), value.get("value"))
    if isinstance(value.get("display_name"), str):
        return str(value["display_name"])
    approver = value.get("approver")
    if isinstance(approver, dict) and isinstance(approver.get("name"), str):
        return str(approver["name"])
    if isinstance(value.get(org_roles.SNAPSHOT_KEY), dict):
        return _dict_text(value[org_roles.SNAPSHOT_KEY])  # type: ignore[arg-type]
    path = org_roles.snapshot_path(value)
    if path is not None and set(value) == {"path"}:  # an organisational role, named now
        return org_roles.display_name(path) or path
    for key in ("name", "title", "summary"):
        if isinstance(value.get(key), str):
            return _snippet(str(value[key]))
    if isinstance(value.get("description"), str):
        return _snippet(str(value["description"]))
    if "id" in value:
        return f"#{value['id']}"
    return "(details)"


def _line(change: FieldChange, subject: str | None) -> Line:
    if change.field == ROLE_HOLDER:
        holder = change.current if change.current is not None else change.previous
        role = holder.get("role") if isinstance(holder, dict) else None
        user = holder.get("user") if isinstance(holder, dict) else None
        role_name = value_text(role) if role is not None else "Role"
        person = value_text(user)
        if change.current is not None:
            return Line(role_name, NONE, person)
        return Line(role_name, person, NONE)
    if subject is not None and (change.field == subject or change.previous is None):
        # the item itself added or removed, or a detail of it given ("Decided by: …")
        before = None if change.previous is None else value_text(change.previous, change.field)
        after = None if change.current is None else value_text(change.current, change.field)
        return Line(label(change.field), before, after)
    return Line(
        label(change.field),
        value_text(change.previous, change.field),
        value_text(change.current, change.field),
    )


def timeline_entry(entry: HistoryEntry) -> TimelineEntry:
    if entry.operation in HEADLINES:
        headline = HEADLINES[entry.operation]
    else:
        thing = label(entry.subject or "item").lower()
        article = "an" if thing[:1] in "aeiou" else "a"
        headline = f"{ITEM_VERBS.get(entry.operation, 'changed')} {article} {thing}"
    return TimelineEntry(
        id=entry.id,
        who=entry.actor.name if entry.actor is not None else "Someone",
        headline=headline,
        time=entry.time,
        description=entry.description or None,
        lines=tuple(_line(change, entry.subject) for change in entry.changes),
    )


def timeline(entries: Sequence[HistoryEntry]) -> list[TimelineEntry]:
    return [timeline_entry(entry) for entry in entries]


# --- approvals -----------------------------------------------------------------------------

RULE_NAMES = {
    RuleType.ANYONE: "Anyone",
    RuleType.EVERYONE: "Everyone",
    RuleType.FIRST_RESPONSE: "First response",
}
RULE_EXPLAINED = {
    RuleType.ANYONE: "One approval approves the level; it is rejected only if everyone rejects.",
    RuleType.EVERYONE: "Every approver must approve; one rejection rejects the level.",
    RuleType.FIRST_RESPONSE: "The first decision, approval or rejection, decides the level.",
    RuleType.PERCENT: "Approved once this share of the level's approvers approved; rejected "
    "once it can no longer be reached.",
}


def rule_name(rule_type: str, value: HistoryValue = None) -> str:
    try:
        kind = RuleType(rule_type)
    except ValueError:
        return rule_type
    if kind is RuleType.PERCENT:
        return f"{value} % of the approvers"
    return RULE_NAMES[kind]


def percent_needed(percent: int, total: int) -> int:
    """How many approvals a percent rule needs of `total` approvers (rules.level_outcome:
    approved once approved * 100 >= percent * total)."""
    return math.ceil(percent * total / 100)


def rule_words(level: ApprovalLevel) -> str:
    """The level's rule with its arithmetic: "Everyone — 1 of 3 approved"."""
    statuses = [a.status for a in level.approvals]
    total = len(statuses)
    approved = statuses.count(ApprovalStatus.APPROVED)
    decided = approved + statuses.count(ApprovalStatus.REJECTED)
    name = rule_name(level.rule_type, level.rule_value)
    try:
        kind = RuleType(level.rule_type)
    except ValueError:
        return f"{name} — {approved} of {total} approved"
    if kind is RuleType.FIRST_RESPONSE:
        return f"{name} — {decided} of {total} responded"
    words = f"{name} — {approved} of {total} approved"
    if kind is RuleType.PERCENT and level.rule_value is not None and total:
        words += f", {percent_needed(int(level.rule_value), total)} needed"
    return words


def rule_explained(level: ApprovalLevel) -> str:
    try:
        return RULE_EXPLAINED[RuleType(level.rule_type)]
    except ValueError:
        return ""


def level_state(level: ApprovalLevel) -> tuple[str, str]:
    """(words, tag kind) of a level: Approved, Rejected, Waiting, or Not started (a later
    level waits for the ones before it)."""
    if level.status is LevelStatus.APPROVED:
        return "Approved", "approved"
    if level.status is LevelStatus.REJECTED:
        return "Rejected", "rejected"
    if level.is_current:
        return "Waiting", "waiting"
    return "Not started", ""


def can_decide(approval: Approval, level: ApprovalLevel, user_id: int) -> bool:
    """Whether `user_id` is the approver asked, and the approval and its level still take a
    decision (the core decides again, and refuses what this says wrongly)."""
    return (
        approval.approver is not None
        and approval.approver.id == user_id
        and approval.status is ApprovalStatus.PENDING
        and level.status is LevelStatus.PENDING
    )


def approver_state(approval: Approval, level: ApprovalLevel, user_id: int) -> tuple[str, str]:
    """(words, tag kind): Approved · Rejected · Waiting · You can approve · You approved."""
    mine = approval.approver is not None and approval.approver.id == user_id
    if approval.status is ApprovalStatus.APPROVED:
        return ("You approved" if mine else "Approved"), "approved"
    if approval.status is ApprovalStatus.REJECTED:
        return ("You rejected" if mine else "Rejected"), "rejected"
    if approval.status is ApprovalStatus.TO_BE_SENT:
        return "Not sent yet", ""
    if can_decide(approval, level, user_id):
        return "You can approve", "current"
    if level.status is not LevelStatus.PENDING:
        return "Not needed", ""
    return "Waiting", "waiting"


def approver_name(approval: Approval) -> str:
    if approval.approver is not None:
        return approval.approver.name
    return approval.xpath_display_name or approval.xpath or "Nobody yet"


def stage_approval_words(levels: Sequence[ApprovalLevel]) -> str:
    """A stage's approval in words, for the stage progress bar."""
    state = stage_approval([level.status for level in levels])
    if state is StageApproval.NONE:
        return "no approval needed"
    if state is StageApproval.APPROVED:
        return "approval: approved"
    if state is StageApproval.REJECTED:
        return "approval: rejected"
    approved = sum(1 for level in levels if level.status is LevelStatus.APPROVED)
    return f"approval: waiting on level {approved + 1} of {len(levels)}"
