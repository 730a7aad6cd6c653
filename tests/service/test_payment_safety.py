"""A payment ends only on the gateway's word, and a claim never has two live instructions.

The issue's double payment first: a pending payment marked failed for "no
news", retried and paid, and the bank then settling both. Each test reads
what the in-memory gateway paid out next to what the claim records, so a
claim that *shows* one payment while two went out fails.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from reimbursement import Actor, Claim, ClaimState, Money, ReimbursementDesk, Role, assemble
from reimbursement.adapters import memory
from reimbursement.adapters.memory import InMemoryPaymentGateway, ManualClock
from reimbursement.claims import EventType, PaymentStatus
from reimbursement.errors import DuplicateError, PaymentError, ValidationError
from reimbursement.ports import PaymentInstruction, PaymentReceipt, ReceiptStatus
from support import (
    FINANCE,
    PROFILES,
    REVIEWER,
    gateway,
    notifier,
    payment_reference,
    submitted,
)

S = ClaimState
BANK = Actor("bank-callback", Role.SYSTEM)
FINANCE_2 = Actor.finance("fin-2", "Femi")
APPROVED = Money("42.50", "EUR")


@pytest.fixture
def desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    """A desk whose gateway answers "pending" and settles when the test says so."""
    return make_desk(settle_immediately=False)


def sent(desk: ReimbursementDesk) -> tuple[Claim, str]:
    """A claim of 42.50 approved, its payment sent and pending at the gateway."""
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    paid = desk.pay(FINANCE, claim.id)
    return paid, payment_reference(desk, claim.id)


def refused_unchanged(
    desk: ReimbursementDesk, claim_id: str, call: Callable[[], object], error: type[Exception]
) -> Exception:
    before = desk.get(FINANCE, claim_id)
    payouts = gateway(desk).payouts
    with pytest.raises(error) as caught:
        call()
    assert desk.get(FINANCE, claim_id) == before
    assert gateway(desk).payouts == payouts
    return caught.value


def assert_ended(claim: Claim, status: PaymentStatus, reason: str) -> None:
    """The claim is payment_failed, its attempt ended with ``status`` for ``reason``."""
    assert claim.state is S.PAYMENT_FAILED
    assert claim.payment is not None
    assert (claim.payment.status, claim.payment.failure_reason) == (status, reason)


# -- the scenario -------------------------------------------------------------------


def test_no_news_cannot_fail_a_pending_payment_into_a_second_payout(
    desk: ReimbursementDesk,
) -> None:
    claim, first = sent(desk)
    error = refused_unchanged(
        desk,
        claim.id,
        lambda: desk.fail_payment(FINANCE, claim.id, first, "no news"),
        PaymentError,
    )
    assert "pending" in str(error)
    assert "cancel_payment" in str(error)
    with pytest.raises(ValidationError):  # not failed: nothing to retry
        desk.retry_payment(FINANCE, claim.id)
    stopped = desk.cancel_payment(FINANCE, claim.id, "no news from the bank")
    assert stopped.state is S.PAYMENT_FAILED
    assert stopped.payments[0].status is PaymentStatus.CANCELLED
    assert stopped.events[-1].type is EventType.PAYMENT_CANCELLED
    assert gateway(desk).status(f"{claim.id}:payment:1") == PaymentReceipt(
        f"{claim.id}:payment:1", first, ReceiptStatus.CANCELLED
    )
    desk.retry_payment(FINANCE, claim.id)
    second = payment_reference(desk, desk.pay(FINANCE, claim.id).id)
    with pytest.raises(PaymentError):  # the bank cannot settle what was cancelled
        gateway(desk).settle(first)
    gateway(desk).settle(second)
    paid = desk.confirm_payment(BANK, claim.id, second)
    assert paid.state is S.PAID
    assert [p.amount for p in gateway(desk).paid_to(claim.id)] == [APPROVED]
    assert paid.paid_total == APPROVED
    assert paid.payment_discrepancies == ()


def test_a_bank_that_settles_a_cancelled_payment_anyway_is_reported_never_paid(
    desk: ReimbursementDesk,
) -> None:
    claim, first = sent(desk)
    desk.cancel_payment(FINANCE, claim.id, "no news from the bank")
    desk.retry_payment(FINANCE, claim.id)
    second = payment_reference(desk, desk.pay(FINANCE, claim.id).id)
    gateway(desk).settle_late(first)  # the recall came too late
    gateway(desk).settle(second)
    paid = desk.confirm_payment(BANK, claim.id, second)
    reported = desk.confirm_payment(BANK, claim.id, first)
    assert reported.state is S.PAID
    assert reported.paid_total == APPROVED  # the claim counts the approved amount once
    assert len(gateway(desk).paid_to(claim.id)) == 2  # what the bank did, for finance to see
    (late,) = reported.payment_discrepancies
    assert (late.attempt, late.reference, late.amount) == (1, first, APPROVED)
    assert late.idempotency_key == f"{claim.id}:payment:1"
    assert late.reported_by == BANK.id
    event = reported.events[-1]
    assert event.type is EventType.PAYMENT_DISCREPANCY
    assert not event.customer_visible
    assert reported.version == paid.version + 1
    assert reported.payments == paid.payments
    view = desk.track(Actor.customer(claim.customer_id), claim.id)
    assert EventType.PAYMENT_DISCREPANCY not in [e.event for e in view.timeline]
    assert view.paid == APPROVED
    refused_unchanged(
        desk, claim.id, lambda: desk.confirm_payment(BANK, claim.id, first), DuplicateError
    )


def test_a_late_settlement_reported_before_the_retry_blocks_a_second_attempt(
    desk: ReimbursementDesk,
) -> None:
    claim, first = sent(desk)
    desk.cancel_payment(FINANCE, claim.id, "no news from the bank")
    gateway(desk).settle_late(first)
    error = refused_unchanged(
        desk, claim.id, lambda: desk.retry_payment(FINANCE, claim.id), PaymentError
    )
    assert "settled" in str(error)
    assert first in str(error)
    refused_unchanged(
        desk,
        claim.id,
        lambda: desk.change_payee_account(Actor.customer(claim.customer_id), claim.id, "DE1"),
        PaymentError,
    )
    reported = desk.confirm_payment(BANK, claim.id, first)
    assert reported.state is S.PAYMENT_FAILED
    assert [d.reference for d in reported.payment_discrepancies] == [first]
    assert reported.paid_total == Money("0.00", "EUR")


def test_a_settlement_the_gateway_does_not_confirm_is_refused(desk: ReimbursementDesk) -> None:
    claim, first = sent(desk)
    refused_unchanged(
        desk, claim.id, lambda: desk.confirm_payment(BANK, claim.id, first), PaymentError
    )
    desk.cancel_payment(FINANCE, claim.id, "no news from the bank")
    error = refused_unchanged(
        desk, claim.id, lambda: desk.confirm_payment(BANK, claim.id, first), PaymentError
    )
    assert "no settlement to report" in str(error)


# -- failing, confirming, cancelling on the gateway's word --------------------------------------


def test_a_failure_is_recorded_only_once_the_gateway_says_failed(
    desk: ReimbursementDesk,
) -> None:
    claim, reference = sent(desk)
    gateway(desk).fail(reference, "IBAN unknown")
    refused_unchanged(
        desk, claim.id, lambda: desk.confirm_payment(BANK, claim.id, reference), PaymentError
    )
    failed = desk.fail_payment(BANK, claim.id, reference, "IBAN unknown")
    assert_ended(failed, PaymentStatus.FAILED, "IBAN unknown")
    retried = desk.retry_payment(FINANCE, claim.id)  # failed at the gateway: nothing to stop
    assert gateway(desk).status(f"{claim.id}:payment:1").status is ReceiptStatus.FAILED  # type: ignore[union-attr]
    assert retried.state is S.PAYMENT_APPROVED


def test_a_settled_payment_is_never_failed_nor_cancelled(desk: ReimbursementDesk) -> None:
    claim, reference = sent(desk)
    gateway(desk).settle(reference)
    for call in (
        lambda: desk.fail_payment(BANK, claim.id, reference, "no news"),
        lambda: desk.cancel_payment(FINANCE, claim.id, "no news"),
    ):
        error = refused_unchanged(desk, claim.id, call, PaymentError)
        assert "confirm_payment" in str(error)
    assert desk.confirm_payment(BANK, claim.id, reference).state is S.PAID


def test_cancelling_a_payment_the_gateway_failed_meanwhile_records_the_failure(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settle_immediately=False)
    claim, reference = sent(desk)
    gateway(desk).fail(reference, "account\x00 closed\n" + "x" * 5000)
    failed = desk.cancel_payment(FINANCE, claim.id, "no news")
    assert failed.state is S.PAYMENT_FAILED
    assert failed.payment is not None
    assert failed.payment.status is PaymentStatus.FAILED
    reason = failed.payment.failure_reason or ""
    limit = desk.settings.limits.max_reason_length
    assert reason.startswith("account closed xxx")
    assert reason.endswith("…")
    assert len(reason) == limit
    assert all(c.isprintable() for c in reason)


def test_an_unsent_payment_is_cancelled_so_that_its_key_never_pays(
    desk: ReimbursementDesk,
) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    stopped = desk.cancel_payment(FINANCE, claim.id, "wrong account")
    assert stopped.state is S.PAYMENT_FAILED
    key = f"{claim.id}:payment:1"
    late = PaymentInstruction(key, claim.id, "DE89 3704 0044 0532 0130 00", APPROVED, "Claim")
    assert gateway(desk).pay(late).status is ReceiptStatus.CANCELLED  # an instruction in flight
    assert gateway(desk).payouts == []
    assert gateway(desk).pending() == []
    desk.retry_payment(FINANCE, claim.id)
    assert desk.pay(FINANCE, claim.id).payments[-1].idempotency_key == f"{claim.id}:payment:2"
    assert gateway(desk).pending() == [f"{claim.id}:payment:2"]


def test_a_key_cancelled_at_the_gateway_makes_the_payment_failed_when_sent(
    desk: ReimbursementDesk,
) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    gateway(desk).cancel(f"{claim.id}:payment:1")  # stopped at the bank's side
    done = desk.pay(FINANCE, claim.id)
    assert done.state is S.PAYMENT_FAILED
    assert done.payment is not None
    assert done.payment.status is PaymentStatus.CANCELLED
    assert done.payment.failure_reason == "cancelled at the payment gateway"
    assert gateway(desk).payouts == []


@pytest.mark.parametrize(
    "receipt",
    [
        lambda key: PaymentReceipt("someone-else:payment:1", "PAY-1", ReceiptStatus.SETTLED),
        lambda key: PaymentReceipt(key, "", ReceiptStatus.SETTLED),
        lambda key: PaymentReceipt(key, "PAY\n1", ReceiptStatus.SETTLED),
        lambda key: PaymentReceipt(key, "P" * 10_000, ReceiptStatus.SETTLED),
        lambda key: "settled",
    ],
    ids=["another-key", "no-reference", "two-lines", "huge-reference", "not-a-receipt"],
)
def test_a_gateway_answer_the_desk_cannot_keep_is_refused(
    clock: ManualClock, receipt: Callable[[str], object]
) -> None:
    class Odd(InMemoryPaymentGateway):
        def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
            return receipt(instruction.idempotency_key)  # type: ignore[return-value]

    adapters = attrs.evolve(memory.create(clock=clock, customers=PROFILES), payments=Odd())
    desk = assemble(adapters, reviewers=["rev-1"])
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    refused_unchanged(desk, claim.id, lambda: desk.pay(FINANCE, claim.id), PaymentError)


def test_a_receipt_of_the_wrong_types_is_refused_when_made() -> None:
    with pytest.raises(ValidationError):
        PaymentReceipt("k", 5, ReceiptStatus.SETTLED)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="'paid' is not a receipt status"):
        PaymentReceipt("k", "PAY-1", "paid")  # type: ignore[arg-type]
    assert PaymentReceipt("k", "PAY-1", "settled").status is ReceiptStatus.SETTLED  # type: ignore[arg-type]


def test_a_failed_or_stopped_payment_tells_the_customer_nothing_of_staff(
    desk: ReimbursementDesk,
) -> None:
    claim, _ = sent(desk)
    desk.cancel_payment(FINANCE, claim.id, "fin-1 saw no news in the SWIFT log")
    view = desk.track(Actor.customer(claim.customer_id), claim.id)
    entry = view.timeline[-1]
    assert (entry.event, entry.title, entry.detail) == (
        EventType.PAYMENT_CANCELLED,
        "Payment stopped",
        "",
    )
    assert "SWIFT" not in str(notifier(desk).sent)


@pytest.mark.parametrize(
    ("call", "path"),
    [
        ("fail_payment", "reference"),
        ("fail_payment", "reason"),
        ("confirm_payment", "reference"),
        ("cancel_payment", "reason"),
    ],
)
def test_a_payment_call_names_the_argument_it_refuses(
    desk: ReimbursementDesk, call: str, path: str
) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    arguments = {"reference": "ref-1", "reason": "no news"}
    arguments[path] = "two\nlines"
    given = {
        "fail_payment": [arguments["reference"], arguments["reason"]],
        "confirm_payment": [arguments["reference"]],
        "cancel_payment": [arguments["reason"]],
    }[call]
    with pytest.raises(ValidationError) as caught:
        getattr(desk, call)(FINANCE, claim.id, *given)
    assert [p.path for p in caught.value.problems] == [path]
    assert desk.get(FINANCE, claim.id) == claim  # nothing changed


def test_a_payment_the_bank_cancelled_is_recorded_cancelled_when_reported_failed(
    desk: ReimbursementDesk,
) -> None:
    claim, reference = sent(desk)
    gateway(desk).cancel(f"{claim.id}:payment:1")  # stopped on the bank's side
    failed = desk.fail_payment(BANK, claim.id, reference, "no news")
    assert_ended(failed, PaymentStatus.CANCELLED, "no news")
    assert failed.events[-1].type is EventType.PAYMENT_CANCELLED
    assert gateway(desk).payouts == []


class UnsureGateway(InMemoryPaymentGateway):
    """A gateway that has lost some attempts (``None``) or still says "pending" of them,
    and records every cancellation it is asked for."""

    def __init__(self) -> None:
        super().__init__(settle_immediately=False)
        self.says: dict[str, str] = {}
        self.cancelled: list[str] = []

    def status(self, idempotency_key: str) -> PaymentReceipt | None:
        said = self.says.get(idempotency_key)
        real = super().status(idempotency_key)
        if said == "unknown" or real is None:
            return None
        if said == "pending":
            return attrs.evolve(real, status=ReceiptStatus.PENDING, failure_reason=None)
        return real

    def cancel(self, idempotency_key: str) -> PaymentReceipt:
        self.cancelled.append(idempotency_key)
        self.says.pop(idempotency_key, None)
        return super().cancel(idempotency_key)


@pytest.mark.parametrize(
    ("says", "stopped_first"),
    [("unknown", True), ("pending", True), ("cancelled", False)],
)
@pytest.mark.parametrize("new_attempt", ["retry_payment", "change_payee_account"])
def test_a_new_attempt_stops_an_earlier_one_the_gateway_does_not_know_as_over(
    make_desk: Callable[..., ReimbursementDesk], says: str, stopped_first: bool, new_attempt: str
) -> None:
    unsure = UnsureGateway()
    desk = make_desk(payments=unsure)
    claim, _ = sent(desk)
    desk.cancel_payment(FINANCE, claim.id, "no news")
    first = f"{claim.id}:payment:1"
    unsure.cancelled.clear()
    if says != "cancelled":
        unsure.says[first] = says
    if new_attempt == "retry_payment":
        again = desk.retry_payment(FINANCE, claim.id)
    else:
        again = desk.change_payee_account(FINANCE_2, claim.id, "DE36 5001 0517 0000 0005 17")
    assert isinstance(again, Claim)
    assert again.payments[-1].attempt == 2
    assert unsure.cancelled == ([first] if stopped_first else [])


def test_a_new_attempt_is_refused_while_the_gateway_cannot_stop_a_pending_one(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    class Stubborn(UnsureGateway):
        def cancel(self, idempotency_key: str) -> PaymentReceipt:
            self.cancelled.append(idempotency_key)
            receipt = super().status(idempotency_key)
            assert receipt is not None
            return attrs.evolve(receipt, status=ReceiptStatus.PENDING, failure_reason=None)

    stubborn = Stubborn()
    desk = make_desk(payments=stubborn)
    claim, _ = sent(desk)
    InMemoryPaymentGateway.cancel(stubborn, f"{claim.id}:payment:1")
    failed = desk.fail_payment(BANK, claim.id, payment_reference(desk, claim.id), "no news")
    stubborn.says[f"{claim.id}:payment:1"] = "pending"
    error = refused_unchanged(
        desk, failed.id, lambda: desk.retry_payment(FINANCE, claim.id), PaymentError
    )
    assert "no new attempt while it may have paid" in str(error)


def test_a_discrepancy_is_reported_only_for_an_attempt_that_is_over(
    desk: ReimbursementDesk,
) -> None:
    """Only a failed or cancelled attempt's settlement is a discrepancy; the refusal names
    the reference, on the claim as it is (the pure command, as the gateway's callback runs it)."""
    from reimbursement.domain import commands as cmd

    claim, reference = sent(desk)
    whole_claim = desk.get(FINANCE, claim.id)
    at = whole_claim.updated_at
    for given in (reference, "GW-nobody"):  # an attempt still live; no attempt at all
        with pytest.raises(ValidationError) as refused:
            cmd.report_discrepancy(whole_claim, BANK, at, given)
        assert [p.path for p in refused.value.problems] == ["reference"]
    with pytest.raises(ValidationError) as unsent:
        cmd.confirm_payment(
            desk.get(
                FINANCE,
                desk.approve_payment(FINANCE, desk.approve(REVIEWER, submitted(desk).id).id).id,
            ),
            BANK,
            at,
        )
    assert [p.path for p in unsent.value.problems] == ["payment"]
    assert "has not been sent yet" in str(unsent.value)
