"""Payments checked where the money moves: the gateway's payouts, not only the claim.

Each test reads what the in-memory gateway was told (amount, account,
idempotency key, how many payouts) next to the payment records on the
claim, so that a claim that *shows* the right account while the money went
elsewhere fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from reimbursement import (
    Actor,
    Claim,
    ClaimState,
    DeskSettings,
    LineDecision,
    Money,
    ReimbursementDesk,
    Role,
)
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import EventType, PaymentStatus
from reimbursement.errors import (
    FourEyesError,
    InvalidTransitionError,
    PaymentError,
    ValidationError,
)
from reimbursement.service import CustomerClaim
from support import ANA, FINANCE, REVIEWER, START, gateway, payment_reference, submitted

S = ClaimState
ACCOUNT = "DE89 3704 0044 0532 0130 00"  # Ana's account in the directory
NEW_ACCOUNT = "DE36 5001 0517 0000 0005 17"
BANK = Actor("bank-callback", Role.SYSTEM)
FINANCE_2 = Actor.finance("fin-2", "Femi")
CAP = [LineDecision("L1", Money("40.00", "EUR"), "above the tariff")]


def ready_to_pay(desk: ReimbursementDesk) -> Claim:
    """A claim of 42.50 approved at 40.00, its payment approved by finance."""
    claim = desk.approve(REVIEWER, submitted(desk).id, CAP)
    return desk.approve_payment(FINANCE, claim.id)


def failed_once(desk: ReimbursementDesk, reason: str = "account closed") -> Claim:
    gateway(desk).failing_accounts[ACCOUNT] = reason
    failed = desk.pay(FINANCE, ready_to_pay(desk).id)
    del gateway(desk).failing_accounts[ACCOUNT]
    return failed


def bank_fails(desk: ReimbursementDesk, claim_id: str, reason: str = "IBAN unknown") -> Claim:
    """The gateway fails the claim's pending payment, and its callback tells the desk."""
    reference = payment_reference(desk, claim_id)
    gateway(desk).fail(reference, reason)
    return desk.fail_payment(BANK, claim_id, reference, reason)


def settled(desk: ReimbursementDesk, claim_id: str) -> Claim:
    """The gateway settles the claim's pending payment, and its callback tells the desk."""
    reference = payment_reference(desk, claim_id)
    gateway(desk).settle(reference)
    return desk.confirm_payment(BANK, claim_id, reference)


def payment_of(claim: Claim) -> tuple[PaymentStatus, str | None, str | None]:
    assert claim.payment is not None
    return claim.payment.status, claim.payment.approved_by, claim.payment.gateway_reference


# -- request and approval -------------------------------------------------------------


def test_a_payment_request_is_for_the_approved_amount_to_the_claimants_account(
    desk: ReimbursementDesk,
) -> None:
    claim = submitted(desk)
    decided = desk.approve(REVIEWER, claim.id, CAP)
    assert decided.state is S.PAYMENT_REQUESTED
    (record,) = decided.payments
    assert record.attempt == 1
    assert record.idempotency_key == f"{claim.id}:payment:1"
    assert record.amount == Money("40.00", "EUR")
    assert record.payee_account == ACCOUNT
    assert record.status is PaymentStatus.REQUESTED
    assert record.requested_at == START
    assert record.approved_by is None
    event = decided.events[-1]
    assert event.type is EventType.PAYMENT_REQUESTED
    assert event.data == {"amount": "40.00 EUR"}


def test_finance_approval_marks_the_payment_approved_by_that_officer(
    desk: ReimbursementDesk,
) -> None:
    approved = ready_to_pay(desk)
    assert approved.state is S.PAYMENT_APPROVED
    (record,) = approved.payments
    assert record.status is PaymentStatus.APPROVED
    assert record.approved_by == FINANCE.id
    assert record.amount == Money("40.00", "EUR")
    assert record.idempotency_key.endswith(":payment:1")
    event = approved.events[-1]
    assert event.type is EventType.PAYMENT_APPROVED
    assert event.actor == FINANCE.id
    assert event.reason is None
    assert event.data == {"amount": "40.00 EUR"}
    assert gateway(desk).payouts == []  # approving moves no money
    assert gateway(desk).receipt(record.idempotency_key) is None


