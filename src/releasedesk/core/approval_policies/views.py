"""Approval policies as the core hands them out (typed, slotted), and their snapshot: the
JSON object a level keeps of the policy it started waiting under, read back into the same
view, so a policy changed or deleted later leaves the level on what it started with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from releasedesk.core.approval_policies.business_hours import (
    HORIZON_DAYS,
    BusinessHours,
    Weekday,
)
from releasedesk.core.freezes.timing import Duration
from releasedesk.core.names import OrgRole
from releasedesk.core.zones import zone_named

DAY = 86_400


class AppliesTo(StrEnum):
    """Where a policy applies; the most specific one that exists wins for a level."""

    PORTAL = "portal"  # the portal's default
    STAGE = "stage"
    TEMPLATE = "template"  # the release template of the level's release


class TimeoutAction(StrEnum):
    REJECT = "reject"  # the level is rejected
    APPROVE = "approve"  # the level is approved
    EXPIRE = "expire"  # the request lapses: its undecided approvals wait to be sent again


class ActionKind(StrEnum):
    """What the scheduler does for a waiting level."""

    REMINDER = "reminder"
    ESCALATION = "escalation"
    TIMEOUT_WARNING = "timeout_warning"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class Target:
    kind: AppliesTo
    id: int | None = None  # the stage's or template's
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Reminder:
    """Remind the waiting approvers `first_after`, then `every` (None: once), at most `max`
    times (None: until the level is decided)."""

    first_after: Duration
    every: Duration | None
    max: int | None


@dataclass(frozen=True, slots=True)
class Timeout:
    after: Duration
    action: TimeoutAction
    warn_before: Duration | None


@dataclass(frozen=True, slots=True)
class Escalator:
    """Who a level escalates to: a user (by id, with the name they had) or an org role."""

    user_id: int | None = None
    user_name: str | None = None
    org_role: OrgRole | None = None


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    id: int
    name: str
    applies_to: Target
    reminder: Reminder | None
    escalate_after: Duration | None
    escalation_approvers: tuple[Escalator, ...]
    timeout: Timeout | None
    min_approvals: int | None
    forbid_self_approval: bool
    business_hours: BusinessHours | None
    created_by: str | None
    created_on: dt.datetime
    updated_on: dt.datetime

    def seconds(self, duration: Duration) -> int:
        """How many seconds `duration` counts: a business day is one working day's hours
        when the policy counts business hours, else a day is 24 hours."""
        day = DAY if self.business_hours is None else self.business_hours.day_seconds
        return duration.days * day + int(duration.exact.total_seconds())

    def later(self, moment: dt.datetime, seconds: int) -> dt.datetime:
        """`seconds` after `moment`, counted in business hours when the policy has them."""
        if self.business_hours is None:
            return moment + dt.timedelta(seconds=seconds)
        try:
            return self.business_hours.add(moment, seconds)
        except ValueError:
            # Saving refuses a duration the calendar cannot hold; holidays filling the
            # years since could still: then it is as good as never.
            return moment + dt.timedelta(days=HORIZON_DAYS)

    def describe(self, duration: Duration) -> str:
        """A duration in words, "3 business days" or "4 hours"."""
        business = "business " if self.business_hours is not None else ""
        seconds = int(duration.exact.total_seconds())
        parts = [(duration.days, "day"), (seconds // 3600, "hour")]
        parts += [(seconds % 3600 // 60, "minute"), (seconds % 60, "second")]
        words = [f"{n} {business}{unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
        return " ".join(words) or "no time"


@dataclass(frozen=True, slots=True)
class ScheduledAction:
    """One action due (or done) for a waiting level, as it stands."""

    kind: ActionKind
    sequence: int
    due_at: dt.datetime
    done_on: dt.datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class LevelPolicy:
    """The policy of one approval level and where it stands: the one it waits under
    (`waiting`: its snapshot, even when the policy was changed or deleted since, which
    `changed_since` says), else the one that would apply if it went out now."""

    level_id: int
    level: int
    level_name: str
    stage: str
    status: str
    policy: ApprovalPolicy | None
    why: str
    waiting: bool
    changed_since: str | None  # "changed" or "deleted" after the level started waiting
    waiting_since: dt.datetime | None
    deadline: dt.datetime | None
    next_reminder: dt.datetime | None
    actions: tuple[ScheduledAction, ...]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The policy that applies to a level, or None, and why (the most specific wins)."""

    policy: ApprovalPolicy | None
    why: str


