"""Straight-through review on the desk: at submission, events, audit draws, four-eyes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reimbursement import Actor, Claim, ClaimState, LineInput, Money, ReimbursementDesk
from reimbursement.claims import EventType
from reimbursement.domain.straight_through import (
    AutoApprovalRule,
    CustomerHistory,
    Flag,
    RandomSampler,
    StraightThroughRules,
)
from reimbursement.errors import FourEyesError
from reimbursement.ports import ClaimRepository
from reimbursement.service import DeskSettings
from reimbursement.service.straight_through import (
    AUTO_APPROVER,
    StraightThroughReview,
    sampled_for_audit,
    straight_through_decision,
)
from support import ANA, FINANCE, PDF, REVIEWER, ready_draft, submitted, whole

_EXPENSES = itertools.count(1)


def distinct(desk: ReimbursementDesk, amount: str) -> Claim:
    """A submitted claim of Ana's whose expense and receipt are like no other's.

    The same expense or the same file on two claims raises a duplicate flag,
    and any flag keeps a claim from going straight through.
    """
    n = next(_EXPENSES)
    line = LineInput("pharmacy", date(2026, 3, 1), f"Pharmacy no. {n}", Money(amount, "EUR"))
    claim = desk.start_draft(ANA, [line])
    claim = desk.attach(ANA, claim.id, "receipt.pdf", PDF + f" {n}".encode(), line_id="L1")
    return whole(desk, desk.submit(ANA, claim.id).id)


RULES = StraightThroughRules(
    "2026-12",
    (AutoApprovalRule("small", Money("50.00", "EUR"), categories=["pharmacy"]),),
    audit_share=Decimal("0.5"),
)

MakeDesk = Callable[..., ReimbursementDesk]


class _Known:
    def history(self, claim: Claim, claims: ClaimRepository) -> CustomerHistory:
        return CustomerHistory(paid_claims=3)


def _desk(make_desk: MakeDesk, **kwargs: object) -> ReimbursementDesk:
    kwargs.setdefault("sampler", RandomSampler(1))
    review = StraightThroughReview(RULES, **kwargs)  # type: ignore[arg-type]
    return make_desk(straight_through=review)


def test_a_small_claim_is_approved_at_submission_and_its_payment_waits_for_finance(
    make_desk: MakeDesk,
) -> None:
    desk = _desk(make_desk)
    claim = submitted(desk, ANA, "42.50")
    assert claim.state is ClaimState.PAYMENT_REQUESTED
    assert claim.approver == AUTO_APPROVER.id
    types = [e.type for e in claim.events][-4:]
    assert types == [
        EventType.STRAIGHT_THROUGH_DECIDED,
        EventType.ASSIGNED,
        EventType.APPROVED,
        EventType.PAYMENT_REQUESTED,
    ]
    decided = next(e for e in claim.events if e.type is EventType.STRAIGHT_THROUGH_DECIDED)
    assert decided.data["rule"] == "small"
    assert decided.data["rules_version"] == "2026-12"
    assert not decided.customer_visible
    # the customer is told the claim is approved, and nobody holds it for review
    assert desk.track(ANA, claim.id).stage
    assert desk.open_reviews().get(AUTO_APPROVER.id, 0) == 0
    paid = desk.approve_payment(FINANCE, claim.id)
    assert paid.payment is not None
    assert paid.payment.approved_by == FINANCE.id


def test_the_automatic_approval_is_never_also_the_payment_approval(make_desk: MakeDesk) -> None:
    # below the threshold a reviewer's approval would have its payment approved at once
    settings = DeskSettings(finance_approval_threshold=Money("1000.00", "EUR"))
    desk = make_desk(
        straight_through=StraightThroughReview(RULES, sampler=RandomSampler(1)),
        settings=settings,
    )
    claim = submitted(desk, ANA, "10.00")
    assert claim.state is ClaimState.PAYMENT_REQUESTED
    as_finance = Actor.finance(AUTO_APPROVER.id)
    with pytest.raises(FourEyesError, match="needs a different approver"):
        desk.approve_payment(as_finance, claim.id)
    with pytest.raises(FourEyesError):
        desk.approve_payment(AUTO_APPROVER, claim.id)
    assert desk.get(FINANCE, claim.id).state is ClaimState.PAYMENT_REQUESTED


def test_a_claim_outside_the_rules_goes_to_a_reviewer_with_the_decision_recorded(
    make_desk: MakeDesk,
) -> None:
    desk = _desk(make_desk)
    claim = submitted(desk, ANA, "80.00")
    assert claim.state is ClaimState.IN_REVIEW
    assert claim.assignee == REVIEWER.id
    decision = straight_through_decision(claim)
    assert decision is not None
    assert not decision.automatic
    assert decision.reasons == ("small: the total 80.00 EUR is over 50.00 EUR",)
    assert desk.approve(REVIEWER, claim.id).approver == REVIEWER.id


def test_a_flagged_claim_goes_to_a_reviewer(make_desk: MakeDesk) -> None:
    class Duplicates:
        def flags(self, claim: Claim, claims: ClaimRepository) -> Sequence[Flag]:
            return [Flag("duplicate_file", "also on another claim")]

    desk = _desk(make_desk, flags=Duplicates())
    claim = submitted(desk, ANA, "10.00")
    assert claim.state is ClaimState.IN_REVIEW
    decision = straight_through_decision(claim)
    assert decision is not None
    assert decision.reasons == ("flagged duplicate_file: also on another claim",)


def test_customer_history_is_read_from_the_store(make_desk: MakeDesk) -> None:
    rules = StraightThroughRules(
        "v1", (AutoApprovalRule("known", Money("50.00", "EUR"), min_paid_claims=1),)
    )
    desk = make_desk(straight_through=StraightThroughReview(rules, sampler=RandomSampler(1)))
    first = distinct(desk, "10.00")  # no claim paid yet: a reviewer looks
    assert first.state is ClaimState.IN_REVIEW
    desk.approve(REVIEWER, first.id)
    desk.approve_payment(FINANCE, first.id)
    desk.pay(FINANCE, first.id)
    second = distinct(desk, "10.00")
    assert second.state is ClaimState.PAYMENT_REQUESTED
    assert _known_history_source_is_used(make_desk)


def _known_history_source_is_used(make_desk: MakeDesk) -> bool:
    rules = StraightThroughRules(
        "v1", (AutoApprovalRule("known", Money("50.00", "EUR"), min_paid_claims=3),)
    )
    review = StraightThroughReview(rules, sampler=RandomSampler(1), history=_Known())
    desk = make_desk(straight_through=review)
    return submitted(desk, ANA, "10.00").state is ClaimState.PAYMENT_REQUESTED


def test_a_seeded_share_of_automatic_approvals_is_drawn_for_audit(make_desk: MakeDesk) -> None:
    def draws(seed: int) -> list[bool]:
        desk = _desk(make_desk, sampler=RandomSampler(seed))
        out = []
        for _ in range(40):
            decision = straight_through_decision(distinct(desk, "10.00"))
            assert decision is not None
            assert decision.automatic
            out.append(decision.sampled)
        return out

    first = draws(7)
    assert first == draws(7)  # seeded: the same claims are drawn again
    assert 8 <= sum(first) <= 32  # about half of 40


def test_the_drawn_claims_are_found_among_the_stored_ones(make_desk: MakeDesk) -> None:
    desk = _desk(make_desk, sampler=RandomSampler(11))
    reviewed = distinct(desk, "80.00")  # outside the rules: never drawn
    claims = [distinct(desk, "10.00") for _ in range(12)]
    drawn = [c.id for c in claims if straight_through_decision(c).sampled]  # type: ignore[union-attr]
    page = desk.claims_in(REVIEWER, [ClaimState.PAYMENT_REQUESTED, ClaimState.IN_REVIEW])
    assert reviewed.id in {c.id for c in page.items}
    assert [c.id for c in sampled_for_audit(page.items)] == drawn
    assert drawn  # seed 11 draws some of the twelve


def test_a_resubmitted_claim_always_goes_to_a_reviewer(make_desk: MakeDesk) -> None:
    rules = StraightThroughRules(
        "v1", (AutoApprovalRule("any", Money("50.00", "EUR"), max_rejected_claims=None),)
    )
    # the first submission is outside the rules (too large), then fixed within them
    desk = make_desk(straight_through=StraightThroughReview(rules, sampler=RandomSampler(1)))
    claim = submitted(desk, ANA, "80.00")
    desk.return_for_correction(REVIEWER, claim.id, ["the amount is wrong"])
    from reimbursement import ClaimPatch, LinePatch

    fixed = desk.resubmit(
        ANA, claim.id, ClaimPatch(change_lines=[LinePatch("L1", amount=Money("20.00", "EUR"))])
    )
    assert fixed.state is ClaimState.IN_REVIEW
    assert whole(desk, fixed.id).assignee == REVIEWER.id


def test_without_straight_through_nothing_changes(make_desk: MakeDesk) -> None:
    desk = make_desk()
    claim = whole(desk, desk.submit(ANA, ready_draft(desk, ANA, "1.00").id).id)
    assert claim.state is ClaimState.IN_REVIEW
    assert straight_through_decision(claim) is None


@settings(max_examples=25)
@given(
    st.lists(st.integers(1, 9_000), min_size=1, max_size=4),
    st.integers(0, 20_000),
    st.sampled_from([None, Money("50.00", "EUR"), Money("100000.00", "EUR")]),
)
def test_a_submitted_claim_is_either_reviewed_or_approved_with_its_payment_left_to_finance(
    cents: list[int], limit: int, threshold: Money | None
) -> None:
    from reimbursement import in_memory_desk
    from reimbursement.adapters.memory import ManualClock
    from reimbursement.claims import check_claim
    from support import PROFILES, START

    rules = StraightThroughRules(
        "p1", (AutoApprovalRule("r", Money(limit, "EUR") * Decimal("0.01")),)
    )
    desk = in_memory_desk(
        reviewers=["rev-1"],
        customers=PROFILES,
        clock=ManualClock(START),
        settings=DeskSettings(finance_approval_threshold=threshold),
        straight_through=StraightThroughReview(rules, sampler=RandomSampler(0)),
    )
    claim = submitted(desk, ANA, *(f"{c // 100}.{c % 100:02d}" for c in cents))
    check_claim(claim)
    decision = straight_through_decision(claim)
    assert decision is not None
    within = sum(cents) <= limit
    assert decision.automatic is within
    if within:
        assert claim.state is ClaimState.PAYMENT_REQUESTED
        assert claim.approver == AUTO_APPROVER.id
        assert claim.payment is not None
        assert claim.payment.approved_by is None
    else:
        assert claim.state is ClaimState.IN_REVIEW
        assert claim.approver is None
