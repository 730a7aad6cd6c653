"""Who may decide a step of an approval plan: the role, the claimant, conflicts of interest.

The whole-claim decisions are covered cell by cell in
``test_authorization_matrix.py``; a claim under an approval plan is decided
step by step, through the same rules. Every refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import (
    Actor,
    Claim,
    CustomerProfile,
    ReimbursementDesk,
    Role,
)
from reimbursement.domain.routing import (
    ApprovalRules,
    ConflictRegister,
    ParallelReviews,
    Reviewer,
    ReviewerPool,
)
from reimbursement.errors import AuthorizationError, FourEyesError, ValidationError
from support import ANA, PROFILES, submitted

PARALLEL = ApprovalRules(ParallelReviews(("medical", "fraud")))
FAY = CustomerProfile(
    "fay", "Fay Staff", "POL-7", "EUR", payee_account="DE41 0000 0000 0000 0000 07"
)


@pytest.fixture
def plan_desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    pool = ReviewerPool(
        [
            Reviewer("mo", teams={"medical"}),
            Reviewer("max", teams={"medical"}),
            Reviewer("fay", teams={"fraud"}),
            Reviewer("fred", teams={"fraud"}),
        ]
    )
    return make_desk(
        pool=pool,
        approval_rules=PARALLEL,
        customers=[*PROFILES, FAY],
        conflicts=ConflictRegister([("max", ANA.id)]),
    )


def _refused(
    desk: ReimbursementDesk, claim: Claim, who: Actor, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        desk.approve(who, claim.id)
    assert desk.get(Actor.reviewer("mo"), claim.id) == claim


def test_a_plan_step_is_decided_by_a_reviewer_only(plan_desk: ReimbursementDesk) -> None:
    claim = submitted(plan_desk)
    _refused(plan_desk, claim, Actor.finance("mo"), AuthorizationError, "needs the role reviewer")


@pytest.mark.parametrize("role", ["admin", "", None, 5, "Reviewer"])
def test_an_actor_whose_role_is_not_a_role_cannot_be_made(role: object) -> None:
    with pytest.raises(ValidationError) as refused:
        Actor("mo", role)  # type: ignore[arg-type]
    assert [p.path for p in refused.value.problems] == ["actor.role"]


def test_a_role_given_as_its_text_is_that_role() -> None:
    assert Actor("mo", "reviewer") == Actor.reviewer("mo")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Actor("", Role.REVIEWER)


def test_nobody_decides_a_step_of_their_own_claim(plan_desk: ReimbursementDesk) -> None:
    claim = submitted(plan_desk, Actor.customer("fay"))
    assert "fay" not in {e.data.get("reviewer") for e in claim.events}  # routing skipped her
    _refused(plan_desk, claim, Actor.reviewer("fay"), FourEyesError, "own claim")


def test_a_reviewer_linked_to_the_customer_decides_no_step(plan_desk: ReimbursementDesk) -> None:
    claim = submitted(plan_desk)
    _refused(plan_desk, claim, Actor.reviewer("max"), FourEyesError, "conflict of interest")


def test_the_step_holders_decide_and_the_plan_completes(plan_desk: ReimbursementDesk) -> None:
    claim = submitted(plan_desk)
    holders = sorted(e.data["reviewer"] for e in claim.events if e.data.get("step"))
    assert "max" not in holders  # the conflict kept him off it
    for reviewer in holders:
        claim = plan_desk.approve(Actor.reviewer(reviewer), claim.id)
    assert claim.state.value == "payment_requested"
