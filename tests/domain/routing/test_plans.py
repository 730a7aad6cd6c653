"""Approval plans: rules, multi-level chains, parallel steps, outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reimbursement.domain.routing import (
    ApprovalRules,
    AuthorityChain,
    CategoryReview,
    ParallelReviews,
    PlanOutcome,
    ReviewPlan,
    ReviewStep,
    StepOutcome,
)
from reimbursement.errors import FourEyesError, ValidationError
from reimbursement.testing import draft, submitted

from .strategies import AT, eur

RULES = ApprovalRules(
    CategoryReview("medical", team="medical", stage=1),
    ParallelReviews(("fraud", "compliance"), stage=1, applies=lambda c: len(c.lines) > 1),
    AuthorityChain((eur(1_000), eur(10_000)), stage=2),
)


def test_small_claim_needs_one_approval_for_its_amount() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("travel", "80.00")])))
    assert [(s.id, s.required_authority) for s in plan.steps] == [("approval-1", eur("80.00"))]


def test_chain_levels_up_to_the_first_limit_covering_the_amount() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("travel", "5000")])))
    assert [(s.id, s.stage, s.required_authority, s.chain) for s in plan.steps] == [
        ("approval-1", 2, eur(1_000), "approval"),
        ("approval-2", 3, eur(5_000), "approval"),
    ]
    above = RULES.plan_for(submitted(draft("C1", lines=[("travel", "25000")])))
    assert [s.required_authority for s in above.steps] == [eur(1_000), eur(10_000), eur(25_000)]


def test_medical_lines_add_a_medical_review_in_parallel_with_departments() -> None:
    claim = submitted(draft("C1", lines=[("medical", "200"), ("travel", "50")]))
    plan = RULES.plan_for(claim)
    assert [s.id for s in plan.open_steps()] == [
        "medical-review",
        "fraud-review",
        "compliance-review",
    ]
    medical = plan.step("medical-review")
    assert (medical.team, medical.category) == ("medical", "medical")


def test_parallel_steps_must_all_finish_before_the_next_stage_opens() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("medical", "200"), ("travel", "50")])))
    plan = plan.record("fraud-review", "fay", StepOutcome.APPROVED, AT)
    plan = plan.record("medical-review", "mo", StepOutcome.APPROVED, AT + timedelta(hours=1))
    assert [s.id for s in plan.open_steps()] == ["compliance-review"]
    with pytest.raises(
        ValidationError, match="'approval-1' is not open yet; open now: compliance"
    ):
        plan.record("approval-1", "ana", StepOutcome.APPROVED, AT)
    plan = plan.record("compliance-review", "col", StepOutcome.APPROVED, AT + timedelta(hours=2))
    assert [s.id for s in plan.open_steps()] == ["approval-1"]
    assert plan.outcome is PlanOutcome.PENDING
    done = plan.record("approval-1", "ana", StepOutcome.APPROVED, AT + timedelta(hours=3))
    assert done.outcome is PlanOutcome.APPROVED
    assert done.finished_at == AT + timedelta(hours=3)
    assert done.open_steps() == ()
    step = done.step("medical-review")
    assert (step.decided_by, step.decided_at, step.outcome) == (
        "mo",
        AT + timedelta(hours=1),
        "approved",
    )


def test_returns_in_parallel_steps_come_back_once_with_every_reason() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("medical", "200"), ("travel", "50")])))
    plan = plan.record("medical-review", "mo", StepOutcome.RETURNED, AT, ["Add the prescription"])
    assert plan.outcome is PlanOutcome.PENDING  # the other reviews still run
    plan = plan.record("fraud-review", "fay", StepOutcome.RETURNED, AT, ["Receipt is blurred"])
    plan = plan.record("compliance-review", "col", StepOutcome.APPROVED, AT)
    assert plan.outcome is PlanOutcome.RETURNED
    assert plan.reasons == ("Add the prescription", "Receipt is blurred")
    assert plan.open_steps() == ()
    with pytest.raises(ValidationError, match="already returned"):
        plan.record("approval-1", "ana", StepOutcome.APPROVED, AT)


def test_a_rejection_anywhere_rejects_at_once() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("medical", "200"), ("travel", "50")])))
    plan = plan.record("fraud-review", "fay", StepOutcome.REJECTED, AT, ["Forged invoice"])
    assert plan.outcome is PlanOutcome.REJECTED
    assert plan.reasons == ("Forged invoice",)
    assert plan.finished_at == AT


def test_the_same_person_cannot_decide_two_levels_of_a_chain() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("travel", "5000")])))
    plan = plan.record("approval-1", "ana", StepOutcome.APPROVED, AT)
    assert plan.excluded_for("approval-2") == {"ana", "cust-1"}
    with pytest.raises(FourEyesError, match="ana already decided another level of 'approval'"):
        plan.record("approval-2", "ana", StepOutcome.APPROVED, AT)
    assert plan.deciders("approval") == {"ana"}


def test_the_claimant_cannot_decide_a_step() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("travel", "50")])))
    with pytest.raises(FourEyesError, match="cust-1 submitted claim C1"):
        plan.record("approval-1", "cust-1", StepOutcome.APPROVED, AT)


def test_record_refuses_missing_reasons_naive_times_unknown_and_decided_steps() -> None:
    plan = RULES.plan_for(submitted(draft("C1", lines=[("travel", "50")])))
    with pytest.raises(ValidationError, match="say why step 'approval-1' is returned"):
        plan.record("approval-1", "ana", StepOutcome.RETURNED, AT, ["  "])
    with pytest.raises(ValidationError, match="no time zone"):
        plan.record("approval-1", "ana", StepOutcome.APPROVED, AT.replace(tzinfo=None))
    with pytest.raises(ValidationError, match="no step 'nope'; the plan has approval-1"):
        plan.record("nope", "ana", StepOutcome.APPROVED, AT)
    assigned = plan.assign("approval-1", "ana")
    assert assigned.step("approval-1").assignee == "ana"
    assert plan.step("approval-1").assignee is None  # plans never change


def test_rules_name_the_escalation_target_of_their_steps() -> None:
    rules = ApprovalRules(
        CategoryReview("medical", escalation_to="chief-doctor"),
        ParallelReviews(("fraud",), escalation_to="fraud-lead"),
        AuthorityChain((eur(100),), stage=1, escalation_to="cfo"),
    )
    plan = rules.plan_for(submitted(draft("C1", lines=[("medical", "500")])))
    assert [s.escalation_to for s in plan.steps] == ["chief-doctor", "fraud-lead", "cfo", "cfo"]


def test_plans_refuse_no_steps_and_repeated_ids() -> None:
    with pytest.raises(ValidationError, match="has no step"):
        ApprovalRules(CategoryReview("medical")).plan_for(
            submitted(draft("C1", lines=[("travel", "5")]))
        )
    with pytest.raises(ValidationError, match="'x' is used twice"):
        ReviewPlan("C1", "cust-1", [ReviewStep("x", "x"), ReviewStep("x", "x")])


def test_authority_chain_limits_must_ascend() -> None:
    with pytest.raises(ValidationError, match="strictly ascending"):
        AuthorityChain((eur(1_000), eur(1_000)))
    with pytest.raises(ValidationError, match="at least one"):
        AuthorityChain(())
