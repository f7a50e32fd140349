"""The approval rules as pure functions: how a level's decisions add up under its rule, how a
stage's levels add up, which level may be sent, what may still be decided.

ServiceDesk Plus's four rules:
- anyone: one approval approves the level; it is rejected once every approver rejected;
- everyone: all must approve; one rejection rejects;
- first_response: the first decision decides;
- percent (1-100): approved once that share of the approvers approved, rejected once the
  share can no longer be reached.
Levels of a stage go in order: level n+1 is sent only once level n is approved, and a
rejected level ends the stage's approval as rejected. Once a level has an outcome it takes
no more decisions, so each decision that counts is one the rule still needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.errors import Invalid
from releasedesk.core.stage_approval.status import LevelStatus
from releasedesk.core.text import plain_line

MAX_COMMENTS = 250


class RuleType(StrEnum):
    ANYONE = "anyone"
    EVERYONE = "everyone"
    FIRST_RESPONSE = "first_response"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class Rule:
    type: RuleType
    percent: int | None = None

    @classmethod
    def of(cls, type_name: str, value: int | None) -> Rule:
        """A rule as a client names it; `value` only (and always) for percent, 1-100."""
        try:
            rule_type = RuleType(type_name)
        except ValueError:
            names = ", ".join(r.value for r in RuleType)
            raise Invalid(f"'{type_name}' is not a rule: use one of {names}", "rule.type") from None
        if rule_type is RuleType.PERCENT:
            if value is None:
                raise Invalid("a percent rule needs a 'value' from 1 to 100", "rule.value")
            if not 1 <= value <= 100:
                raise Invalid(f"'{value}' is not a percentage from 1 to 100", "rule.value")
            return cls(rule_type, value)
        if value is not None:
            raise Invalid(f"only a percent rule takes a 'value', not {rule_type}", "rule.value")
        return cls(rule_type)

    @classmethod
    def stored(cls, type_name: str, value: str | None) -> Rule:
        return cls.of(type_name, None if value is None else int(value))


DECIDED = (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)


def level_outcome(
    rule: Rule, votes: Sequence[ApprovalStatus], min_approvals: int | None = None
) -> LevelStatus:
    """The level's status given each approver's status, decisions in the order they came
    (first_response reads the first one); approvals not decided yet count as undecided.
    `min_approvals` (N of M, from the level's approval policy) holds an approval by the rule
    until N approved, and rejects the level once N can no longer approve."""
    outcome = _rule_outcome(rule, votes)
    if min_approvals is None or outcome is LevelStatus.REJECTED:
        return outcome
    approved = votes.count(ApprovalStatus.APPROVED)
    if approved >= min_approvals:
        return outcome
    undecided = sum(1 for v in votes if v not in DECIDED)
    return LevelStatus.PENDING if approved + undecided >= min_approvals else LevelStatus.REJECTED


def _rule_outcome(rule: Rule, votes: Sequence[ApprovalStatus]) -> LevelStatus:
    total = len(votes)
    decided = [v for v in votes if v in DECIDED]
    approved = decided.count(ApprovalStatus.APPROVED)
    rejected = decided.count(ApprovalStatus.REJECTED)
    if total == 0:
        return LevelStatus.PENDING
    if rule.type is RuleType.FIRST_RESPONSE:
        return _status_of(decided[0]) if decided else LevelStatus.PENDING
    if rule.type is RuleType.ANYONE:
        if approved:
            return LevelStatus.APPROVED
        return LevelStatus.REJECTED if rejected == total else LevelStatus.PENDING
    if rule.type is RuleType.EVERYONE:
        if rejected:
            return LevelStatus.REJECTED
        return LevelStatus.APPROVED if approved == total else LevelStatus.PENDING
    share = rule.percent or 100
    if approved * 100 >= share * total:
        return LevelStatus.APPROVED
    if (total - rejected) * 100 < share * total:
        return LevelStatus.REJECTED  # even if every undecided approver approved
    return LevelStatus.PENDING


def approvals_needed(rule: Rule, approvers: int) -> int | None:
    """How many approvals approve a level of `approvers` under the rule, as `level_outcome`
    counts them (every approver of the level, sent or not); None for first_response, where
    the first decision decides either way."""
    if rule.type is RuleType.FIRST_RESPONSE:
        return None
    if rule.type is RuleType.ANYONE:
        return min(1, approvers)
    if rule.type is RuleType.EVERYONE:
        return approvers
    share = rule.percent or 100
    return -(-share * approvers // 100)  # the least n with n * 100 >= share * approvers


def _status_of(vote: ApprovalStatus) -> LevelStatus:
    return LevelStatus.APPROVED if vote is ApprovalStatus.APPROVED else LevelStatus.REJECTED


def current_level(levels: Sequence[LevelStatus]) -> int | None:
    """The index of the level being decided now: the first pending one, when every level
    before it is approved; None when the stage's approval has ended (or has no levels)."""
    for index, status in enumerate(levels):
        if status is LevelStatus.REJECTED:
            return None
        if status is LevelStatus.PENDING:
            return index
    return None


def why_not_sendable(index: int, levels: Sequence[LevelStatus]) -> str | None:
    """Why the approvals of level `index` (0-based, in level order) cannot be sent, or None."""
    own = levels[index]
    if own is not LevelStatus.PENDING:
        return f"level {index + 1} is already {own}"
    for earlier, status in enumerate(levels[:index]):
        if status is LevelStatus.REJECTED:
            return f"level {earlier + 1} was rejected, which ended this stage's approval"
        if status is LevelStatus.PENDING:
            return f"level {earlier + 1} is not approved yet; level {index + 1} waits for it"
    return None


def why_not_decidable(status: ApprovalStatus, level: LevelStatus) -> str | None:
    """Why an approval in `status` on a level in `level` cannot be decided now, or None."""
    if status is ApprovalStatus.TO_BE_SENT:
        return "this approval has not been sent yet; send its notification first"
    if status is not ApprovalStatus.PENDING:
        return f"this approval is already {status}; a decision is final"
    if level is not LevelStatus.PENDING:
        return f"its level is already {level}; it takes no more decisions"
    return None


def decision_comments(comments: str | None) -> str | None:
    """An approver's comments: plain text, one line, at most 250 characters."""
    if comments is None:
        return None
    return plain_line(comments, "comments", max_length=MAX_COMMENTS) or None