# -- paying ---------------------------------------------------------------------------------


def test_paying_moves_the_approved_amount_once_to_the_claimants_account(
    desk: ReimbursementDesk,
) -> None:
    claim = ready_to_pay(desk)
    paid = desk.pay(FINANCE_2, claim.id)
    assert paid.state is S.PAID
    (payout,) = gateway(desk).payouts
    assert payout.amount == Money("40.00", "EUR")
    assert payout.payee_account == ACCOUNT
    assert payout.claim_id == claim.id
    assert payout.idempotency_key == f"{claim.id}:payment:1"
    assert payout.remittance == f"Claim {claim.number}"
    receipt = gateway(desk).receipt(payout.idempotency_key)
    assert receipt is not None
    (record,) = paid.payments
    assert record.status is PaymentStatus.PAID
    assert record.gateway_reference == receipt.reference
    assert record.approved_by == FINANCE.id  # sending does not change who approved
    assert paid.paid_total == Money("40.00", "EUR")
    sent, confirmed = paid.events[-2:]
    assert sent.type is EventType.PAYMENT_SENT
    assert sent.data == {"amount": "40.00 EUR", "reference": receipt.reference}
    assert sent.actor == FINANCE_2.id
    assert sent.to_state is S.PAYMENT_APPROVED
    assert confirmed.type is EventType.PAID
    assert confirmed.data == {"amount": "40.00 EUR", "reference": receipt.reference}
    assert confirmed.role is Role.SYSTEM  # the gateway's answer, not the officer


def test_a_paid_claim_is_never_paid_again(desk: ReimbursementDesk) -> None:
    claim = ready_to_pay(desk)
    desk.pay(FINANCE, claim.id)
    for call in (
        lambda: desk.pay(FINANCE, claim.id),
        lambda: desk.retry_payment(FINANCE, claim.id),
        lambda: desk.confirm_payment(FINANCE, claim.id, "PAY-00000001"),
    ):
        with pytest.raises(ValidationError):
            call()
    assert len(gateway(desk).payouts) == 1


def test_a_pending_payment_moves_money_only_when_settled(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settle_immediately=False)
    claim = ready_to_pay(desk)
    sent = desk.pay(FINANCE, claim.id)
    status, approver, reference = payment_of(sent)
    assert (status, approver) == (PaymentStatus.SENT, FINANCE.id)
    assert reference is not None
    assert sent.state is S.PAYMENT_APPROVED
    assert sent.paid_total == Money("0.00", "EUR")
    assert gateway(desk).payouts == []
    assert gateway(desk).pending() == [f"{claim.id}:payment:1"]
    with pytest.raises(ValidationError) as caught:
        desk.pay(FINANCE, claim.id)
    assert [p.path for p in caught.value.problems] == ["payment"]
    assert gateway(desk).pending() == [f"{claim.id}:payment:1"]
    gateway(desk).settle(reference)
    paid = desk.confirm_payment(BANK, claim.id, reference)
    assert paid.state is S.PAID
    assert payment_of(paid) == (PaymentStatus.PAID, FINANCE.id, reference)
    assert paid.paid_total == Money("40.00", "EUR")
    assert paid.events[-1].data == {"amount": "40.00 EUR", "reference": reference}
    assert paid.events[-1].actor == BANK.id
    (payout,) = gateway(desk).payouts
    assert (payout.amount, payout.payee_account) == (Money("40.00", "EUR"), ACCOUNT)


def test_a_payment_never_sent_cannot_be_confirmed_with_any_reference(
    desk: ReimbursementDesk,
) -> None:
    claim = ready_to_pay(desk)
    for reference in ("ANY-REF", ""):
        with pytest.raises(ValidationError) as caught:
            desk.confirm_payment(FINANCE, claim.id, reference)
        assert [p.path for p in caught.value.problems] == ["payment"]
        with pytest.raises(ValidationError):
            desk.confirm_payment(BANK, claim.id, reference)
    stored = desk.get(FINANCE, claim.id)
    assert stored == claim
    assert stored.paid_total == Money("0.00", "EUR")
    assert gateway(desk).payouts == []


