"""The approval rules, pure: every rule over every set of decisions in every order."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from releasedesk.core.approvals.rules import (
    Rule,
    RuleType,
    current_level,
    decision_comments,
    level_outcome,
    why_not_decidable,
    why_not_sendable,
)
from releasedesk.core.approvals.views import ApprovalStatus
from releasedesk.core.errors import Invalid
from releasedesk.core.stage_approval.status import LevelStatus, StageApproval, stage_approval

pytestmark = pytest.mark.one_database  # nothing here depends on the database

A, R, P, T = (
    ApprovalStatus.APPROVED,
    ApprovalStatus.REJECTED,
    ApprovalStatus.PENDING,
    ApprovalStatus.TO_BE_SENT,
)
RULES = [
    Rule.of("anyone", None),
    Rule.of("everyone", None),
    Rule.of("first_response", None),
    *(Rule.of("percent", p) for p in (1, 33, 50, 51, 66, 67, 100)),
]


def decide_in_order(
    rule: Rule, count: int, order: Sequence[tuple[int, ApprovalStatus]]
) -> tuple[LevelStatus, int]:
    """Decisions arriving one by one; once the level has an outcome it takes no more (as
    the service refuses them). The outcome, and how many decisions counted."""
    decided: list[ApprovalStatus] = []  # in arrival order, for first_response

    def outcome() -> LevelStatus:
        return level_outcome(rule, [*decided, *[P] * (count - len(decided))])

    for _approver, vote in order:
        if outcome() is not LevelStatus.PENDING:
            break
        decided.append(vote)
    return outcome(), len(decided)


def expected(rule: Rule, votes: Sequence[ApprovalStatus], first: ApprovalStatus) -> LevelStatus:
    """What the rule says of the whole set of decisions (first_response: of the first)."""
    approvals = votes.count(A)
    if rule.type is RuleType.FIRST_RESPONSE:
        return LevelStatus.APPROVED if first is A else LevelStatus.REJECTED
    if rule.type is RuleType.ANYONE:
        return LevelStatus.APPROVED if approvals else LevelStatus.REJECTED
    if rule.type is RuleType.EVERYONE:
        return LevelStatus.APPROVED if approvals == len(votes) else LevelStatus.REJECTED
    assert rule.percent is not None
    approved = approvals * 100 >= rule.percent * len(votes)
    return LevelStatus.APPROVED if approved else LevelStatus.REJECTED


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.type}-{r.percent}")
@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_each_rule_in_every_order_of_every_set_of_decisions(rule: Rule, count: int) -> None:
    for votes in itertools.product((A, R), repeat=count):
        for order in itertools.permutations(range(count)):
            arrivals = [(i, votes[i]) for i in order]
            outcome, counted = decide_in_order(rule, count, arrivals)
            assert outcome == expected(rule, votes, votes[order[0]]), (votes, order)
            assert 1 <= counted <= count


def test_first_response_counts_exactly_one_decision() -> None:
    rule = Rule.of("first_response", None)
    for order in itertools.permutations(range(3)):
        outcome, counted = decide_in_order(rule, 3, [(i, R if i == order[0] else A) for i in order])
        assert (outcome, counted) == (LevelStatus.REJECTED, 1)


@pytest.mark.parametrize(
    ("rule", "votes", "outcome"),
    [
        (Rule.of("anyone", None), [R, R, P], LevelStatus.PENDING),
        (Rule.of("anyone", None), [R, R, R], LevelStatus.REJECTED),
        (Rule.of("anyone", None), [R, A, P], LevelStatus.APPROVED),
        (Rule.of("everyone", None), [A, A, P], LevelStatus.PENDING),
        (Rule.of("everyone", None), [A, P, R], LevelStatus.REJECTED),
        (Rule.of("everyone", None), [A, A, A], LevelStatus.APPROVED),
        (Rule.of("first_response", None), [P, T, P], LevelStatus.PENDING),
        (Rule.of("first_response", None), [R, A], LevelStatus.REJECTED),
        (Rule.of("percent", 50), [A, P, P, P], LevelStatus.PENDING),
        (Rule.of("percent", 50), [A, A, P, P], LevelStatus.APPROVED),
        (Rule.of("percent", 50), [R, R, P, P], LevelStatus.PENDING),  # 2 of 4 still possible
        (Rule.of("percent", 50), [R, R, R, P], LevelStatus.REJECTED),
        (Rule.of("percent", 51), [R, R, P, P], LevelStatus.REJECTED),  # 2 of 4 is not 51%
        (Rule.of("percent", 100), [A, A, R], LevelStatus.REJECTED),
        (Rule.of("percent", 1), [R, R, A], LevelStatus.APPROVED),
        (Rule.of("anyone", None), [], LevelStatus.PENDING),
        (Rule.of("percent", 100), [], LevelStatus.PENDING),
        (Rule.of("anyone", None), [T, T], LevelStatus.PENDING),
    ],
)
def test_outcomes(rule: Rule, votes: list[ApprovalStatus], outcome: LevelStatus) -> None:
    assert level_outcome(rule, votes) is outcome


@pytest.mark.parametrize(
    ("type_name", "value", "field"),
    [
        ("percent", None, "rule.value"),
        ("percent", 0, "rule.value"),
        ("percent", 101, "rule.value"),
        ("anyone", 50, "rule.value"),
        ("majority", None, "rule.type"),
    ],
)
def test_rules_refused(type_name: str, value: int | None, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        Rule.of(type_name, value)
    assert refused.value.field == field


def test_rules_taken() -> None:
    assert Rule.of("percent", 1) == Rule(RuleType.PERCENT, 1)
    assert Rule.of("percent", 100).percent == 100
    assert Rule.stored("percent", "66") == Rule(RuleType.PERCENT, 66)
    assert Rule.of("everyone", None) == Rule(RuleType.EVERYONE)


PEND, OK, NO = LevelStatus.PENDING, LevelStatus.APPROVED, LevelStatus.REJECTED


def test_a_stage_is_approved_when_every_level_is_and_rejected_by_any() -> None:
    assert stage_approval([]) is StageApproval.NONE
    assert stage_approval([PEND]) is StageApproval.PENDING
    assert stage_approval([OK, PEND]) is StageApproval.PENDING
    assert stage_approval([OK, OK]) is StageApproval.APPROVED
    assert stage_approval([OK, NO]) is StageApproval.REJECTED
    assert stage_approval([NO, PEND]) is StageApproval.REJECTED


def test_the_current_level_is_the_first_pending_after_approved_ones() -> None:
    assert current_level([]) is None
    assert current_level([PEND, PEND]) == 0
    assert current_level([OK, PEND, PEND]) == 1
    assert current_level([OK, OK]) is None
    assert current_level([NO, PEND]) is None
    assert current_level([OK, NO, PEND]) is None


def test_level_n_plus_1_is_sent_only_after_level_n_is_approved() -> None:
    assert why_not_sendable(0, [PEND, PEND]) is None
    assert "level 1 is not approved yet" in (why_not_sendable(1, [PEND, PEND]) or "")
    assert why_not_sendable(1, [OK, PEND]) is None
    assert "rejected" in (why_not_sendable(1, [NO, PEND]) or "")
    assert "already approved" in (why_not_sendable(0, [OK, PEND]) or "")
    assert "level 2 is not approved yet" in (why_not_sendable(2, [OK, PEND, PEND]) or "")


def test_only_a_pending_approval_of_a_pending_level_is_decided() -> None:
    assert why_not_decidable(P, PEND) is None
    assert "not been sent" in (why_not_decidable(T, PEND) or "")
    assert "already approved" in (why_not_decidable(A, PEND) or "")
    assert "already rejected" in (why_not_decidable(R, NO) or "")
    assert "level is already approved" in (why_not_decidable(P, OK) or "")


def test_comments_are_one_plain_line_of_at_most_250_characters() -> None:
    assert decision_comments(None) is None
    assert decision_comments("  ") is None
    assert decision_comments(" ok ") == "ok"
    assert decision_comments("x" * 250) == "x" * 250
    for bad in ("x" * 251, "two\nlines", "cr\r"):
        with pytest.raises(Invalid) as refused:
            decision_comments(bad)
        assert refused.value.field == "comments"
