"""The customer's voice on the desk: feedback on a decided claim, guidance for returns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from reimbursement import CustomerProfile, ReimbursementDesk
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import EventType
from reimbursement.errors import AuthorizationError, DuplicateError, ValidationError
from reimbursement.feedback import FeedbackStage
from support import ANA, BEN, PROFILES, REVIEWER, submitted, whole


def test_the_customer_rates_a_decided_claim_once(desk: ReimbursementDesk) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    rated = desk.give_feedback(
        ANA,
        claim.id,
        ratings={FeedbackStage.SUBMISSION: 5, FeedbackStage.REVIEW: 4},
        ces=2,
        nps=9,
        problems=["did_not_know_status"],
        text="Quick, thank you.",
        channel="app",
    )
    assert rated.feedback is not None
    assert rated.feedback.ratings == {FeedbackStage.SUBMISSION: 5, FeedbackStage.REVIEW: 4}
    assert whole(desk, claim.id).events[-1].type is EventType.FEEDBACK_GIVEN
    assert desk.track(ANA, claim.id).feedback == rated.feedback
    with pytest.raises(DuplicateError):
        desk.give_feedback(ANA, claim.id, nps=10)


def test_feedback_before_a_decision_is_refused(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    with pytest.raises(ValidationError):
        desk.give_feedback(ANA, claim.id, nps=3)
    assert desk.get(REVIEWER, claim.id) == claim


def test_only_the_claims_customer_gives_feedback(desk: ReimbursementDesk) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    with pytest.raises(AuthorizationError):
        desk.give_feedback(BEN, claim.id, nps=0)
    with pytest.raises(AuthorizationError):
        desk.give_feedback(REVIEWER, claim.id, nps=10)


def test_bad_values_are_listed_field_by_field(desk: ReimbursementDesk) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    with pytest.raises(ValidationError) as caught:
        desk.give_feedback(
            ANA,
            claim.id,
            ratings={FeedbackStage.REVIEW: 6},
            ces=0,
            nps=11,
            problems=["no_such_code"],
        )
    paths = {p.path for p in caught.value.problems}
    assert {"ces", "nps"} <= paths
    assert any(p.startswith("ratings") for p in paths)
    assert any(p.startswith("problems") for p in paths)
    assert desk.get(REVIEWER, claim.id) == claim


def test_feedback_can_be_edited_within_the_window(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.give_feedback(ANA, claim.id, nps=6)
    clock.advance(timedelta(days=2))
    edited = desk.edit_feedback(ANA, claim.id, nps=8, text="Paid after all.")
    assert edited.feedback is not None
    assert edited.feedback.nps == 8
    assert edited.feedback.edited_at == clock.now()
    clock.advance(timedelta(days=30))
    with pytest.raises(ValidationError, match="can be edited until"):
        desk.edit_feedback(ANA, claim.id, nps=2)


@pytest.mark.parametrize(
    ("language", "title"), [("en", "A receipt is missing"), ("zh-CN", "缺少收据")]
)
def test_a_returned_claim_explains_each_reason_in_the_customers_language(
    make_desk: Callable[..., ReimbursementDesk], language: str, title: str
) -> None:
    ana = PROFILES[0]
    profile = CustomerProfile(
        ana.customer_id,
        ana.name,
        ana.policy_number,
        "EUR",
        ana.email,
        language,
        ana.payee_account,
    )
    desk = make_desk(customers=[profile, *PROFILES[1:]])
    claim = submitted(desk)
    desk.return_for_correction(REVIEWER, claim.id, ["missing_receipt", "Please also sign."])
    view = desk.track(ANA, claim.id)
    assert [g.code for g in view.guidance] == ["missing_receipt"]
    assert view.guidance[0].language == language
    assert view.guidance[0].title == title
    assert view.guidance[0].steps
    # the catalogue's words for a code, free text as written
    assert view.return_reasons == (title, "Please also sign.")