# --- the snapshot: the policy as JSON ------------------------------------------------------


def snapshot(policy: ApprovalPolicy, why: str) -> dict[str, Any]:
    """What a level keeps of the policy it started waiting under (and why that one)."""
    hours = policy.business_hours
    target = policy.applies_to
    return {
        "id": policy.id,
        "name": policy.name,
        "why": why,
        "applies_to": {"kind": target.kind.value, "id": target.id, "name": target.name},
        "reminder": None
        if policy.reminder is None
        else {
            "first_after": policy.reminder.first_after.text(),
            "every": _text(policy.reminder.every),
            "max": policy.reminder.max,
        },
        "escalate_after": _text(policy.escalate_after),
        "escalation_approvers": [escalator_json(e) for e in policy.escalation_approvers],
        "timeout": None
        if policy.timeout is None
        else {
            "after": policy.timeout.after.text(),
            "action": policy.timeout.action.value,
            "warn_before": _text(policy.timeout.warn_before),
        },
        "min_approvals": policy.min_approvals,
        "forbid_self_approval": policy.forbid_self_approval,
        "business_hours": None if hours is None else hours_json(hours),
        "created_by": policy.created_by,
        "created_on": policy.created_on.isoformat(),
        "updated_on": policy.updated_on.isoformat(),
    }


def from_snapshot(data: dict[str, Any]) -> ApprovalPolicy:
    """A snapshot read back (it was checked when the policy was saved)."""
    target = data["applies_to"]
    reminder = data.get("reminder")
    timeout = data.get("timeout")
    hours = data.get("business_hours")
    return ApprovalPolicy(
        id=int(data["id"]),
        name=str(data["name"]),
        applies_to=Target(AppliesTo(target["kind"]), target.get("id"), target.get("name")),
        reminder=None
        if reminder is None
        else Reminder(
            Duration.parse(reminder["first_after"]),
            _duration(reminder.get("every")),
            reminder.get("max"),
        ),
        escalate_after=_duration(data.get("escalate_after")),
        escalation_approvers=tuple(escalator_of(e) for e in data.get("escalation_approvers") or ()),
        timeout=None
        if timeout is None
        else Timeout(
            Duration.parse(timeout["after"]),
            TimeoutAction(timeout["action"]),
            _duration(timeout.get("warn_before")),
        ),
        min_approvals=data.get("min_approvals"),
        forbid_self_approval=bool(data.get("forbid_self_approval")),
        business_hours=None if hours is None else hours_of(hours),
        created_by=data.get("created_by"),
        created_on=dt.datetime.fromisoformat(data["created_on"]),
        updated_on=dt.datetime.fromisoformat(data["updated_on"]),
    )


def escalator_json(escalator: Escalator) -> dict[str, Any]:
    if escalator.org_role is not None:
        return {"org_role": escalator.org_role.value}
    return {"user_id": escalator.user_id, "name": escalator.user_name}


def escalator_of(data: dict[str, Any]) -> Escalator:
    if data.get("org_role") is not None:
        return Escalator(org_role=OrgRole(data["org_role"]))
    return Escalator(user_id=data.get("user_id"), user_name=data.get("name"))


def hours_json(hours: BusinessHours) -> dict[str, Any]:
    return {
        "timezone": hours.zone.key,
        "days": [d.name for d in sorted(hours.days)],
        "start": hours.start.strftime("%H:%M"),
        "end": hours.end.strftime("%H:%M"),
        "holidays": [d.isoformat() for d in sorted(hours.holidays)],
    }


def hours_of(data: dict[str, Any]) -> BusinessHours:
    return BusinessHours(
        zone=zone_named(data["timezone"], "business_hours.timezone"),
        days=frozenset(Weekday[d] for d in data["days"]),
        start=dt.time.fromisoformat(data["start"]),
        end=dt.time.fromisoformat(data["end"]),
        holidays=frozenset(dt.date.fromisoformat(d) for d in data.get("holidays") or ()),
    )


def _text(duration: Duration | None) -> str | None:
    return None if duration is None else duration.text()


def _duration(text: str | None) -> Duration | None:
    return None if text is None else Duration.parse(text)
