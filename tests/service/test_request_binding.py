"""A request id names one call: replayed, it answers again; with other arguments, it is refused.

What a payment API does with an idempotency key. The refusal changes
nothing: no event, no payout.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import (
    Actor,
    Claim,
    ReimbursementDesk,
    Role,
    in_memory_desk,
)
from reimbursement.adapters.memory import InMemoryPaymentGateway, ManualClock
from reimbursement.errors import RequestMismatchError
from support import FINANCE, PROFILES, REVIEWER, START, submitted

BANK = Actor("bank-callback", Role.SYSTEM)
FINANCE_2 = Actor.finance("fin-2")


@pytest.fixture
def pending_desk() -> ReimbursementDesk:
    """A desk whose gateway answers "pending": the bank confirms or fails later."""
    return in_memory_desk(
        customers=PROFILES,
        clock=ManualClock(START),
        settle_immediately=False,
        reviewers=[REVIEWER.id],
    )


def sent(desk: ReimbursementDesk) -> tuple[Claim, str]:
    """A claim whose payment is sent and pending at the gateway, and its reference."""
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    paid = desk.pay(FINANCE_2, claim.id)
    assert paid.payment is not None
    assert paid.payment.gateway_reference is not None
    return paid, paid.payment.gateway_reference


def _gateway(desk: ReimbursementDesk) -> InMemoryPaymentGateway:
    gateway = desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    return gateway


def _refused_and_unchanged(
    desk: ReimbursementDesk, claim: Claim, call: Callable[[], Claim]
) -> None:
    gateway = desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    payouts = len(gateway.payouts)
    with pytest.raises(RequestMismatchError, match="another call or other arguments"):
        call()
    assert desk.get(FINANCE, claim.id) == claim
    assert len(gateway.payouts) == payouts


def test_a_confirmation_replayed_answers_again_and_another_reference_is_refused(
    pending_desk: ReimbursementDesk,
) -> None:
    claim, reference = sent(pending_desk)
    _gateway(pending_desk).settle(reference)
    paid = pending_desk.confirm_payment(BANK, claim.id, reference, request_id="cb-1")
    assert pending_desk.confirm_payment(BANK, claim.id, reference, request_id="cb-1") == paid
    _refused_and_unchanged(
        pending_desk,
        paid,
        lambda: pending_desk.confirm_payment(BANK, claim.id, "PAY-OTHER", request_id="cb-1"),
    )


def test_a_failure_report_is_bound_to_its_reference_and_its_reason(
    pending_desk: ReimbursementDesk,
) -> None:
    claim, reference = sent(pending_desk)
    _gateway(pending_desk).fail(reference, "closed")
    failed = pending_desk.fail_payment(BANK, claim.id, reference, "closed", request_id="cb-2")
    again = pending_desk.fail_payment(BANK, claim.id, reference, "closed", request_id="cb-2")
    assert again == failed
    for other in (
        lambda: pending_desk.fail_payment(BANK, claim.id, reference, "frozen", request_id="cb-2"),
        lambda: pending_desk.fail_payment(BANK, claim.id, "PAY-X", "closed", request_id="cb-2"),
        lambda: pending_desk.confirm_payment(BANK, claim.id, reference, request_id="cb-2"),
    ):
        _refused_and_unchanged(pending_desk, failed, other)


def test_a_payment_approval_request_id_is_not_another_call_s(
    pending_desk: ReimbursementDesk,
) -> None:
    claim = pending_desk.approve(REVIEWER, submitted(pending_desk).id)
    approved = pending_desk.approve_payment(FINANCE, claim.id, request_id="ap-1")
    assert pending_desk.approve_payment(FINANCE, claim.id, request_id="ap-1") == approved
    _refused_and_unchanged(
        pending_desk, approved, lambda: pending_desk.pay(FINANCE, claim.id, request_id="ap-1")
    )
    other = pending_desk.approve(REVIEWER, submitted(pending_desk).id)
    with pytest.raises(RequestMismatchError):  # the same id for another claim
        pending_desk.approve_payment(FINANCE, other.id, request_id="ap-1")


def test_the_same_request_id_of_two_people_names_two_calls(
    pending_desk: ReimbursementDesk,
) -> None:
    claim = pending_desk.approve(REVIEWER, submitted(pending_desk).id)
    first = pending_desk.post_message(FINANCE, claim.id, "checked", request_id="n-1")
    second = pending_desk.post_message(FINANCE_2, claim.id, "checked", request_id="n-1")
    assert (first.id, second.id) == ("M1", "M2")
    both = pending_desk.get(FINANCE, claim.id).messages
    assert [m.author for m in both] == ["fin-1", "fin-2"]


def test_a_replayed_message_is_the_one_it_posted_not_the_latest(
    pending_desk: ReimbursementDesk,
) -> None:
    claim = pending_desk.approve(REVIEWER, submitted(pending_desk).id)
    first = pending_desk.post_message(FINANCE, claim.id, "checked", request_id="n-1")
    later = pending_desk.post_message(FINANCE, claim.id, "checked twice", internal=True)
    assert pending_desk.post_message(FINANCE, claim.id, "checked", request_id="n-1") == first
    assert pending_desk.get(FINANCE, claim.id).messages == (first, later)


def test_an_account_change_request_id_is_bound_to_the_account_it_names() -> None:
    desk = in_memory_desk(customers=PROFILES, clock=ManualClock(START), reviewers=[REVIEWER.id])
    gateway = desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    gateway.failing_accounts["DE89 3704 0044 0532 0130 00"] = "account closed"
    failed = desk.pay(FINANCE_2, claim.id)
    change = desk.change_payee_account
    changed = change(FINANCE_2, failed.id, "DE12 5001 0517 0648 4898 90", request_id="rt-1")
    assert (
        change(FINANCE_2, failed.id, "DE12 5001 0517 0648 4898 90", request_id="rt-1") == changed
    )
    _refused_and_unchanged(
        desk,
        changed,
        lambda: change(FINANCE_2, failed.id, "DE82 5001 0517 0648 4898 91", request_id="rt-1"),
    )


def test_a_cancellation_and_a_retry_are_bound_to_their_call_and_reason(
    pending_desk: ReimbursementDesk,
) -> None:
    claim, _ = sent(pending_desk)
    stopped = pending_desk.cancel_payment(FINANCE, claim.id, "no news", request_id="c-1")
    assert pending_desk.cancel_payment(FINANCE, claim.id, "no news", request_id="c-1") == stopped
    for other in (
        lambda: pending_desk.cancel_payment(FINANCE, claim.id, "wrong account", request_id="c-1"),
        lambda: pending_desk.retry_payment(FINANCE, claim.id, request_id="c-1"),
    ):
        _refused_and_unchanged(pending_desk, stopped, other)
    retried = pending_desk.retry_payment(FINANCE, claim.id, request_id="r-1")
    assert pending_desk.retry_payment(FINANCE, claim.id, request_id="r-1") == retried
    assert len(retried.payments) == 2  # the replay made no third attempt
    _refused_and_unchanged(
        pending_desk,
        retried,
        lambda: pending_desk.cancel_payment(FINANCE, claim.id, "no news", request_id="r-1"),
    )