def test_a_confirmation_for_another_reference_is_refused(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settle_immediately=False)
    sent = desk.pay(FINANCE, ready_to_pay(desk).id)
    for call in (
        lambda: desk.confirm_payment(BANK, sent.id, "PAY-99999999"),
        lambda: desk.fail_payment(BANK, sent.id, "PAY-99999999", "unknown"),
    ):
        with pytest.raises(PaymentError, match="not PAY-99999999"):
            call()
    assert desk.get(FINANCE, sent.id) == sent


# -- failure and retry ----------------------------------------------------------------------------


def test_a_refused_payment_fails_with_the_gateways_reason(desk: ReimbursementDesk) -> None:
    failed = failed_once(desk, "account closed")
    assert failed.state is S.PAYMENT_FAILED
    assert failed.payment is not None
    assert failed.payment.status is PaymentStatus.FAILED
    assert failed.payment.failure_reason == "account closed"
    assert failed.events[-1].type is EventType.PAYMENT_FAILED
    assert failed.events[-1].reason == "account closed"
    assert failed.events[-1].role is Role.SYSTEM
    assert gateway(desk).payouts == []


@pytest.mark.parametrize("over", [0, 1], ids=["at the limit", "one over"])
def test_a_gateways_reason_is_cut_only_past_the_reason_limit(
    desk: ReimbursementDesk, over: int
) -> None:
    limit = desk.settings.limits.max_reason_length
    words = "r" * (limit + over)
    reason = failed_once(desk, words).payment.failure_reason  # type: ignore[union-attr]
    assert reason == (words if not over else "r" * (limit - 1) + "…")
    assert reason is not None
    assert len(reason) == limit


def test_a_reason_cut_at_a_space_ends_on_a_word(desk: ReimbursementDesk) -> None:
    limit = desk.settings.limits.max_reason_length
    words = "r" * (limit - 2) + " closed"  # the cut falls just after the space
    reason = failed_once(desk, words).payment.failure_reason  # type: ignore[union-attr]
    assert reason == "r" * (limit - 2) + "…"


def test_a_refusal_without_a_reason_gets_one(desk: ReimbursementDesk) -> None:
    failed = failed_once(desk, "")
    assert failed.payment is not None
    assert failed.payment.failure_reason == "refused by the payment gateway"


def test_a_pending_payment_failed_later_needs_a_reason(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settle_immediately=False)
    sent = desk.pay(FINANCE, ready_to_pay(desk).id)
    _, _, reference = payment_of(sent)
    assert reference is not None
    gateway(desk).fail(reference, "IBAN unknown")
    with pytest.raises(ValidationError) as caught:
        desk.fail_payment(BANK, sent.id, reference, "  ")
    assert [p.path for p in caught.value.problems] == ["reason"]
    failed = desk.fail_payment(BANK, sent.id, reference, "IBAN unknown")
    assert failed.payment is not None
    assert failed.payment.failure_reason == "IBAN unknown"
    assert failed.payment.gateway_reference == reference
    assert failed.events[-1].actor == BANK.id


