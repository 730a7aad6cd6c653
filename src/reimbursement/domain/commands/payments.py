"""Payments: request, finance approval, hand-over to the gateway, outcome, retry,
a new payee account, and settlements the claim did not ask for.

These record what happened; the desk asks the gateway first (a payment is
failed, cancelled or paid only on the gateway's word, see
:mod:`reimbursement.service`).
"""

from __future__ import annotations

from datetime import datetime

from ...errors import DuplicateError, ValidationError
from .._replace import replace
from ..accounts import check_account
from ..actors import Actor, Role
from ..claim import (
    Claim,
    PaymentRecord,
    PaymentStatus,
)
from ..events import EventType, Visibility
from ..lifecycle import LIFECYCLE, Action
from ..payment import account_ending, attempt_key
from ._common import _step


def _with_payment(claim: Claim, record: PaymentRecord) -> tuple[PaymentRecord, ...]:
    return (*claim.payments[:-1], record)


def _current_payment(claim: Claim, action: Action) -> PaymentRecord:
    LIFECYCLE.target(claim.id, claim.state, action)
    payment = claim.payment
    assert payment is not None, "a claim in a payment state has a payment record"
    return payment


def request_payment(claim: Claim, actor: Actor, at: datetime) -> Claim:
    """A payment request for the approved amount to the claimant's payee account."""
    LIFECYCLE.target(claim.id, claim.state, Action.REQUEST_PAYMENT)
    attempt = len(claim.payments) + 1
    record = PaymentRecord(
        attempt,
        attempt_key(claim.id, attempt),
        claim.approved_total,
        claim.claimant.payee_account,
        PaymentStatus.REQUESTED,
        at,
    )
    return _step(
        claim,
        Action.REQUEST_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_REQUESTED,
        data={"amount": str(record.amount)},
        payments=(*claim.payments, record),
    )


def approve_payment(claim: Claim, actor: Actor, at: datetime, *, automatic: bool = False) -> Claim:
    """The payment request approved by finance (or automatically, below the threshold)."""
    payment = _current_payment(claim, Action.APPROVE_PAYMENT)
    record = replace(payment, status=PaymentStatus.APPROVED, approved_by=actor.id)
    return _step(
        claim,
        Action.APPROVE_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_APPROVED,
        reason="below the finance approval threshold" if automatic else None,
        data={"amount": str(payment.amount)},
        payments=_with_payment(claim, record),
    )


def payment_to_send(claim: Claim) -> PaymentRecord:
    """The approved payment that may be handed to the gateway now.

    Raises :class:`~reimbursement.errors.InvalidTransitionError` outside
    payment_approved and :class:`~reimbursement.errors.ValidationError` for a
    payment already sent (confirm or fail it instead).
    """
    payment = _current_payment(claim, Action.SEND_PAYMENT)
    if payment.status is PaymentStatus.SENT:
        raise ValidationError.at(
            "payment",
            f"payment {payment.idempotency_key} was already sent "
            f"(reference {payment.gateway_reference}); confirm or fail it",
        )
    return payment


def send_payment(claim: Claim, actor: Actor, at: datetime, reference: str) -> Claim:
    """The approved payment, handed to the gateway under ``reference``."""
    payment = payment_to_send(claim)
    record = replace(payment, status=PaymentStatus.SENT, gateway_reference=reference)
    return _step(
        claim,
        Action.SEND_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_SENT,
        data={"amount": str(payment.amount), "reference": reference},
        payments=_with_payment(claim, record),
    )


def confirm_payment(claim: Claim, actor: Actor, at: datetime) -> Claim:
    """The sent payment, confirmed as arrived."""
    payment = _current_payment(claim, Action.CONFIRM_PAYMENT)
    if payment.status is not PaymentStatus.SENT:
        raise ValidationError.at("payment", "the payment has not been sent yet")
    record = replace(payment, status=PaymentStatus.PAID)
    return _step(
        claim,
        Action.CONFIRM_PAYMENT,
        actor,
        at,
        EventType.PAID,
        data={"amount": str(payment.amount), "reference": payment.gateway_reference or ""},
        payments=_with_payment(claim, record),
    )


def fail_payment(claim: Claim, actor: Actor, at: datetime, reason: str) -> Claim:
    """The payment attempt, failed for ``reason``."""
    return _end(claim, actor, at, reason, Action.FAIL_PAYMENT, "failed")


