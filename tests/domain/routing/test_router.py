"""Requests built from claims, and the router the application service calls."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from reimbursement.domain.actors import SYSTEM, Actor
from reimbursement.domain.claim import main_category
from reimbursement.domain.commands import assign, resubmit, return_for_correction
from reimbursement.domain.inputs import ClaimPatch
from reimbursement.domain.routing import (
    ApprovalRules,
    AuthorityChain,
    CategoryReview,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    RoundRobin,
    StepOutcome,
    request_for,
)
from reimbursement.errors import ValidationError
from reimbursement.testing import draft, submitted

from .strategies import AT, CLAIM, eur, no_fx


def test_request_for_a_claim_needs_authority_for_the_whole_amount() -> None:
    claim = submitted(
        draft("C1", lines=[("travel", "40"), ("medical", "300"), ("dental", "300")], language="fr")
    )
    request = request_for(claim, AT, team="claims", region="north")
    assert (request.claim_id, request.customer_id, request.day) == ("C1", "cust-1", AT.date())
    assert request.required_authority == eur(640)
    assert (request.category, request.language, request.region, request.team) == (
        "medical",
        "fr",
        "north",
        "claims",
    )
    assert main_category(attrs.evolve(claim, lines=())) is None
    with pytest.raises(ValidationError, match="no time zone"):
        request_for(claim, AT.replace(tzinfo=None))


def test_request_for_a_plan_step_takes_its_needs_and_exclusions() -> None:
    claim = submitted(draft("C1", lines=[("medical", "5000")]))
    rules = ApprovalRules(
        CategoryReview("medical", team="doctors"), AuthorityChain((eur(1000),), stage=1)
    )
    plan = rules.plan_for(claim).record("medical-review", "mo", StepOutcome.APPROVED, AT)
    medical = request_for(claim, AT, plan=plan, step_id="medical-review")
    assert (medical.team, medical.category, medical.required_authority) == (
        "doctors",
        "medical",
        None,
    )
    plan = plan.record("approval-1", "ana", StepOutcome.APPROVED, AT)
    second = request_for(claim, AT, plan=plan, step_id="approval-2", excluded={"zed"})
    assert second.step_id == "approval-2"
    assert second.required_authority == eur(5000)
    assert second.excluded == {"ana", "cust-1", "zed"}


def test_route_assigns_with_the_default_policy_as_of_the_last_event() -> None:
    pool = ReviewerPool(
        [Reviewer("ana", categories="dental"), Reviewer("ben", categories="medical")]
    )
    router = PolicyRouter(pool, team_of=lambda claim: None, region_of=lambda claim: None)
    assignment = router.route(CLAIM)
    assert (assignment.claim_id, assignment.reviewer) == ("C1", "ben")
    assert assignment.policy == "skills_match>least_loaded"
    assert pool.load("ben") == 1


def test_a_resubmitted_claim_goes_back_to_the_reviewer_who_returned_it() -> None:
    pool = ReviewerPool([Reviewer("ana"), Reviewer("ben")], open_claims={"ben": 5})
    router = PolicyRouter(pool, policy=RoundRobin(per_team=False))
    claim = assign(CLAIM, SYSTEM, AT, "ben", "manual", "set up")
    claim = return_for_correction(claim, Actor.reviewer("ben"), AT, ["Add the invoice"])
    router.release("ben")
    later = AT + timedelta(days=1)
    claim = resubmit(
        claim, Actor.customer("cust-1"), later, ClaimPatch(), no_fx, require_receipts=False
    )
    back = router.route(claim)
    assert (back.reviewer, back.policy) == ("ben", "returning_reviewer")
    assert pool.load("ben") == 5
    pool.replace(Reviewer("ben", capacity=5))
    assert router.route(claim).reviewer == "ana"  # ben is full now: the policy decides


def test_route_needs_a_dated_claim() -> None:
    undated = attrs.evolve(CLAIM, events=())
    with pytest.raises(ValidationError, match="no event to date it by"):
        PolicyRouter(ReviewerPool([Reviewer("ana")])).route(undated)
