"""The application service, end to end on the in-memory adapters (fakes, not mocks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from reimbursement import (
    Actor,
    ClaimPatch,
    ClaimState,
    DeskSettings,
    LineDecision,
    LineInput,
    LinePatch,
    Money,
    ReimbursementDesk,
    to_json,
)
from reimbursement.adapters.memory import (
    InMemoryDocumentStore,
    ManualClock,
)
from reimbursement.claims import EventType, PaymentStatus
from reimbursement.errors import (
    AuthorizationError,
    ClaimNotFoundError,
    CustomerNotFoundError,
    FourEyesError,
    InvalidTransitionError,
    NoEligibleReviewerError,
    PaymentError,
    RateNotFoundError,
    ValidationError,
)
from reimbursement.service import CustomerClaim
from support import (
    ANA,
    BEN,
    FINANCE,
    PDF,
    PNG,
    REVIEWER,
    REVIEWER_2,
    gateway,
    notifier,
    paid,
    pharmacy,
    ready_draft,
    submitted,
    whole,
)

S = ClaimState


# -- drafts: nothing the insurer knows is typed again -----------------------------


def test_draft_is_prefilled_from_the_directory(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    assert claim.state is S.DRAFT
    assert claim.claimant.name == "Ana Lima"
    assert claim.claimant.policy_number == "POL-100"
    assert claim.claimant.payee_account == "DE89 3704 0044 0532 0130 00"
    assert claim.currency == "EUR"
    assert [e.type for e in whole(desk, claim.id).events] == [EventType.DRAFT_STARTED]


def test_payee_account_comes_from_the_customers_last_claim(desk: ReimbursementDesk) -> None:
    # Ben's directory entry has no bank account: he gives it once, on his first claim
    first = desk.start_draft(BEN, [pharmacy()])
    assert first.claimant.payee_account == ""
    desk.update_draft(BEN, first.id, ClaimPatch(payee_account="GB29 NWBK 6016 1331 9268 19"))
    second = desk.start_draft(BEN, [pharmacy()])
    assert second.claimant.payee_account == "GB29 NWBK 6016 1331 9268 19"


def test_unknown_customer_cannot_start_a_draft(desk: ReimbursementDesk) -> None:
    with pytest.raises(CustomerNotFoundError):
        desk.start_draft(Actor.customer("nobody"))


def test_only_customers_start_drafts(desk: ReimbursementDesk) -> None:
    with pytest.raises(AuthorizationError):
        desk.start_draft(REVIEWER)


def test_start_draft_with_request_id_is_idempotent(desk: ReimbursementDesk) -> None:
    a = desk.start_draft(ANA, [pharmacy()], request_id="req-1")
    b = desk.start_draft(ANA, [pharmacy()], request_id="req-1")
    assert a.id == b.id
    assert len(desk.claims_of(ANA)) == 1


def test_foreign_currency_line_is_converted_at_the_rate_of_the_day(
    desk: ReimbursementDesk,
) -> None:
    # 2026-03-01 is a Sunday: the table's last rate before it is Friday 27 February
    claim = desk.start_draft(ANA, [pharmacy("100.00", "USD")])
    line = claim.lines[0]
    assert line.amount == Money("100.00", "USD")
    assert line.claimed == Money("92.00", "EUR")
    assert line.fx_rate == Decimal("0.9200")
    assert claim.claimed_total == Money("92.00", "EUR")


def test_missing_rate_is_refused_and_nothing_is_stored(desk: ReimbursementDesk) -> None:
    with pytest.raises(RateNotFoundError, match="JPY/EUR"):
        desk.start_draft(ANA, [pharmacy("1000", "JPY")])
    assert desk.claims_of(ANA).items == ()


def test_bad_lines_are_refused_with_every_problem(desk: ReimbursementDesk) -> None:
    bad = LineInput(" ", date(2030, 1, 1), "", Money("-1", "EUR"))
    with pytest.raises(ValidationError) as caught:
        desk.start_draft(ANA, [pharmacy(), bad])
    paths = {p.path for p in caught.value.problems}
    assert paths == {  # named as the argument: start_draft's lines
        "lines[1].category",
        "lines[1].provider",
        "lines[1].amount",
        "lines[1].incurred_on",
    }


def test_patch_changes_only_what_it_names(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy("10.00"), pharmacy("20.00")])
    patched = desk.update_draft(
        ANA,
        claim.id,
        ClaimPatch(
            change_lines=(LinePatch("L2", amount=Money("25.00", "EUR")),),
            add_lines=(pharmacy("5.00"),),
            remove_lines=("L1",),
        ),
    )
    assert [(line.id, str(line.amount)) for line in patched.lines] == [
        ("L2", "25.00 EUR"),
        ("L3", "5.00 EUR"),
    ]
    assert patched.lines[0].provider == "City Pharmacy"
    assert patched.version == claim.version + 1


def test_patch_naming_unknown_lines_changes_nothing(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    with pytest.raises(ValidationError, match="no line 'L9'"):
        desk.update_draft(ANA, claim.id, ClaimPatch(remove_lines=("L9",)))
    assert CustomerClaim.of(desk.get(REVIEWER, claim.id)) == claim


# -- documents ------------------------------------------------------------------------


def test_attachment_type_is_judged_by_content(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    claim = desk.attach(ANA, claim.id, "scan.pdf", PNG)
    attachment = claim.attachments[0]
    assert attachment.media_type == "image/png"
    assert attachment.size == len(PNG)
    assert desk.adapters.documents.get(attachment.id) == PNG


def test_unknown_file_content_is_refused(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    with pytest.raises(ValidationError, match="not a PDF, JPEG, PNG"):
        desk.attach(ANA, claim.id, "receipt.pdf", b"MZ\x90\x00 an executable")
    assert desk.get(REVIEWER, claim.id).attachments == ()


def test_documents_cannot_be_added_during_review(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    store = desk.adapters.documents
    assert isinstance(store, InMemoryDocumentStore)
    stored = len(store)
    with pytest.raises(ValidationError, match="in_review"):
        desk.attach(ANA, claim.id, "late.pdf", PDF)
    assert len(store) == stored


# -- submission -------------------------------------------------------------------------


def test_submit_numbers_routes_and_notifies(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    assert claim.state is S.IN_REVIEW
    assert claim.number == "CLM-2026-000001"
    assert claim.assignee == "rev-1"
    assigned = claim.events[-1]
    assert assigned.type is EventType.ASSIGNED
    assert assigned.data["policy"] == "round_robin"
    assert [n.event for n in notifier(desk).to("cust-ana")] == [EventType.SUBMITTED]
    assert "CLM-2026-000001" in notifier(desk).sent[0].subject


def test_repeated_submit_with_same_request_id_creates_nothing(desk: ReimbursementDesk) -> None:
    draft = ready_draft(desk)
    first = desk.submit(ANA, draft.id, request_id="submit-1")
    again = desk.submit(ANA, draft.id, request_id="submit-1")
    assert again == first
    assert len(notifier(desk).sent) == 1
    second = desk.submit(ANA, ready_draft(desk).id)
    assert second.number == "CLM-2026-000002"  # no number was burnt by the replay


def test_submit_lists_everything_missing(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(BEN, [])
    with pytest.raises(ValidationError) as caught:
        desk.submit(BEN, draft.id)
    assert {p.path for p in caught.value.problems} == {"lines", "claimant.payee_account"}
    assert CustomerClaim.of(desk.get(REVIEWER, draft.id)) == draft


def test_submit_requires_a_receipt_per_line(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(ANA, [pharmacy()])
    with pytest.raises(ValidationError, match="attach the receipt"):
        desk.submit(ANA, draft.id)


def test_receipts_can_be_made_optional(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(settings=DeskSettings(require_receipts=False))
    claim = desk.submit(ANA, desk.start_draft(ANA, [pharmacy()]).id)
    assert claim.state is S.IN_REVIEW


def test_failed_submit_does_not_burn_a_claim_number(desk: ReimbursementDesk) -> None:
    with pytest.raises(ValidationError):
        desk.submit(ANA, desk.start_draft(ANA, [pharmacy()]).id)
    first = submitted(desk)
    assert first.number == "CLM-2026-000001"
    with pytest.raises(InvalidTransitionError):
        desk.submit(ANA, first.id)  # already in review
    assert submitted(desk).number == "CLM-2026-000002"


def test_nobody_reviews_their_own_claim(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(reviewers=["rev-1"])
    own = Actor.customer("rev-1")
    draft = ready_draft(desk, own)
    with pytest.raises(NoEligibleReviewerError):
        desk.submit(own, draft.id)
    assert desk.get(REVIEWER_2, draft.id).state is S.DRAFT


def test_round_robin_skips_the_submitter(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(reviewers=["rev-1", "rev-2"])
    own = Actor.customer("rev-1")
    assert submitted(desk, own).assignee == "rev-2"
    assert submitted(desk, own).assignee == "rev-2"


# -- review -------------------------------------------------------------------------------


def test_full_approval_requests_payment(desk: ReimbursementDesk) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    assert claim.state is S.PAYMENT_REQUESTED
    assert claim.approved_total == Money("42.50", "EUR")
    assert claim.payment is not None
    assert claim.payment.amount == Money("42.50", "EUR")
    assert [e.type for e in claim.events[-2:]] == [
        EventType.APPROVED,
        EventType.PAYMENT_REQUESTED,
    ]


def test_an_approval_in_full_lists_no_line_but_every_line_reads_as_claimed(
    desk: ReimbursementDesk,
) -> None:
    claim = desk.approve(REVIEWER, submitted(desk, ANA, "100.00", "50.00").id)
    assert claim.decisions[-1].outcome == "approved"
    assert claim.decisions[-1].lines == ()  # the outcome says it: nothing stored per line
    assert claim.approved_lines == (
        LineDecision("L1", Money("100.00", "EUR")),
        LineDecision("L2", Money("50.00", "EUR")),
    )
    assert claim.approved_total == Money("150.00", "EUR")


def test_naming_every_line_at_its_full_amount_is_an_approval_in_full(
    desk: ReimbursementDesk,
) -> None:
    claim = submitted(desk, ANA, "100.00", "50.00")
    full = [LineDecision("L2", Money("50.00", "EUR"), "receipt checked")]
    decided = desk.approve(REVIEWER, claim.id, full)
    assert decided.decisions[-1].outcome == "approved"
    assert decided.approved_total == Money("150.00", "EUR")
    approval = next(e for e in decided.events if e.type is EventType.APPROVED)
    assert approval.reason == "L2: receipt checked"


def test_nothing_reads_as_approved_before_an_approval_or_after_a_rejection(
    desk: ReimbursementDesk,
) -> None:
    claim = submitted(desk)
    assert claim.approved_lines == ()
    assert claim.approved_total == Money("0.00", "EUR")
    rejected = desk.reject(REVIEWER, claim.id, "not_covered")
    assert rejected.approved_lines == ()
    assert rejected.approved_total == Money("0.00", "EUR")


def test_partial_approval_per_line_with_reasons(desk: ReimbursementDesk) -> None:
    claim = submitted(desk, ANA, "100.00", "50.00")
    decided = desk.approve(
        REVIEWER, claim.id, [LineDecision("L1", Money("80.00", "EUR"), "above the tariff")]
    )
    assert decided.decisions[-1].outcome == "partially_approved"
    assert decided.approved_total == Money("130.00", "EUR")
    assert [str(d.approved) for d in decided.decisions[-1].lines] == ["80.00 EUR", "50.00 EUR"]
    assert decided.approved_lines == decided.decisions[-1].lines
    view = desk.track(ANA, claim.id)
    assert view.approved == Money("130.00", "EUR")
    assert any("above the tariff" in entry.detail for entry in view.timeline)


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (LineDecision("L1", Money("90.00", "EUR")), "say why less is approved"),
        (LineDecision("L1", Money("150.00", "EUR"), "x"), "between 0 and the claimed"),
        (LineDecision("L1", Money("10.00", "USD"), "x"), "policy currency"),
        (LineDecision("L7", Money("1.00", "EUR"), "x"), "no line 'L7'"),
        (LineDecision("L1", Money("0", "EUR"), "nothing"), "reject the claim instead"),
    ],
)
def test_bad_approvals_are_refused(
    desk: ReimbursementDesk, decision: LineDecision, message: str
) -> None:
    claim = submitted(desk, ANA, "100.00")
    with pytest.raises(ValidationError, match=message):
        desk.approve(REVIEWER, claim.id, [decision])
    assert desk.get(REVIEWER, claim.id) == claim


def test_reject_with_reason_code(desk: ReimbursementDesk) -> None:
    claim = desk.reject(REVIEWER, submitted(desk).id, "not_covered", "Cosmetics are excluded.")
    assert claim.state is S.REJECTED
    assert claim.decision is not None
    assert claim.decision.reason_code == "not_covered"
    assert claim.approved_total == Money("0", "EUR")
    assert notifier(desk).sent[-1].event is EventType.REJECTED
    with pytest.raises(ValidationError, match="reason code"):
        desk.reject(REVIEWER, submitted(desk).id, " ")


def test_return_resubmit_with_patch_goes_back_to_the_same_reviewer(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(reviewers=["rev-1", "rev-2"])
    claim = submitted(desk)
    returned = desk.return_for_correction(
        REVIEWER, claim.id, ["The receipt is unreadable", "Amount differs from receipt"]
    )
    assert returned.state is S.RETURNED
    view = desk.track(ANA, claim.id)
    assert view.return_reasons == ("The receipt is unreadable", "Amount differs from receipt")
    assert set(view.customer_actions) == {"resubmit", "withdraw"}
    fixed = desk.attach(ANA, claim.id, "better.png", PNG)
    doc = fixed.attachments[-1].id
    again = desk.resubmit(
        ANA,
        claim.id,
        ClaimPatch(
            change_lines=(LinePatch("L1", amount=Money("40.00", "EUR"), attachment_ids=(doc,)),)
        ),
    )
    assert again.state is S.IN_REVIEW
    assert whole(desk, again.id).assignee == "rev-1"
    assert again.lines[0].amount == Money("40.00", "EUR")
    assert again.lines[0].provider == "City Pharmacy"  # not typed again
    assert again.number == claim.number
    types = [e.type for e in whole(desk, again.id).events[-3:]]
    assert types == [EventType.ATTACHMENT_ADDED, EventType.RESUBMITTED, EventType.ASSIGNED]


def test_return_needs_reasons(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    with pytest.raises(ValidationError, match="what the customer must correct"):
        desk.return_for_correction(REVIEWER, claim.id, ["  "])


def test_only_the_assigned_reviewer_decides(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(reviewers=["rev-1", "rev-2"])
    claim = submitted(desk)
    with pytest.raises(AuthorizationError, match="assigned to rev-1"):
        desk.approve(REVIEWER_2, claim.id)


def test_customers_cannot_approve(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    with pytest.raises(AuthorizationError, match="needs the role reviewer"):
        desk.approve(ANA, claim.id)


def test_forbidden_action_names_state_and_allowed_actions(desk: ReimbursementDesk) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    with pytest.raises(InvalidTransitionError) as caught:
        desk.reject(REVIEWER, claim.id, "late")
    error = caught.value
    assert (error.claim_id, error.state, error.action) == (claim.id, "payment_requested", "reject")
    assert error.allowed == ("approve_payment",)
    assert claim.id in str(error)
    assert "approve_payment" in str(error)
    assert desk.get(REVIEWER, claim.id) == claim


# -- withdrawal ------------------------------------------------------------------------------


def test_withdraw_before_decision_only(desk: ReimbursementDesk) -> None:
    claim = desk.withdraw(ANA, submitted(desk).id, "found another way")
    assert claim.state is S.WITHDRAWN
    with pytest.raises(InvalidTransitionError, match="final state"):
        desk.withdraw(ANA, claim.id)
    paid = desk.approve(REVIEWER, submitted(desk).id)
    with pytest.raises(InvalidTransitionError):
        desk.withdraw(ANA, paid.id)


def test_customers_act_only_on_their_own_claims(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    with pytest.raises(AuthorizationError, match="another customer"):
        desk.withdraw(BEN, claim.id)
    with pytest.raises(AuthorizationError, match="another customer"):
        desk.track(BEN, claim.id)
    with pytest.raises(AuthorizationError):
        desk.get(ANA, claim.id)


def test_unknown_claim(desk: ReimbursementDesk) -> None:
    with pytest.raises(ClaimNotFoundError):
        desk.track(ANA, "nope")


# -- payment ------------------------------------------------------------------------------------


def test_pay_through_the_gateway_once(desk: ReimbursementDesk) -> None:
    claim_id = paid(desk).id
    claim = desk.get(FINANCE, claim_id)
    assert claim.state is S.PAID
    assert claim.paid_total == Money("42.50", "EUR")
    payouts = gateway(desk).paid_to(claim_id)
    assert len(payouts) == 1
    assert payouts[0].idempotency_key == f"{claim_id}:payment:1"
    assert payouts[0].payee_account == "DE89 3704 0044 0532 0130 00"
    with pytest.raises(InvalidTransitionError):
        desk.pay(FINANCE, claim_id)
    assert len(gateway(desk).paid_to(claim_id)) == 1
    assert notifier(desk).sent[-1].event is EventType.PAID


def test_the_approver_cannot_approve_the_payment(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(reviewers=["rev-1"])
    claim = desk.approve(REVIEWER, submitted(desk).id)
    as_finance = Actor.finance("rev-1")
    with pytest.raises(FourEyesError, match="different approver"):
        desk.approve_payment(as_finance, claim.id)
    with pytest.raises(FourEyesError, match="their own claim"):
        desk.approve_payment(Actor.finance("cust-ana"), claim.id)
    assert desk.get(FINANCE, claim.id) == claim


def test_small_payments_skip_finance_approval(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settings=DeskSettings(finance_approval_threshold=Money("50", "EUR")))
    small = desk.approve(REVIEWER, submitted(desk, ANA, "42.50").id)
    assert small.state is S.PAYMENT_APPROVED
    assert small.events[-1].reason == "below the finance approval threshold"
    assert small.payment is not None
    assert small.payment.approved_by == "system"
    large = desk.approve(REVIEWER, submitted(desk, ANA, "50.00").id)
    assert large.state is S.PAYMENT_REQUESTED


def test_manual_payment_request(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(settings=DeskSettings(auto_request_payment=False))
    claim = desk.approve(REVIEWER, submitted(desk).id)
    assert claim.state is S.APPROVED
    system = Actor("scheduler", claim.events[0].role.SYSTEM)
    assert desk.request_payment(system, claim.id).state is S.PAYMENT_REQUESTED


def test_failed_payment_is_retried_with_a_new_key_and_paid_once(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk()
    gateway(desk).failing_accounts["DE89 3704 0044 0532 0130 00"] = "account closed"
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    failed = desk.pay(FINANCE, claim.id)
    assert failed.state is S.PAYMENT_FAILED
    assert failed.payment is not None
    assert failed.payment.failure_reason == "account closed"
    assert desk.track(ANA, claim.id).stage == "Payment failed"
    corrected = desk.change_payee_account(ANA, claim.id, "DE12 5001 0517 0648 4898 90")
    assert corrected.state is S.PAYMENT_REQUESTED
    assert corrected.claimant.payee_account == "DE12 5001 0517 0648 4898 90"
    retried = desk.approve_payment(FINANCE, claim.id)  # finance checks the customer's account
    assert retried.state is S.PAYMENT_APPROVED
    paid = desk.pay(FINANCE, claim.id)
    assert paid.state is S.PAID
    assert [p.status for p in paid.payments] == [PaymentStatus.FAILED, PaymentStatus.PAID]
    assert paid.paid_total == Money("42.50", "EUR")
    assert [p.idempotency_key[-1] for p in gateway(desk).paid_to(claim.id)] == ["2"]


def test_pending_payment_is_confirmed_later(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(settle_immediately=False)
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    sent = desk.pay(FINANCE, claim.id)
    assert sent.state is S.PAYMENT_APPROVED
    assert sent.payment is not None
    assert sent.payment.status is PaymentStatus.SENT
    with pytest.raises(ValidationError, match="already sent"):
        desk.pay(FINANCE, claim.id)
    reference = sent.payment.gateway_reference
    assert reference is not None
    with pytest.raises(PaymentError, match="not WRONG"):
        desk.confirm_payment(FINANCE, claim.id, "WRONG")
    gateway(desk).settle(reference)
    system = Actor("bank-callback", sent.events[0].role.SYSTEM)
    assert desk.confirm_payment(system, claim.id, reference).state is S.PAID


def test_pending_payment_can_fail_later(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(settle_immediately=False)
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    reference = desk.pay(FINANCE, claim.id).payments[-1].gateway_reference or ""
    gateway(desk).fail(reference, "IBAN unknown")
    failed = desk.fail_payment(FINANCE, claim.id, reference, "IBAN unknown")
    assert failed.state is S.PAYMENT_FAILED
    assert failed.events[-1].reason == "IBAN unknown"


def test_replayed_pay_after_lost_answer_does_not_pay_twice(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk()
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    assert desk.pay(FINANCE, claim.id, request_id="pay-1").state is S.PAID
    assert desk.pay(FINANCE, claim.id, request_id="pay-1").state is S.PAID
    assert len(gateway(desk).paid_to(claim.id)) == 1


# -- messages, notifications and the customer's view -----------------------------------------


def test_internal_notes_never_reach_the_customer(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    desk.post_message(REVIEWER, claim.id, "Check with the provider first.", internal=True)
    desk.post_message(REVIEWER, claim.id, "We are checking your receipt with the pharmacy.")
    desk.post_message(ANA, claim.id, "Thank you!")
    view = desk.track(ANA, claim.id)
    assert [m.body for m in view.messages] == [
        "We are checking your receipt with the pharmacy.",
        "Thank you!",
    ]
    assert all("Check with the provider" not in n.body for n in notifier(desk).sent)
    staff = desk.get(REVIEWER, claim.id)
    assert len(staff.messages) == 3
    kinds = [n.event for n in notifier(desk).to("cust-ana")]
    assert kinds.count(EventType.MESSAGE_POSTED) == 1
    with pytest.raises(AuthorizationError):
        desk.post_message(ANA, claim.id, "secret", internal=True)
    with pytest.raises(ValidationError, match="empty"):
        desk.post_message(ANA, claim.id, "   ")


def test_track_shows_stage_next_step_and_timeline(desk: ReimbursementDesk) -> None:
    claim_id = paid(desk).id
    view = desk.track(ANA, claim_id)
    assert view.stage == "Paid"
    assert view.paid == Money("42.50", "EUR")
    titles = [entry.title for entry in view.timeline]
    assert titles[0] == "Draft started"
    assert titles[-1] == "Paid"
    assert "Review started" in titles
    assert all("rev-1" not in entry.detail for entry in view.timeline)
    assert view.customer_actions == ()


def test_every_customer_visible_step_is_notified_once(desk: ReimbursementDesk) -> None:
    paid(desk)
    kinds = [n.event for n in notifier(desk).sent]
    assert kinds == [
        EventType.SUBMITTED,
        EventType.APPROVED,
        EventType.PAYMENT_SENT,
        EventType.PAID,
    ]
    assert len({n.key for n in notifier(desk).sent}) == len(kinds)


def test_failed_notifications_stay_in_the_outbox_and_are_retried_after_a_backoff(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    notifier(desk).failures_to_simulate = 1
    submitted(desk)
    assert notifier(desk).sent == []
    assert desk.dispatch_notifications() == 0  # the first retry waits 30 seconds
    clock.advance(timedelta(seconds=30))
    assert desk.dispatch_notifications() == 1
    assert desk.dispatch_notifications() == 0
    assert [n.event for n in notifier(desk).sent] == [EventType.SUBMITTED]


def test_every_call_is_stamped_by_the_injected_clock(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    claim = ready_draft(desk)
    clock.advance(timedelta(hours=2))
    claim = whole(desk, desk.submit(ANA, claim.id).id)
    assert claim.submitted_at == clock.now()
    assert claim.events[-1].at == clock.now()


def test_attach_can_link_the_receipt_to_its_line(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy("10.00"), pharmacy("20.00")])
    claim = desk.attach(ANA, claim.id, "second.pdf", PDF, line_id="L2")
    document = claim.attachments[-1].id
    assert claim.lines[1].attachment_ids == (document,)
    assert claim.lines[0].attachment_ids == ()
    assert whole(desk, claim.id).events[-1].data["line_id"] == "L2"
    store = desk.adapters.documents
    assert isinstance(store, InMemoryDocumentStore)
    stored = len(store)
    with pytest.raises(ValidationError, match="no line 'L9'"):
        desk.attach(ANA, claim.id, "x.pdf", PDF, line_id="L9")
    assert CustomerClaim.of(desk.get(REVIEWER, claim.id)) == claim
    assert len(store) == stored  # a refused document is not kept


def test_the_customer_s_view_names_no_staff_member(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    desk.post_message(REVIEWER, claim.id, "We are checking your receipt.")
    desk.post_message(ANA, claim.id, "Thank you!")
    desk.approve(REVIEWER, claim.id)
    view = desk.track(ANA, claim.id)
    assert [(m.author, m.role) for m in view.messages] == [
        ("Claims team", "reviewer"),
        ("You", "customer"),
    ]
    assert REVIEWER.id not in to_json(view)
    assert all(REVIEWER.id not in n.body for n in notifier(desk).sent)
