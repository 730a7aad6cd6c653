"""Routing events on the claim's timeline, and plans rebuilt from them."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from reimbursement.domain.actors import SYSTEM, Actor
from reimbursement.domain.commands import assign
from reimbursement.domain.events import EventType
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.domain.routing import (
    ApprovalRules,
    Assignment,
    AuthorityChain,
    CategoryReview,
    Escalation,
    ParallelReviews,
    PolicyRouter,
    Reassignment,
    Reviewer,
    ReviewerPool,
    StepOutcome,
    escalate_claim,
    record_assignment,
    record_escalation,
    record_reassignment,
    record_step_decision,
    replay_plan,
)
from reimbursement.errors import InvalidTransitionError, ValidationError
from reimbursement.testing import draft, submitted

from .strategies import AT, CLAIM, eur

RULES = ApprovalRules(
    CategoryReview("medical", team="medical"),
    ParallelReviews(("fraud",)),
    AuthorityChain((eur(1_000),), stage=1),
)


def test_first_assignment_starts_the_review_and_names_policy_step_and_reason() -> None:
    claim = CLAIM
    first = Assignment("C1", "ana", "round_robin", "next in turn", step_id="medical-review")
    claim = record_assignment(claim, SYSTEM, AT, first)
    event = claim.events[-1]
    assert (claim.state, claim.assignee) == (ClaimState.IN_REVIEW, "ana")
    assert (event.type, event.from_state, event.to_state) == (
        EventType.ASSIGNED,
        ClaimState.SUBMITTED,
        ClaimState.IN_REVIEW,
    )
    assert dict(event.data) == {
        "reviewer": "ana",
        "policy": "round_robin",
        "step": "medical-review",
    }
    assert event.reason == "next in turn"
    second = Assignment("C1", "fay", "least_loaded", "fewest open claims (0)", "fraud-review")
    claim = record_assignment(claim, SYSTEM, AT, second)
    assert claim.events[-1].from_state is claim.events[-1].to_state is ClaimState.IN_REVIEW
    assert claim.assignee == "ana"


def test_reassignment_and_escalation_are_events_with_policy_and_reason() -> None:
    claim = assign(CLAIM, SYSTEM, AT, "ana", "least_loaded", "fewest open claims (0)")
    move = Reassignment("C1", "ana", "ben", "delegation", "ana is away; delegation ana → ben")
    claim = record_reassignment(claim, SYSTEM, AT + timedelta(hours=1), move)
    event = claim.events[-1]
    assert event.type is EventType.REASSIGNED
    assert dict(event.data) == {"reviewer": "ben", "from": "ana", "policy": "delegation"}
    assert (event.reason, claim.assignee) == ("ana is away; delegation ana → ben", "ben")
    up = Escalation("C1", "ben", "lee", "sla_breach", "sla breach: lead of team claims")
    claim = record_escalation(claim, SYSTEM, AT + timedelta(hours=2), up)
    event = claim.events[-1]
    assert event.type is EventType.ESCALATED
    assert dict(event.data) == {
        "reviewer": "lee",
        "from": "ben",
        "policy": "escalation",
        "trigger": "sla_breach",
    }
    assert claim.assignee == "lee"
    assert [e.seq for e in claim.events] == list(range(1, len(claim.events) + 1))


def test_routing_events_need_a_claim_in_review_and_the_right_claim() -> None:
    move = Reassignment("C1", "ana", "ben", "delegation", "away")
    with pytest.raises(InvalidTransitionError, match="claim C1 is submitted: cannot reassign"):
        record_reassignment(CLAIM, SYSTEM, AT, move)
    claim = assign(CLAIM, SYSTEM, AT, "ana", "least_loaded", "x")
    with pytest.raises(ValidationError, match="is C2, not claim C1"):
        record_reassignment(claim, SYSTEM, AT, attrs.evolve(move, claim_id="C2"))
    with pytest.raises(ValidationError, match="no time zone"):
        record_reassignment(claim, SYSTEM, AT.replace(tzinfo=None), move)
    with pytest.raises(ValidationError, match="not claim C1"):
        record_assignment(CLAIM, SYSTEM, AT, Assignment("C2", "ana", "p", "r"))


def test_step_decisions_are_recorded_and_the_plan_is_rebuilt_from_the_timeline() -> None:
    claim = submitted(draft("C1", lines=[("medical", "300")]))
    plan = RULES.plan_for(claim)
    reviewer = Actor.reviewer("mo")
    claim = record_assignment(
        claim, SYSTEM, AT, Assignment("C1", "mo", "p", "r", "medical-review")
    )
    plan = plan.assign("medical-review", "mo")
    plan = plan.record("medical-review", "mo", StepOutcome.RETURNED, AT, ["Add the prescription"])
    claim = record_step_decision(claim, reviewer, AT, plan, "medical-review")
    event = claim.events[-1]
    assert event.type is EventType.REVIEW_STEP_DECIDED
    assert dict(event.data) == {
        "step": "medical-review",
        "outcome": "returned",
        "reviewer": "mo",
        "plan_outcome": "pending",
        "reasons": "Add the prescription",
    }
    assert event.reason == "Add the prescription"
    rebuilt = replay_plan(RULES.plan_for(claim), claim)
    assert rebuilt == plan
    with pytest.raises(ValidationError, match="'fraud-review' has not been decided"):
        record_step_decision(claim, reviewer, AT, plan, "fraud-review")


def test_replay_starts_from_the_last_submission() -> None:
    claim = submitted(draft("C1", lines=[("travel", "300")]))
    plan = ApprovalRules(AuthorityChain((eur(1_000),))).plan_for(claim)
    assert replay_plan(plan, claim) == plan


def test_escalate_claim_is_the_sweeper_s_one_call() -> None:
    pool = ReviewerPool(
        [Reviewer("ana", teams="claims"), Reviewer("lee", teams="claims")],
        leads={"claims": "lee"},
        open_claims={"ana": 1},
    )
    router = PolicyRouter(pool)
    claim = assign(CLAIM, SYSTEM, AT, "ana", "least_loaded", "x")
    breach = AT + timedelta(days=2)
    claim, escalation = escalate_claim(router, claim, breach, trigger="sla_warning")
    assert (escalation.from_reviewer, escalation.to_reviewer) == ("ana", "lee")
    assert (claim.assignee, claim.events[-1].type) == ("lee", EventType.ESCALATED)
    assert claim.events[-1].data["trigger"] == "sla_warning"
    assert pool.loads() == {"ana": 0, "lee": 1}
    with pytest.raises(InvalidTransitionError):
        escalate_claim(router, CLAIM, breach)
    assert pool.loads() == {"ana": 0, "lee": 1}


def test_escalate_claim_takes_the_holder_of_a_plan_step() -> None:
    pool = ReviewerPool(
        [Reviewer("mo", teams="medical"), Reviewer("doc", teams="medical")],
        leads={"medical": "doc"},
    )
    claim = submitted(draft("C1", lines=[("medical", "300")]))
    plan = RULES.plan_for(claim).assign("medical-review", "mo")
    claim = record_assignment(
        claim, SYSTEM, AT, Assignment("C1", "mo", "p", "r", "medical-review")
    )
    claim, escalation = escalate_claim(
        PolicyRouter(pool), claim, AT + timedelta(days=1), plan=plan, step_id="medical-review"
    )
    assert (escalation.from_reviewer, escalation.to_reviewer) == ("mo", "doc")
    assert claim.events[-1].data["step"] == "medical-review"
    assert replay_plan(RULES.plan_for(claim), claim).step("medical-review").assignee == "doc"


def test_targets_passed_over_are_kept_for_the_auditor() -> None:
    claim = assign(CLAIM, SYSTEM, AT, "ana", "least_loaded", "x")
    up = Escalation(
        "C1", "ana", "max", "sla_breach", "sla breach: next authority level",
        passed_over=("lead of team claims: lee has a conflict of interest", "x is away"),
    )  # fmt: skip
    event = record_escalation(claim, SYSTEM, AT, up).events[-1]
    assert event.reason == "sla breach: next authority level"
    assert (
        event.data["passed_over"]
        == "lead of team claims: lee has a conflict of interest\nx is away"
    )
