"""Payments: request, finance approval, hand-over to the gateway, outcome, retry."""

from __future__ import annotations

from datetime import datetime

from ...errors import ValidationError
from .._replace import replace
from ..accounts import check_account
from ..actors import Actor
from ..claim import (
    Claim,
    PaymentRecord,
    PaymentStatus,
)
from ..events import EventType
from ..lifecycle import LIFECYCLE, Action
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
        f"{claim.id}:payment:{attempt}",
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
    payment = _current_payment(claim, Action.FAIL_PAYMENT)
    if not reason.strip():
        raise ValidationError.at("reason", "say why the payment failed")
    record = replace(payment, status=PaymentStatus.FAILED, failure_reason=reason)
    return _step(
        claim,
        Action.FAIL_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_FAILED,
        reason=reason,
        payments=_with_payment(claim, record),
    )


def retry_payment(
    claim: Claim, actor: Actor, at: datetime, payee_account: str | None = None
) -> Claim:
    """A new payment attempt (new idempotency key) after a failure, optionally to a new account."""
    failed = _current_payment(claim, Action.RETRY_PAYMENT)
    account = (
        failed.payee_account
        if payee_account is None
        else check_account("payee_account", payee_account)
    )
    attempt = failed.attempt + 1
    record = PaymentRecord(
        attempt,
        f"{claim.id}:payment:{attempt}",
        failed.amount,
        account,
        PaymentStatus.APPROVED,
        at,
        approved_by=actor.id,
    )
    claimant = replace(claim.claimant, payee_account=account)
    return _step(
        claim,
        Action.RETRY_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_RETRIED,
        data={"attempt": str(attempt)},
        payments=(*claim.payments, record),
        claimant=claimant,
    )
