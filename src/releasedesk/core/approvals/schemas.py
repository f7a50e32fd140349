"""What a dialect asks of the approvals core, in neutral types (already parsed and typed)."""

from __future__ import annotations

from dataclasses import dataclass

from releasedesk.core.approvals.rules import Rule
from releasedesk.core.refs import Ref


@dataclass(frozen=True, slots=True)
class ApproverInput:
    """A user to approve, or an organisational role (`xpath`) resolved when sent."""

    user: Ref | None = None
    xpath: str | None = None


@dataclass(frozen=True, slots=True)
class LevelInput:
    """A level's fields; on update only those in `given` change."""

    name: str | None = None
    stage: Ref | None = None
    rule: Rule | None = None
    approvers: tuple[ApproverInput, ...] = ()
    given: frozenset[str] = frozenset()

    def has(self, name: str) -> bool:
        return name in self.given


@dataclass(frozen=True, slots=True)
class NotificationInput:
    """Overrides of the notification's subject and text (None: the default)."""

    subject: str | None = None
    description: str | None = None
