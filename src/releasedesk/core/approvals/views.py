"""Approval levels and approvals as the core hands them to dialects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.releases.views import Person
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.workflow.views import Stage


class ApprovalStatus(StrEnum):
    TO_BE_SENT = "to_be_sent"
    PENDING = "pending"  # sent, awaiting the approver's decision
    APPROVED = "approved"
    REJECTED = "rejected"


class Channel(StrEnum):
    """How a decision reached us."""

    API = "api"
    MAIL_LINK = "mail_link"
    WEB = "web"  # the release page of the web UI, signed in


@dataclass(frozen=True, slots=True)
class LevelRef:
    """The level an approval belongs to, as an approval shows it."""

    id: int
    level: int
    release_id: int
    status: LevelStatus
    created_on: dt.datetime
    created_by_id: int | None


@dataclass(frozen=True, slots=True)
class Approval:
    """One approver's place in a level. `approver` is empty for an organisational role
    (`xpath`) until it is sent; `original_approver` is set when a delegate got it;
    `decided_by` is who recorded the decision (the approver, the delegate or an admin)."""

    id: int
    level: LevelRef
    approver: Person | None
    original_approver: Person | None
    xpath: str | None
    xpath_display_name: str | None
    status: ApprovalStatus
    comments: str | None
    sent_on: dt.datetime | None
    action_taken_on: dt.datetime | None
    decided_by: Person | None
    decided_via: Channel | None


@dataclass(frozen=True, slots=True)
class ApprovalLevel:
    id: int
    release_id: int
    stage: Stage
    level: int
    name: str
    rule_type: str
    rule_value: str | None
    status: LevelStatus
    is_current: bool
    comments: str | None
    created_by: Person | None
    created_on: dt.datetime
    action_taken_by: Person | None
    action_taken_on: dt.datetime | None
    approvals: tuple[Approval, ...] = ()

    @property
    def stage_id(self) -> int:
        return self.stage.id


@dataclass(frozen=True, slots=True)
class Notification:
    """A mail's subject and text, with ${…} placeholders (filled when it is sent)."""

    subject: str
    description: str


@dataclass(frozen=True, slots=True)
class Absence:
    """A user away until `ends_on`, whose approvals go to `delegate` meanwhile."""

    user: Person
    delegate: Person
    starts_on: dt.datetime
    ends_on: dt.datetime


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One approval on a user's "My approvals" page: waiting on them, or decided by them.

    `rule` is the level's rule in words with where it stands ("Everyone — 1 of 3
    approved"); `requested_by` made the level and `requested_on` is when this approval was
    sent; `on_behalf_of` is the approver the user stands (or stood) in for: the one away
    whose approval they may decide as delegate, the one it was sent to before it came to
    them as delegate, or the approver an admin decided for."""

    release_id: int
    release_title: str
    stage: Stage
    level_id: int
    level: int
    level_name: str
    approval_id: int
    rule: str
    requested_by: Person | None
    requested_on: dt.datetime | None
    on_behalf_of: Person | None
    status: ApprovalStatus
    comments: str | None
    decided_on: dt.datetime | None
    decided_by: Person | None
    deadline: dt.datetime | None = None  # when its level times out under its policy


@dataclass(frozen=True, slots=True)
class Settled:
    """Who took the decision that leaves nothing to decide on an approval, and when: the
    approval's own decision, or (`of_level`) the one that gave its level its outcome while
    the approval still waited."""

    status: ApprovalStatus | LevelStatus
    by: Person | None
    on: dt.datetime | None
    of_level: bool


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One approval of a user's, as their "My approvals" shows it, and `settled` once
    nothing is left to decide on it (None while it can be decided, or when it cannot be for
    another reason: not sent yet, the release closed)."""

    item: InboxItem
    settled: Settled | None