def test_a_new_account_from_finance_is_approved_and_paid_by_someone_else(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    failed = failed_once(desk)
    clock.advance(timedelta(hours=2))
    changed = desk.change_payee_account(FINANCE_2, failed.id, f"  {NEW_ACCOUNT} ")
    assert changed.state is S.PAYMENT_REQUESTED
    assert changed.claimant.payee_account == NEW_ACCOUNT
    first, second = changed.payments
    assert first.status is PaymentStatus.FAILED
    assert first.payee_account == ACCOUNT
    assert second.attempt == 2
    assert second.idempotency_key == f"{failed.id}:payment:2"
    assert second.amount == Money("40.00", "EUR")
    assert second.payee_account == NEW_ACCOUNT
    assert second.status is PaymentStatus.REQUESTED
    assert second.approved_by is None
    assert second.payee_changed_by == FINANCE_2.id
    assert second.requested_at == START + timedelta(hours=2)
    assert second.gateway_reference is None
    assert second.failure_reason is None
    event = changed.events[-1]
    assert event.type is EventType.PAYEE_CHANGED
    assert event.data == {"attempt": "2", "account_ending": "0517"}
    for call in (desk.approve_payment, desk.pay, desk.retry_payment):
        with pytest.raises(FourEyesError):
            call(FINANCE_2, failed.id)
    approved = desk.approve_payment(FINANCE, failed.id)
    assert approved.payment is not None
    assert approved.payment.approved_by == FINANCE.id
    with pytest.raises(FourEyesError, match="gave the payee account"):
        desk.pay(FINANCE_2, failed.id)
    assert gateway(desk).payouts == []
    paid = desk.pay(FINANCE, failed.id)
    assert paid.state is S.PAID
    (payout,) = gateway(desk).payouts
    assert payout.payee_account == NEW_ACCOUNT
    assert payout.amount == Money("40.00", "EUR")
    assert payout.idempotency_key == f"{failed.id}:payment:2"
    assert [p.status for p in paid.payments] == [PaymentStatus.FAILED, PaymentStatus.PAID]
    assert paid.paid_total == Money("40.00", "EUR")


def test_a_retry_without_an_account_pays_the_same_account_again(desk: ReimbursementDesk) -> None:
    failed = failed_once(desk)
    retried = desk.retry_payment(FINANCE, failed.id)
    assert retried.claimant.payee_account == ACCOUNT
    assert retried.payments[-1].payee_account == ACCOUNT
    desk.pay(FINANCE, failed.id)
    (payout,) = gateway(desk).payouts
    assert payout.payee_account == ACCOUNT


@pytest.mark.parametrize("blank", ["", "   ", "DE12\n5001"])
def test_a_blank_or_broken_new_account_is_refused(desk: ReimbursementDesk, blank: str) -> None:
    failed = failed_once(desk)
    with pytest.raises(ValidationError) as caught:
        desk.change_payee_account(FINANCE, failed.id, blank)
    assert [p.path for p in caught.value.problems] == ["account"]
    assert desk.get(FINANCE, failed.id) == failed


def test_two_failures_then_a_payout_keep_every_attempt(desk: ReimbursementDesk) -> None:
    failed = failed_once(desk)
    gateway(desk).failing_accounts["DE09 0000 0000 0000 0000 01"] = "blocked"
    desk.change_payee_account(ANA, failed.id, "DE09 0000 0000 0000 0000 01")
    desk.approve_payment(FINANCE, failed.id)
    again = desk.pay(FINANCE, failed.id)
    assert again.state is S.PAYMENT_FAILED
    desk.change_payee_account(ANA, failed.id, NEW_ACCOUNT)
    desk.approve_payment(FINANCE, failed.id)
    paid = desk.pay(FINANCE, failed.id)
    assert [(p.attempt, p.payee_account, p.status) for p in paid.payments] == [
        (1, ACCOUNT, PaymentStatus.FAILED),
        (2, "DE09 0000 0000 0000 0000 01", PaymentStatus.FAILED),
        (3, NEW_ACCOUNT, PaymentStatus.PAID),
    ]
    assert [p.failure_reason for p in paid.payments] == ["account closed", "blocked", None]
    (payout,) = gateway(desk).payouts
    assert (payout.idempotency_key, payout.payee_account) == (
        f"{failed.id}:payment:3",
        NEW_ACCOUNT,
    )
    assert paid.paid_total == Money("40.00", "EUR")


def test_only_a_failed_payment_is_retried(desk: ReimbursementDesk) -> None:
    claim = ready_to_pay(desk)
    with pytest.raises(ValidationError):
        desk.retry_payment(FINANCE, claim.id)
    with pytest.raises(ValidationError):
        desk.change_payee_account(ANA, claim.id, NEW_ACCOUNT)
    assert desk.get(FINANCE, claim.id) == claim


# -- when, which claim, and replays ---------------------------------------------------------


def test_each_payment_step_is_stamped_with_the_time_it_happened(
    make_desk: Callable[..., ReimbursementDesk], clock: ManualClock
) -> None:
    desk = make_desk(settings=DeskSettings(auto_request_payment=False), settle_immediately=False)
    claim = desk.approve(REVIEWER, submitted(desk).id)
    steps: list[Callable[[str], Claim]] = [
        lambda c: desk.request_payment(BANK, c),
        lambda c: desk.approve_payment(FINANCE, c),
        lambda c: desk.pay(FINANCE, c),
        lambda c: bank_fails(desk, c),
        lambda c: desk.retry_payment(FINANCE, c),
        lambda c: desk.pay(FINANCE, c),
        lambda c: settled(desk, c),
    ]
    for hours, step in enumerate(steps, start=1):
        clock.advance(timedelta(hours=1))
        before = desk.get(FINANCE, claim.id).version
        done = step(claim.id)
        assert [e.at for e in done.events[before:]] == [START + timedelta(hours=hours)]
    assert done.state is S.PAID


def test_a_settling_gateway_stamps_sending_and_paying_with_the_same_time(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    claim = ready_to_pay(desk)
    clock.advance(timedelta(minutes=5))
    paid = desk.pay(FINANCE, claim.id)
    assert [e.at for e in paid.events[-2:]] == [START + timedelta(minutes=5)] * 2
    failed = failed_once(desk)
    assert failed.events[-1].at == START + timedelta(minutes=5)
    assert failed.events[-1].type is EventType.PAYMENT_FAILED


def test_a_refused_payment_step_names_the_claim(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settings=DeskSettings(auto_request_payment=False))
    claim = desk.approve(REVIEWER, submitted(desk).id)
    with pytest.raises(InvalidTransitionError) as caught:
        desk.approve_payment(FINANCE, claim.id)
    assert (caught.value.claim_id, caught.value.state) == (claim.id, "approved")
    desk.request_payment(BANK, claim.id)
    with pytest.raises(InvalidTransitionError) as caught:
        desk.request_payment(BANK, claim.id)
    assert (caught.value.claim_id, caught.value.state) == (claim.id, "payment_requested")


def test_replayed_payment_calls_with_a_request_id_do_nothing_twice(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settings=DeskSettings(auto_request_payment=False), settle_immediately=False)
    claim_id = desk.approve(REVIEWER, submitted(desk).id).id
    replays: list[Callable[[], Claim | CustomerClaim]] = [
        lambda: desk.request_payment(BANK, claim_id, request_id="r-1"),
        lambda: desk.approve_payment(FINANCE, claim_id, request_id="r-2"),
        lambda: desk.pay(FINANCE, claim_id, request_id="r-3"),
        lambda: desk.fail_payment(
            BANK, claim_id, payment_reference(desk, claim_id), "IBAN unknown", request_id="r-4"
        ),
        lambda: desk.change_payee_account(ANA, claim_id, NEW_ACCOUNT, request_id="r-5"),
        lambda: desk.approve_payment(FINANCE, claim_id, request_id="r-6"),
        lambda: desk.pay(FINANCE, claim_id, request_id="r-7"),
        lambda: desk.confirm_payment(
            BANK, claim_id, payment_reference(desk, claim_id), request_id="r-8"
        ),
    ]
    for number, call in enumerate(replays, start=1):
        if number in (4, 8):  # the gateway's word comes first
            reference = payment_reference(desk, claim_id)
            if number == 4:
                gateway(desk).fail(reference, "IBAN unknown")
            else:
                gateway(desk).settle(reference)
        first = call()
        assert call() == first
        stored = desk.get(FINANCE, claim_id)
        # the customer (r-5) is answered their part of the claim, staff the whole claim
        assert (CustomerClaim.of(stored) if isinstance(first, CustomerClaim) else stored) == first
    paid = desk.get(FINANCE, claim_id)
    assert paid.state is S.PAID
    assert [p.status for p in paid.payments] == [PaymentStatus.FAILED, PaymentStatus.PAID]
    assert [p.payee_account for p in gateway(desk).payouts] == [NEW_ACCOUNT]
