"""What finance, the customer and the payment gateway do with a payment.

A payment attempt is recorded paid, failed or cancelled only on the
gateway's word: every call below that ends an attempt asks the gateway
(:meth:`~reimbursement.ports.PaymentGateway.status` or
:meth:`~reimbursement.ports.PaymentGateway.cancel`) first, and a new attempt
is made only once the gateway says the previous one can never pay. A
settlement of an attempt that was already over is reported on the claim,
never counted or paid again.
"""

from __future__ import annotations

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor
from ..domain.authorization import authorize
from ..domain.checks import require_text
from ..domain.claim import Claim, PaymentRecord
from ..domain.lifecycle import LIFECYCLE, Action
from ..domain.routing import check_payment_approver, deciders
from ..errors import PaymentError, ValidationError
from ..ports import PaymentInstruction, PaymentReceipt, ReceiptStatus
from ._core import Answer, DeskCore, Step

__all__ = ["PaymentCalls", "payment_instruction"]

R = ReceiptStatus
_GATEWAY_REFUSED = "refused by the payment gateway"
_GATEWAY_CANCELLED = "cancelled at the payment gateway"


class PaymentCalls(DeskCore):
    """What finance, the customer and the gateway do: approve, pay, confirm, fail, cancel,
    retry, change the payee account."""

    def request_payment(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None
    ) -> Claim:
        """Request the payment of an approved claim (done by :meth:`approve` by default)."""

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.REQUEST_PAYMENT)
            return self._request_payment(claim, step.now)

        request = self._request(actor, request_id, self.request_payment)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def approve_payment(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None
    ) -> Claim:
        """Finance approves the payment.

        Raises :class:`~reimbursement.errors.FourEyesError` for whoever
        approved the claim or decided a step of its plan, the claimant, anyone
        the conflict-of-interest port links to the claimant, and the staff
        member who gave the payee account; whatever role they act in.
        """

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.APPROVE_PAYMENT)
            # without approval rules nobody decides a plan step: no steps to read
            steps = deciders(claim) if self.approval_rules is not None else set()
            check_payment_approver(claim, actor.id, self.conflicts, steps)
            return cmd.approve_payment(claim, actor, step.now)

        request = self._request(actor, request_id, self.approve_payment)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def pay(self, actor: Actor, claim_id: str, *, request_id: str | None = None) -> Claim:
        """Send the approved payment through the gateway, at most once per attempt.

        The instruction carries the attempt's idempotency key, so a replay
        after a crash or a lost answer never pays twice. A gateway that
        settles at once makes the claim paid; one that fails (or had the key
        cancelled) makes it payment_failed; a pending one waits for
        :meth:`confirm_payment` or :meth:`fail_payment`.
        """

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.SEND_PAYMENT)
            payment = cmd.payment_to_send(claim)  # before any money can move
            instruction = payment_instruction(claim, payment)
            receipt = self._checked(self.adapters.payments.pay(instruction), payment)
            sent = cmd.send_payment(claim, actor, step.now, receipt.reference)
            if receipt.status is R.SETTLED:
                return cmd.confirm_payment(sent, SYSTEM, step.now)
            if receipt.status is R.FAILED:
                return cmd.fail_payment(sent, SYSTEM, step.now, self._reason(receipt))
            if receipt.status is R.CANCELLED:
                return cmd.cancel_payment(sent, SYSTEM, step.now, _GATEWAY_CANCELLED)
            return sent

        request = self._request(actor, request_id, self.pay)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def confirm_payment(
        self, actor: Actor, claim_id: str, reference: str, *, request_id: str | None = None
    ) -> Claim:
        """The gateway (or finance) says the payment ``reference`` arrived; the gateway agrees.

        The claim is paid only when the gateway's
        :meth:`~reimbursement.ports.PaymentGateway.status` says ``settled``. A
        settlement of an earlier attempt, failed or cancelled, is reported
        (``claim.payment_discrepancies``, an internal ``payment_discrepancy``
        event) and neither counted nor paid again.
        Raises :class:`~reimbursement.errors.PaymentError` when the gateway does
        not say the payment settled, :class:`~reimbursement.errors.DuplicateError`
        for a discrepancy reported already.
        """
        require_text("reference", reference, self.settings.limits.max_id_length)

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.CONFIRM_PAYMENT)
            earlier = _by_reference(claim, reference)
            if earlier is not None and earlier.status.is_over:
                receipt = self._status(earlier)
                if receipt.status is not R.SETTLED:
                    raise PaymentError(
                        f"payment {earlier.idempotency_key} of claim {claim.id} is "
                        f"{earlier.status}, and the gateway says {receipt.status}: "
                        "there is no settlement to report"
                    )
                return cmd.report_discrepancy(claim, actor, step.now, reference)
            LIFECYCLE.target(claim.id, claim.state, Action.CONFIRM_PAYMENT)
            payment = self._sent_payment(claim, reference)
            receipt = self._status(payment)
            if receipt.status is not R.SETTLED:
                raise PaymentError(
                    f"the gateway says payment {payment.idempotency_key} of claim {claim.id} "
                    f"is {receipt.status}, not settled: {_ADVICE[receipt.status]}"
                )
            return cmd.confirm_payment(claim, actor, step.now)

        request = self._request(actor, request_id, self.confirm_payment, reference)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def fail_payment(
        self,
        actor: Actor,
        claim_id: str,
        reference: str,
        reason: str,
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Record that the payment ``reference`` failed, once the gateway says so.

        The gateway must say ``failed`` (or ``cancelled``); ``reason`` is what
        the customer reads. Raises :class:`~reimbursement.errors.PaymentError`
        while the gateway says pending (wait for it, or stop it with
        :meth:`cancel_payment`) or settled (:meth:`confirm_payment` it).
        """
        require_text("reference", reference, self.settings.limits.max_id_length)
        require_text("reason", reason, self.settings.limits.max_reason_length)

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.FAIL_PAYMENT)
            LIFECYCLE.target(claim.id, claim.state, Action.FAIL_PAYMENT)
            payment = self._sent_payment(claim, reference)
            receipt = self._status(payment)
            if receipt.status is R.FAILED:
                return cmd.fail_payment(claim, actor, step.now, reason)
            if receipt.status is R.CANCELLED:
                return cmd.cancel_payment(claim, actor, step.now, reason)
            raise PaymentError(
                f"the gateway says payment {payment.idempotency_key} of claim {claim.id} "
                f"is {receipt.status}, not failed: {_ADVICE[receipt.status]}"
            )

        request = self._request(actor, request_id, self.fail_payment, reference, reason)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def cancel_payment(
        self, actor: Actor, claim_id: str, reason: str, *, request_id: str | None = None
    ) -> Claim:
        """Stop the current payment at the gateway (no news from the bank, a wrong account).

        The gateway cancels the instruction, sent or not, so that it can never
        pay; the claim is then payment_failed and may be retried. A gateway
        that says the payment failed meanwhile makes it failed. Raises
        :class:`~reimbursement.errors.PaymentError` when the money has moved
        already (:meth:`confirm_payment` it) or the gateway cannot stop it.
        """
        require_text("reason", reason, self.settings.limits.max_reason_length)

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.CANCEL_PAYMENT)
            LIFECYCLE.target(claim.id, claim.state, Action.CANCEL_PAYMENT)
            payment = claim.payments[-1]
            answer = self.adapters.payments.cancel(payment.idempotency_key)
            receipt = self._checked(answer, payment)
            if receipt.status is R.CANCELLED:
                return cmd.cancel_payment(claim, actor, step.now, reason)
            if receipt.status is R.FAILED:
                return cmd.fail_payment(claim, actor, step.now, self._reason(receipt))
            raise PaymentError(
                f"the gateway could not stop payment {payment.idempotency_key} of claim "
                f"{claim.id}: it says {receipt.status}; {_ADVICE[receipt.status]}"
            )

        request = self._request(actor, request_id, self.cancel_payment, reason)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def retry_payment(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None
    ) -> Claim:
        """Start a new payment attempt (new idempotency key) to the same account, approved by
        ``actor``; a new account goes through :meth:`change_payee_account`.

        The gateway must say the failed attempt can never pay (it is cancelled
        first if the gateway does not know it as failed), so that no claim
        has two live instructions. Raises :class:`~reimbursement.errors.PaymentError`
        when the gateway says the earlier attempt settled after all.
        """

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.RETRY_PAYMENT)
            LIFECYCLE.target(claim.id, claim.state, Action.RETRY_PAYMENT)
            self._check_over(claim)
            return cmd.retry_payment(claim, actor, step.now)

        request = self._request(actor, request_id, self.retry_payment)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def change_payee_account(
        self, actor: Actor, claim_id: str, account: str, *, request_id: str | None = None
    ) -> Answer:
        """A corrected payee account after a failed payment: a new attempt, to be approved.

        The claim's customer gives it (their own word: finance verifies it
        with :meth:`approve_payment`), or finance does: then the account is
        recorded as theirs (``payee_changed_by``) and another person approves
        and sends the payment. The customer is told either way, with the
        account's last characters only. Answers the whole claim to finance,
        the customer's part (:class:`~reimbursement.service.CustomerClaim`) to
        the customer. Raises :class:`~reimbursement.errors.AuthorizationError`
        for anyone else, :class:`~reimbursement.errors.PaymentError` as
        :meth:`retry_payment`.
        """
        require_text("account", account, self.settings.limits.max_name_length, empty=False)

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.CHANGE_PAYEE)
            LIFECYCLE.target(claim.id, claim.state, Action.CHANGE_PAYEE)
            self._check_over(claim)
            return cmd.change_payee(claim, actor, step.now, account)

        request = self._request(actor, request_id, self.change_payee_account, account)
        return self._run(actor, claim_id, request, decide)

    # -- the gateway's word ----------------------------------------------------------------

    def _sent_payment(self, claim: Claim, reference: str) -> PaymentRecord:
        """The claim's current attempt, which the gateway knows as ``reference``."""
        current = claim.payments[-1]
        if current.gateway_reference == reference:
            return current
        if current.gateway_reference is None:
            raise ValidationError.at("payment", f"claim {claim.id}'s payment has not been sent")
        raise PaymentError(
            f"claim {claim.id}'s payment has reference {current.gateway_reference}, "
            f"not {reference}"
        )

    def _status(self, payment: PaymentRecord) -> PaymentReceipt:
        found = self.adapters.payments.status(payment.idempotency_key)
        if found is None:
            raise PaymentError(
                f"the gateway knows no payment {payment.idempotency_key}: "
                "cancel_payment makes sure it never pays"
            )
        return self._checked(found, payment)

    def _check_over(self, claim: Claim) -> None:
        """Make sure the claim's last attempt can never pay before another one is made."""
        payment = claim.payments[-1]
        gateway = self.adapters.payments
        found = gateway.status(payment.idempotency_key)
        if found is None or found.status is R.PENDING:
            found = gateway.cancel(payment.idempotency_key)
        receipt = self._checked(found, payment)
        if receipt.status not in (R.FAILED, R.CANCELLED):
            raise PaymentError(
                f"the gateway says payment {payment.idempotency_key} of claim {claim.id} is "
                f"{receipt.status}: no new attempt while it may have paid; reconcile it "
                f"(confirm_payment with reference {receipt.reference} reports it)"
            )

    def _checked(self, receipt: object, payment: PaymentRecord) -> PaymentReceipt:
        """``receipt`` if it is the gateway's answer about ``payment``, in words we can keep."""
        key = payment.idempotency_key
        if not isinstance(receipt, PaymentReceipt) or receipt.idempotency_key != key:
            raise PaymentError(f"the payment gateway answered about another payment than {key}")
        try:
            limit = self.settings.limits.max_id_length
            require_text("reference", receipt.reference, limit, empty=False)
        except ValidationError as error:
            raise PaymentError(
                f"the payment gateway gave payment {key} an unusable reference: {error}"
            ) from None
        return receipt

    def _reason(self, receipt: PaymentReceipt) -> str:
        """The gateway's failure reason as the customer may read it: one line, within limits."""
        words = "".join(c if c.isprintable() else " " for c in receipt.failure_reason or "")
        line = " ".join(words.split())
        limit = self.settings.limits.max_reason_length
        if len(line) > limit:
            line = line[: limit - 1].rstrip() + "…"
        return line or _GATEWAY_REFUSED


def payment_instruction(claim: Claim, payment: PaymentRecord) -> PaymentInstruction:
    """What the gateway is told to pay for ``payment``, the claim's attempt to send."""
    return PaymentInstruction(
        payment.idempotency_key,
        claim.id,
        payment.payee_account,
        payment.amount,
        f"Claim {claim.number}",
    )


def _by_reference(claim: Claim, reference: str) -> PaymentRecord | None:
    """The attempt the gateway knows as ``reference``, if any."""
    return next((p for p in claim.payments if p.gateway_reference == reference), None)


_ADVICE = {
    R.PENDING: "wait for its answer, or stop it with cancel_payment",
    R.SETTLED: "the money has moved; confirm_payment records it",
    R.FAILED: "fail_payment records it",
    R.CANCELLED: "fail_payment records it",
}
