"""What finance and the payment gateway do: approve, pay, confirm, fail, retry."""

from __future__ import annotations

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor, Role
from ..domain.authorization import authorize
from ..domain.checks import optional_text, require_text
from ..domain.claim import Claim
from ..domain.lifecycle import Action
from ..domain.routing import check_payment_approver, deciders
from ..ports import PaymentInstruction, ReceiptStatus
from ._core import DeskCore, Step

__all__ = ["PaymentCalls"]


class PaymentCalls(DeskCore):
    """What finance and the payment gateway do: approve, pay, confirm, fail, retry."""

    def request_payment(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None
    ) -> Claim:
        """Request the payment of an approved claim (done by :meth:`approve` by default)."""

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.REQUEST_PAYMENT)
            return self._request_payment(claim, step.now)

        request = self._request(actor, request_id, self.request_payment)
        return self._run(actor, claim_id, request, decide)

    def approve_payment(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None
    ) -> Claim:
        """Finance approves the payment.

        Raises :class:`~reimbursement.errors.FourEyesError` for whoever
        approved the claim or decided a step of its plan, the claimant, and
        anyone the conflict-of-interest port links to the claimant.
        """

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.APPROVE_PAYMENT)
            if actor.role is not Role.SYSTEM:
                # without approval rules nobody decides a plan step: no steps to read
                steps = deciders(claim) if self.approval_rules is not None else set()
                check_payment_approver(claim, actor.id, self.conflicts, steps)
            return cmd.approve_payment(claim, actor, step.now)

        request = self._request(actor, request_id, self.approve_payment)
        return self._run(actor, claim_id, request, decide)

    def pay(self, actor: Actor, claim_id: str, *, request_id: str | None = None) -> Claim:
        """Send the approved payment through the gateway, at most once per attempt.

        The instruction carries the attempt's idempotency key, so a replay
        after a crash or a lost answer never pays twice. A gateway that
        settles at once makes the claim paid; one that fails makes it
        payment_failed; a pending one waits for :meth:`confirm_payment`.
        """

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.SEND_PAYMENT)
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
            sent = cmd.send_payment(claim, actor, step.now, receipt.reference)
            if receipt.status is ReceiptStatus.SETTLED:
                return cmd.confirm_payment(sent, SYSTEM, step.now)
            if receipt.status is ReceiptStatus.FAILED:
                reason = receipt.failure_reason or "refused by the payment gateway"
                return cmd.fail_payment(sent, SYSTEM, step.now, reason)
            return sent

        return self._run(actor, claim_id, self._request(actor, request_id, self.pay), decide)

    def confirm_payment(
        self, actor: Actor, claim_id: str, reference: str, *, request_id: str | None = None
    ) -> Claim:
        """The gateway (or finance) confirms that the payment ``reference`` arrived."""
        require_text("reference", reference, self.settings.limits.max_id_length)

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.CONFIRM_PAYMENT)
            return cmd.confirm_payment(self._check_reference(claim, reference), actor, step.now)

        request = self._request(actor, request_id, self.confirm_payment, reference)
        return self._run(actor, claim_id, request, decide)

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
        require_text("reference", reference, self.settings.limits.max_id_length)
        require_text("reason", reason, self.settings.limits.max_reason_length)

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.FAIL_PAYMENT)
            checked = self._check_reference(claim, reference)
            return cmd.fail_payment(checked, actor, step.now, reason)

        request = self._request(actor, request_id, self.fail_payment, reference, reason)
        return self._run(actor, claim_id, request, decide)

    def retry_payment(
        self,
        actor: Actor,
        claim_id: str,
        payee_account: str | None = None,
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Start a new payment attempt (new idempotency key), optionally to a corrected account."""
        optional_text("payee_account", payee_account, self.settings.limits.max_name_length)

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.RETRY_PAYMENT)
            return cmd.retry_payment(claim, actor, step.now, payee_account)

        request = self._request(actor, request_id, self.retry_payment, payee_account)
        return self._run(actor, claim_id, request, decide)
