"""Approval plans: one department's return is never overruled by another's approval."""

from __future__ import annotations

import pytest

from reimbursement import Actor, LineDecision, Money, ReimbursementDesk, in_memory_desk
from reimbursement.claims import EventType
from reimbursement.domain.lifecycle import ClaimState as S
from reimbursement.domain.routing import ApprovalRules, ParallelReviews, Reviewer, ReviewerPool
from support import ANA, PROFILES, notifier, submitted

MO, FAY = Actor.reviewer("mo"), Actor.reviewer("fay")


@pytest.fixture
def desk() -> ReimbursementDesk:
    pool = ReviewerPool([Reviewer("mo", teams={"medical"}), Reviewer("fay", teams={"fraud"})])
    rules = ApprovalRules(ParallelReviews(("medical", "fraud")))
    return in_memory_desk(pool=pool, approval_rules=rules, customers=PROFILES)


@pytest.mark.parametrize("lowered", [False, True])
def test_a_return_then_an_approval_sends_the_claim_back(
    desk: ReimbursementDesk, lowered: bool
) -> None:
    claim = submitted(desk)
    desk.return_for_correction(MO, claim.id, ["missing_medical_report"], "Ask Dr. Roth.")
    lines = [LineDecision("L1", Money("10.00", "EUR"), "tariff")] if lowered else []
    back = desk.approve(FAY, claim.id, lines)
    assert back.state is S.RETURNED
    assert back.payment is None
    assert back.decision is not None
    assert back.decision.reasons == ("missing_medical_report",)
    assert back.events[-1].data["note"] == "Ask Dr. Roth."
    view = desk.track(ANA, claim.id)
    assert view.return_reasons == ("A medical report is needed",)
    assert [n.event for n in notifier(desk).sent].count(EventType.RETURNED) == 1
    assert not any(n.event is EventType.APPROVED for n in notifier(desk).sent)


def test_an_approval_then_a_return_sends_the_claim_back_too(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    desk.approve(FAY, claim.id)
    back = desk.return_for_correction(MO, claim.id, ["Which visit?"])
    assert back.state is S.RETURNED
    assert desk.track(ANA, claim.id).return_reasons == ("Which visit?",)
