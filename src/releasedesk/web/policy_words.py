"""An approval policy in words, for the pages: what it applies to, when it reminds,
escalates and times out, how many approvals it needs, and its business hours."""

from __future__ import annotations

from releasedesk.core.approval_policies.business_hours import BusinessHours, Weekday
from releasedesk.core.approval_policies.views import (
    AppliesTo,
    ApprovalPolicy,
    Escalator,
    TimeoutAction,
)
from releasedesk.core.names import OrgRole

ORG_ROLE_WORDS = {
    OrgRole.REPORTING_TO: "the requester's manager",
    OrgRole.DEPARTMENT_HEAD: "the requester's department head",
}
ACTION_WORDS = {
    TimeoutAction.REJECT: "rejected",
    TimeoutAction.APPROVE: "approved",
    TimeoutAction.EXPIRE: "expires (asked again)",
}
DAY_WORDS = {
    Weekday.MO: "Mon",
    Weekday.TU: "Tue",
    Weekday.WE: "Wed",
    Weekday.TH: "Thu",
    Weekday.FR: "Fri",
    Weekday.SA: "Sat",
    Weekday.SU: "Sun",
}
DASH = "\u2013"  # an en dash, between the ends of a range


def applies_to(policy: ApprovalPolicy) -> str:
    target = policy.applies_to
    if target.kind is AppliesTo.STAGE:
        return f"Stage “{target.name}”"
    if target.kind is AppliesTo.TEMPLATE:
        return f"Template “{target.name}”"
    return "The portal's default"


def reminder(policy: ApprovalPolicy) -> str:
    found = policy.reminder
    if found is None:
        return "No reminders"
    first = f"Reminds after {policy.describe(found.first_after)}"
    if found.every is None:
        return first + ", once"
    times = "until decided" if found.max is None else _times(found.max)
    return f"{first}, then every {policy.describe(found.every)}, {times}"


def _times(count: int) -> str:
    return "once" if count == 1 else f"at most {count} times"


def escalator(found: Escalator) -> str:
    if found.org_role is not None:
        return ORG_ROLE_WORDS.get(found.org_role, found.org_role.value)
    return found.user_name or f"user {found.user_id}"


def escalation(policy: ApprovalPolicy) -> str:
    if policy.escalate_after is None:
        return "No escalation"
    whom = ", ".join(escalator(e) for e in policy.escalation_approvers)
    return f"Escalates after {policy.describe(policy.escalate_after)} to {whom}"


def timeout(policy: ApprovalPolicy) -> str:
    found = policy.timeout
    if found is None:
        return "No timeout"
    words = f"Times out after {policy.describe(found.after)}: {ACTION_WORDS[found.action]}"
    if found.warn_before is not None:
        words += f", warned {policy.describe(found.warn_before)} before"
    return words


def approvals(policy: ApprovalPolicy) -> str:
    if policy.min_approvals is None:
        return "As the level's rule says"
    count = policy.min_approvals
    return f"{count} approval{'' if count == 1 else 's'} (N of M)"


def self_approval(policy: ApprovalPolicy) -> str:
    return "Self-approval forbidden" if policy.forbid_self_approval else "Self-approval allowed"


def hours(found: BusinessHours | None) -> str:
    """Days, hours and zone ("Mon to Fri 09:00 to 17:00 Europe/Berlin, 2 holidays", with
    en dashes), or round the clock."""
    if found is None:
        return "Round the clock"
    days = _days(sorted(found.days))
    span = f"{found.start:%H:%M}{DASH}{found.end:%H:%M}"
    words = f"{days} {span} {found.zone.key}"
    count = len(found.holidays)
    if count:
        words += f", {count} holiday{'' if count == 1 else 's'}"
    return words


def _days(days: list[Weekday]) -> str:
    """Runs of three or more weekdays joined by an en dash ("Mon to Fri"), others listed."""
    runs: list[list[Weekday]] = []
    for day in days:
        if runs and runs[-1][-1] + 1 == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{DAY_WORDS[run[0]]}{DASH}{DAY_WORDS[run[-1]]}")
        else:
            words.extend(DAY_WORDS[d] for d in run)
    return ", ".join(words)
