"""Escalation targets on an SLA warning or breach."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reimbursement.domain.routing import (
    Absence,
    ConflictRegister,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    ReviewStep,
    escalate,
    escalation_target,
)
from reimbursement.errors import DelegationLoopError, NoEligibleReviewerError

from .strategies import DAY, eur, request


def office() -> ReviewerPool:
    return ReviewerPool(
        [
            Reviewer("ana", teams="claims", authority_limit=eur(1_000)),
            Reviewer("ben", teams="claims", authority_limit=eur(5_000)),
            Reviewer("cy", teams="claims", authority_limit=eur(20_000)),
            Reviewer("lee", teams="claims", authority_limit=eur(50_000)),
            Reviewer("boss"),
        ],
        leads={"claims": "lee"},
        open_claims={"ana": 1},
    )


def test_escalates_to_the_team_lead_and_moves_the_load() -> None:
    pool = office()
    escalation = escalate(PolicyRouter(pool), request(team="claims"), "ana", trigger="sla_warning")
    assert (escalation.to_reviewer, escalation.from_reviewer) == ("lee", "ana")
    assert (escalation.policy, escalation.trigger) == ("escalation", "sla_warning")
    assert escalation.reason == "sla warning: lead of team claims"
    assert pool.load("lee") == 1
    assert pool.load("ana") == 0


def test_a_step_s_named_target_comes_first() -> None:
    step = ReviewStep("approval-1", "approval", escalation_to="boss")
    target = escalation_target(PolicyRouter(office()), request(team="claims"), "ana", step=step)
    assert target.to_reviewer == "boss"
    assert target.reason == "sla breach: escalation target of step approval-1"


def test_the_lead_s_delegate_takes_it_when_the_lead_is_away() -> None:
    pool = office()
    leave = Absence(DAY, DAY + timedelta(days=3), delegate="cy")
    pool.replace(Reviewer("lee", teams="claims", authority_limit=eur(50_000), absences=[leave]))
    target = escalation_target(PolicyRouter(pool), request(team="claims"), "ana")
    assert target.to_reviewer == "cy"
    assert "delegation lee → cy" in target.reason


def test_without_a_usable_lead_it_goes_to_the_next_authority_level() -> None:
    pool = office()
    router = PolicyRouter(pool, ConflictRegister([("lee", "cust-1")]))
    target = escalation_target(router, request(team="claims"), "ana")
    assert target.to_reviewer == "ben"
    assert target.reason == "sla breach: next authority level"
    assert target.passed_over == (
        "lead of team claims: lee has a conflict of interest with customer cust-1",
    )


def test_next_level_respects_the_claim_s_authority_and_four_eyes() -> None:
    pool = ReviewerPool(
        [
            Reviewer("ana", authority_limit=eur(1_000)),
            Reviewer("ben", authority_limit=eur(5_000)),
            Reviewer("cy", authority_limit=eur(20_000)),
        ]
    )
    target = escalation_target(PolicyRouter(pool), request(customer="ben", amount="3000"), "ana")
    assert target.to_reviewer == "cy"


def test_nobody_above_raises() -> None:
    pool = ReviewerPool([Reviewer("boss"), Reviewer("ana", authority_limit=eur(10))])
    with pytest.raises(
        NoEligibleReviewerError, match="nobody to take claim C1 over from boss: no team lead"
    ):
        escalation_target(PolicyRouter(pool), request(amount=None), "boss")


def test_a_lead_whose_delegates_loop_is_an_error_not_a_skip() -> None:
    week = (DAY, DAY + timedelta(days=3))
    pool = ReviewerPool(
        [
            Reviewer("ana", teams="claims"),
            Reviewer("lee", absences=[Absence(*week, delegate="max")]),
            Reviewer("max", absences=[Absence(*week, delegate="lee")]),
        ],
        leads={"claims": "lee"},
    )
    with pytest.raises(DelegationLoopError):
        escalation_target(PolicyRouter(pool), request(), "ana")


def test_unusable_named_targets_are_passed_over_and_listed() -> None:
    week = (DAY, DAY + timedelta(days=3))
    pool = ReviewerPool(
        [
            Reviewer("ana", teams={"claims", "night"}, authority_limit=eur(100)),
            Reviewer("lee", teams="claims", absences=[Absence(*week)]),
            Reviewer("max", teams="claims", authority_limit=eur(500)),
        ],
        leads={"claims": "lee", "night": "ana"},
    )
    step = ReviewStep("approval-1", "approval", escalation_to="zoe")
    target = escalation_target(PolicyRouter(pool), request(), "ana", step=step)
    assert target.to_reviewer == "max"
    assert target.reason == "sla breach: next authority level"
    assert target.passed_over == (
        "escalation target of step approval-1 zoe is not in the pool",
        "lead of team claims lee is away with no delegate",
        "lead of team night ana already holds it",
    )
    assert target.step_id is None


def test_an_unassigned_claim_escalates_to_the_team_lead() -> None:
    pool = office()
    escalation = escalate(PolicyRouter(pool), request(team="claims"), None)
    assert (escalation.from_reviewer, escalation.to_reviewer) == (None, "lee")
    assert pool.load("lee") == 1