def cancel_payment(claim: Claim, actor: Actor, at: datetime, reason: str) -> Claim:
    """The payment attempt, stopped at the gateway for ``reason``: it may be retried."""
    return _end(claim, actor, at, reason, Action.CANCEL_PAYMENT, "is cancelled")


_ENDINGS = {
    Action.FAIL_PAYMENT: (PaymentStatus.FAILED, EventType.PAYMENT_FAILED),
    Action.CANCEL_PAYMENT: (PaymentStatus.CANCELLED, EventType.PAYMENT_CANCELLED),
}


def _end(
    claim: Claim, actor: Actor, at: datetime, reason: str, action: Action, verb: str
) -> Claim:
    payment = _current_payment(claim, action)
    if not reason.strip():
        raise ValidationError.at("reason", f"say why the payment {verb}")
    status, type_ = _ENDINGS[action]
    record = replace(payment, status=status, failure_reason=reason)
    return _step(
        claim,
        action,
        actor,
        at,
        type_,
        reason=reason,
        payments=_with_payment(claim, record),
    )


def retry_payment(claim: Claim, actor: Actor, at: datetime) -> Claim:
    """A new payment attempt (new idempotency key) after a failure, to the same account.

    The attempt is approved by ``actor``; a new account is
    :func:`change_payee`'s, which needs someone else's approval.
    """
    failed = _current_payment(claim, Action.RETRY_PAYMENT)
    attempt = failed.attempt + 1
    record = PaymentRecord(
        attempt,
        attempt_key(claim.id, attempt),
        failed.amount,
        failed.payee_account,
        PaymentStatus.APPROVED,
        at,
        approved_by=actor.id,
        payee_changed_by=failed.payee_changed_by,
    )
    return _step(
        claim,
        Action.RETRY_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_RETRIED,
        data={"attempt": str(attempt)},
        payments=(*claim.payments, record),
    )


def change_payee(claim: Claim, actor: Actor, at: datetime, account: str) -> Claim:
    """A new payment attempt to ``account``, after a failed one: waiting for approval.

    Given by the customer, the account is their own word (finance verifies
    it by approving); given by staff, it records who gave it
    (``payee_changed_by``), and that person may not approve or send it. The
    event is on the customer's timeline and shows the account's last
    characters only.
    """
    failed = _current_payment(claim, Action.CHANGE_PAYEE)
    account = account.strip()
    if not account:
        raise ValidationError.at("account", "is empty: give the account to pay into")
    account = check_account("account", account)
    attempt = failed.attempt + 1
    by_staff = actor.role is not Role.CUSTOMER
    record = PaymentRecord(
        attempt,
        attempt_key(claim.id, attempt),
        failed.amount,
        account,
        PaymentStatus.REQUESTED,
        at,
        payee_changed_by=actor.id if by_staff else None,
    )
    return _step(
        claim,
        Action.CHANGE_PAYEE,
        actor,
        at,
        EventType.PAYEE_CHANGED,
        data={"attempt": str(attempt), "account_ending": account_ending(account)},
        payments=(*claim.payments, record),
        claimant=replace(claim.claimant, payee_account=account),
    )


def report_discrepancy(claim: Claim, actor: Actor, at: datetime, reference: str) -> Claim:
    """The claim with a gateway's settlement of an attempt that was over, reported to staff.

    The settlement is not paid again and not counted as paid: an internal
    ``payment_discrepancy`` event names the attempt, and
    :attr:`~reimbursement.domain.claim.Claim.payment_discrepancies` lists it.
    Raises :class:`~reimbursement.errors.ValidationError` for a reference of
    no attempt that is over, :class:`~reimbursement.errors.DuplicateError`
    when it was reported already.
    """
    found = [p for p in claim.payments if p.gateway_reference == reference]
    if not found or not found[0].status.is_over:
        raise ValidationError.at(
            "reference", f"{reference!r} is no failed or cancelled payment of claim {claim.id}"
        )
    payment = found[0]
    if any(d.reference == reference for d in claim.payment_discrepancies):
        raise DuplicateError(
            f"the settlement of {payment.idempotency_key} (reference {reference}) "
            f"was reported on claim {claim.id} already"
        )
    events = claim.with_next_event(
        EventType.PAYMENT_DISCREPANCY,
        actor,
        at,
        data={
            "attempt": str(payment.attempt),
            "reference": reference,
            "amount": str(payment.amount),
        },
        visibility=Visibility.INTERNAL,
    )
    return replace(claim, events=events)
