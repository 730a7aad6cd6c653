"""What finance and the payment gateway do: approve, pay, confirm, fail, retry."""

from __future__ import annotations

from datetime import datetime

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor, Role
from ..domain.claim import Claim
from ..domain.lifecycle import Action
from ..domain.routing import check_payment_approver
from ..ports import PaymentInstruction, ReceiptStatus
from ._core import DeskCore
from .reviews import deciders

__all__ = ["PaymentCalls"]


class PaymentCalls(DeskCore):
    """What finance and the payment gateway do: approve, pay, confirm, fail, retry."""

    def request_payment(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None
    ) -> Claim:
        """Request the payment of an approved claim (done by :meth:`approve` by default)."""
        return self._run(
            actor, claim_id, Action.REQUEST_PAYMENT, request_id, self._request_payment
        )

    def approve_payment(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None
    ) -> Claim:
        """Finance approves the payment.

        Raises :class:`~reimbursement.FourEyesError` for whoever approved the
        claim or decided a step of its plan, the claimant, and anyone the
        conflict-of-interest port links to the claimant.
        """

        def approve_payment(claim: Claim, now: datetime) -> Claim:
            if actor.role is not Role.SYSTEM:
                # without approval rules nobody decides a plan step: no steps to read
                steps = deciders(claim) if self.approval_rules is not None else set()
                check_payment_approver(claim, actor.id, self.conflicts, steps)
            return cmd.approve_payment(claim, actor, now)

        return self._run(actor, claim_id, Action.APPROVE_PAYMENT, request_id, approve_payment)

    def pay(self, actor: Actor, claim_id: str, *, request_id: str | None = None) -> Claim:
        """Send the approved payment through the gateway, at most once per attempt.

        The instruction carries the attempt's idempotency key, so a replay
        after a crash or a lost answer never pays twice. A gateway that
        settles at once makes the claim paid; one that fails makes it
        payment_failed; a pending one waits for :meth:`confirm_payment`.
        """

        def pay(claim: Claim, now: datetime) -> Claim:
            payment = cmd.payment_to_send(claim)  # before any money can move
            receipt = self.adapters.payments.pay(
                PaymentInstruction(
                    payment.idempotency_key,
                    claim.id,
                    payment.payee_account,
                    payment.amount,
                    f"Claim {claim.number}",
                )
            )
            sent = cmd.send_payment(claim, actor, now, receipt.reference)
            if receipt.status is ReceiptStatus.SETTLED:
                return cmd.confirm_payment(sent, SYSTEM, now)
            if receipt.status is ReceiptStatus.FAILED:
                reason = receipt.failure_reason or "refused by the payment gateway"
                return cmd.fail_payment(sent, SYSTEM, now, reason)
            return sent

        return self._run(actor, claim_id, Action.SEND_PAYMENT, request_id, pay)

    def confirm_payment(
        self, actor: Actor, claim_id: str, reference: str, *, request_id: str | None = None
    ) -> Claim:
        """The gateway (or finance) confirms that the payment ``reference`` arrived."""
        return self._run(
            actor,
            claim_id,
            Action.CONFIRM_PAYMENT,
            request_id,
            lambda c, now: cmd.confirm_payment(self._check_reference(c, reference), actor, now),
        )

    def fail_payment(
        self,
        actor: Actor,
        claim_id: str,
        reference: str,
        reason: str,
        *,
        request_id: str | None = None,
    ) -> Claim:
        """The gateway (or finance) reports that the payment ``reference`` failed."""
        return self._run(
            actor,
            claim_id,
            Action.FAIL_PAYMENT,
            request_id,
            lambda c, now: cmd.fail_payment(
                self._check_reference(c, reference), actor, now, reason
            ),
        )

    def retry_payment(
        self,
        actor: Actor,
        claim_id: str,
        payee_account: str | None = None,
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Start a new payment attempt (new idempotency key), optionally to a corrected account."""
        return self._run(
            actor,
            claim_id,
            Action.RETRY_PAYMENT,
            request_id,
            lambda c, now: cmd.retry_payment(c, actor, now, payee_account),
        )
