"""The reimbursement desk: the one object an insurer's platform calls.

Every public method is one use case and one unit of work: it loads the
claim, checks who is acting and what the claim's state allows, applies the
pure domain command, saves the new version (optimistic concurrency) with the
notifications to send (transactional outbox), commits, and returns the new
claim or a view of it. A refused call raises a typed error and changes
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor, Role
from ..domain.authorization import authorize, authorize_message, authorize_view
from ..domain.claim import Attachment, Claim, Claimant, LineDecision, PaymentStatus
from ..domain.events import EventType, Visibility
from ..domain.inputs import ClaimPatch, LineInput
from ..domain.lifecycle import LIFECYCLE, Action
from ..domain.money import Money
from ..domain.sla import SlaPolicy
from ..errors import AuthorizationError, PaymentError, ValidationError
from ..ports import Notification, PaymentInstruction, ReceiptStatus, UnitOfWork
from .adapters import Adapters, DeskSettings
from .routing import Router
from .sweeper import Escalation, SweepReport, sweep
from .texts import DEFAULT_TEXTS, CustomerTexts
from .views import ClaimTracking, tracking

__all__ = ["ReimbursementDesk"]

Command = Callable[[Claim, datetime], Claim]


def _new_id() -> str:
    return uuid.uuid4().hex


class ReimbursementDesk:
    """Runs claims from draft to payment on the given adapters.

    ``router`` chooses reviewers; ``settings`` says how the insurer runs its
    process; ``texts`` is the customer-facing wording; ``new_id`` makes claim
    ids (random UUIDs by default; pass a counter for reproducible runs).
    With ``sla``, :meth:`track` shows due times and the expected completion
    and :meth:`sweep` records warnings and breaches, calling ``escalation``
    on a breach.
    """

    def __init__(
        self,
        adapters: Adapters,
        *,
        router: Router,
        settings: DeskSettings | None = None,
        texts: CustomerTexts = DEFAULT_TEXTS,
        new_id: Callable[[], str] | None = None,
        sla: SlaPolicy | None = None,
        escalation: Escalation | None = None,
    ) -> None:
        self.adapters = adapters
        self.router = router
        self.settings = settings if settings is not None else DeskSettings()
        self.texts = texts
        self._new_id = new_id if new_id is not None else _new_id
        self.sla = sla
        self.escalation = escalation
        self._uow: Callable[[], UnitOfWork] = adapters.unit_of_work
        self._clock = adapters.clock

    # -- the customer's side -------------------------------------------------

    def start_draft(
        self, actor: Actor, lines: Sequence[LineInput] = (), *, request_id: str | None = None
    ) -> Claim:
        """A new draft for the customer ``actor``, pre-filled from what the insurer knows.

        Name, policy and contact come from the customer directory; the payee
        account from the customer's last claim (else from the directory).
        Raises :class:`~reimbursement.CustomerNotFoundError`,
        :class:`~reimbursement.ValidationError` for bad lines.
        """
        if actor.role is not Role.CUSTOMER:
            raise AuthorizationError(f"{actor.id} acts as {actor.role}: drafts are customers'")
        profile = self.adapters.directory.profile(actor.id)
        key = self._request_key(actor, request_id)
        with self._uow() as uow:
            if key is not None and (done := uow.claims.claim_for_request(key)) is not None:
                return uow.claims.get(done)
            latest = uow.claims.latest_for_customer(actor.id)
            payee = (latest.claimant.payee_account if latest else "") or profile.payee_account
            claimant = Claimant(
                profile.customer_id,
                profile.name,
                profile.policy_number,
                payee,
                profile.email,
                profile.language,
            )
            claim = cmd.start_draft(
                self._new_id(),
                claimant,
                profile.policy_currency,
                actor,
                self._clock.now(),
                lines,
                self._convert,
            )
            uow.claims.add(claim)
            if key is not None:
                uow.claims.remember_request(key, claim.id)
            uow.commit()
        return claim

    def update_draft(
        self, actor: Actor, claim_id: str, patch: ClaimPatch, *, request_id: str | None = None
    ) -> Claim:
        """The draft with ``patch`` applied (only what changed)."""
        return self._run(
            actor,
            claim_id,
            Action.UPDATE_DRAFT,
            request_id,
            lambda c, now: cmd.update_draft(c, actor, now, patch, self._convert),
        )

    def attach(
        self,
        actor: Actor,
        claim_id: str,
        file_name: str,
        content: bytes,
        *,
        line_id: str | None = None,
        request_id: str | None = None,
    ) -> Claim:
        """Attach a document (PDF, JPEG, PNG, HEIC, TIFF, WebP, judged by content).

        With ``line_id`` the document is also linked to that expense line as
        its receipt. Allowed on a draft or a returned claim, by its customer.
        Returns the claim; the new attachment is ``claim.attachments[-1]``.
        """
        media_type, sha256 = self.settings.documents.check(file_name, content)

        def attach(claim: Claim, now: datetime) -> Claim:
            stored = self.adapters.documents.put(
                content, file_name=file_name, media_type=media_type
            )
            attachment = Attachment(stored.id, file_name, media_type, len(content), sha256)
            return cmd.add_attachment(claim, actor, now, attachment, line_id)

        return self._run(actor, claim_id, Action.UPDATE_DRAFT, request_id, attach)

    def submit(self, actor: Actor, claim_id: str, *, request_id: str | None = None) -> Claim:
        """Submit the draft: it gets its number, goes to a reviewer, the customer is told.

        A repeated call with the same ``request_id`` returns the claim as it
        is and does nothing. Raises :class:`~reimbursement.ValidationError`
        (listing what is missing) or :class:`~reimbursement.NoEligibleReviewerError`.
        """

        def submit(claim: Claim, now: datetime, uow: UnitOfWork) -> Claim:
            authorize(actor, claim, Action.SUBMIT)
            LIFECYCLE.target(claim.id, claim.state, Action.SUBMIT)
            cmd.check_ready(claim, require_receipts=self.settings.require_receipts)
            # the number is taken only once the claim is known to be complete:
            # sequences never roll back, and gaps would puzzle auditors
            prefix = self.settings.number_prefix
            sequence = uow.claims.next_number(f"{prefix}-{now.year}")
            number = f"{prefix}-{now.year}-{sequence:06d}"
            submitted = cmd.submit(
                claim, actor, now, number, require_receipts=self.settings.require_receipts
            )
            return self._route(submitted, now)

        return self._run_with_uow(actor, claim_id, request_id, submit)

    def resubmit(
        self,
        actor: Actor,
        claim_id: str,
        patch: ClaimPatch | None = None,
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Fix a returned claim with only what changed, and send it back to review."""
        fix = patch if patch is not None else ClaimPatch()

        def resubmit(claim: Claim, now: datetime) -> Claim:
            fixed = cmd.resubmit(
                claim,
                actor,
                now,
                fix,
                self._convert,
                require_receipts=self.settings.require_receipts,
            )
            return self._route(fixed, now)

        return self._run(actor, claim_id, Action.RESUBMIT, request_id, resubmit)

    def withdraw(
        self, actor: Actor, claim_id: str, reason: str = "", *, request_id: str | None = None
    ) -> Claim:
        """Withdraw the claim before it is decided."""
        return self._run(
            actor,
            claim_id,
            Action.WITHDRAW,
            request_id,
            lambda c, now: cmd.withdraw(c, actor, now, reason),
        )

    # -- review ----------------------------------------------------------------

    def approve(
        self,
        actor: Actor,
        claim_id: str,
        lines: Sequence[LineDecision] = (),
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Approve in full, or per line with ``lines`` (a lowered line needs a reason).

        With ``auto_request_payment`` the payment is requested in the same
        step, and approved at once below the finance approval threshold.
        """

        def approve(claim: Claim, now: datetime) -> Claim:
            approved = cmd.approve(claim, actor, now, lines)
            if not self.settings.auto_request_payment:
                return approved
            return self._request_payment(approved, now)

        return self._run(actor, claim_id, Action.APPROVE, request_id, approve)

    def reject(
        self,
        actor: Actor,
        claim_id: str,
        reason_code: str,
        note: str = "",
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Reject the claim with a reason code (and an optional note to the customer)."""
        return self._run(
            actor,
            claim_id,
            Action.REJECT,
            request_id,
            lambda c, now: cmd.reject(c, actor, now, reason_code, note),
        )

    def return_for_correction(
        self,
        actor: Actor,
        claim_id: str,
        reasons: Sequence[str],
        note: str = "",
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Send the claim back to the customer with what to correct."""
        return self._run(
            actor,
            claim_id,
            Action.RETURN_FOR_CORRECTION,
            request_id,
            lambda c, now: cmd.return_for_correction(c, actor, now, reasons, note),
        )

    # -- payment ---------------------------------------------------------------

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
        """Finance approves the payment; the approver of the claim may not."""
        return self._run(
            actor,
            claim_id,
            Action.APPROVE_PAYMENT,
            request_id,
            lambda c, now: cmd.approve_payment(c, actor, now),
        )

    def pay(self, actor: Actor, claim_id: str, *, request_id: str | None = None) -> Claim:
        """Send the approved payment through the gateway, at most once per attempt.

        The instruction carries the attempt's idempotency key, so a replay
        after a crash or a lost answer never pays twice. A gateway that
        settles at once makes the claim paid; one that fails makes it
        payment_failed; a pending one waits for :meth:`confirm_payment`.
        """

        def pay(claim: Claim, now: datetime) -> Claim:
            payment = claim.payment
            LIFECYCLE.target(claim.id, claim.state, Action.SEND_PAYMENT)
            assert payment is not None
            if payment.status is PaymentStatus.SENT:
                raise ValidationError.at(
                    "payment",
                    f"payment {payment.idempotency_key} was already sent "
                    f"(reference {payment.gateway_reference}); confirm or fail it",
                )
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

    # -- conversation and views ---------------------------------------------------

    def post_message(
        self,
        actor: Actor,
        claim_id: str,
        body: str,
        *,
        internal: bool = False,
        request_id: str | None = None,
    ) -> Claim:
        """Post on the claim's thread; ``internal`` notes are for staff only."""
        visibility = Visibility.INTERNAL if internal else Visibility.CUSTOMER

        def post(claim: Claim, now: datetime) -> Claim:
            authorize_message(actor, claim, visibility)
            return cmd.post_message(claim, actor, now, body, visibility)

        return self._run(actor, claim_id, None, request_id, post)

    def track(self, actor: Actor, claim_id: str) -> ClaimTracking:
        """The customer's view of the claim: stage, next step, timeline, visible messages."""
        with self._uow() as uow:
            claim = uow.claims.get(claim_id)
        authorize_view(actor, claim)
        return self._tracking(claim)

    def claims_of(self, actor: Actor) -> list[ClaimTracking]:
        """Every claim of the customer ``actor``, oldest first."""
        if actor.role is not Role.CUSTOMER:
            raise AuthorizationError("only a customer has claims of their own")
        with self._uow() as uow:
            claims = uow.claims.for_customer(actor.id)
        return [self._tracking(c) for c in claims]

    def get(self, actor: Actor, claim_id: str) -> Claim:
        """The whole claim, internal notes included: for staff.

        Raises :class:`~reimbursement.AuthorizationError` for customers, who
        follow their claims with :meth:`track`.
        """
        if actor.role is Role.CUSTOMER:
            raise AuthorizationError("customers follow their claims with track()")
        with self._uow() as uow:
            return uow.claims.get(claim_id)

    def sweep(self, now: datetime | None = None) -> SweepReport:
        """Record SLA warnings and breaches crossed up to ``now`` (default: the clock).

        Each crossing is recorded once as an internal event, even when sweeps
        overlap or run in several processes; a breach of a running stage is
        escalated through ``escalation`` and the customer is told, with the
        new expected completion. Raises :class:`~reimbursement.ValidationError`
        when the desk has no SLA policy.
        """
        if self.sla is None:
            raise ValidationError.at("sla", "this desk has no SLA policy to sweep with")
        at = now if now is not None else self._clock.now()
        report, notifications = sweep(
            self._uow, self.sla, at, self.escalation, self._breach_notices
        )
        if notifications and self.settings.dispatch_immediately:
            with self._uow() as uow:
                self._deliver(notifications, uow)
        return report

    def dispatch_notifications(self, limit: int = 100) -> int:
        """Deliver pending notifications (at least once, deduplicated by key); returns how many.

        A notification whose delivery fails stays pending for the next call.
        """
        with self._uow() as uow:
            return self._deliver(uow.outbox.pending(limit), uow)

    # -- internals -----------------------------------------------------------------

    def _run(
        self,
        actor: Actor,
        claim_id: str,
        action: Action | None,
        request_id: str | None,
        command: Command,
    ) -> Claim:
        def checked(claim: Claim, now: datetime, uow: UnitOfWork) -> Claim:
            if action is not None:
                authorize(actor, claim, action)
            return command(claim, now)

        return self._run_with_uow(actor, claim_id, request_id, checked)

    def _run_with_uow(
        self,
        actor: Actor,
        claim_id: str,
        request_id: str | None,
        command: Callable[[Claim, datetime, UnitOfWork], Claim],
    ) -> Claim:
        key = self._request_key(actor, request_id)
        with self._uow() as uow:
            claims = uow.claims
            if key is not None and claims.claim_for_request(key) is not None:
                claim = claims.get(claim_id)
                authorize_view(actor, claim)
                return claim
            claim = claims.get(claim_id)
            new = command(claim, self._clock.now(), uow)
            claims.save(new, claim.version)
            if key is not None:
                claims.remember_request(key, claim_id)
            notifications = self._notifications(claim, new)
            for notification in notifications:
                uow.outbox.add(notification)
            uow.commit()
            if notifications and self.settings.dispatch_immediately:
                self._deliver(notifications, uow)
        return new

    def _deliver(self, notifications: Sequence[Notification], uow: UnitOfWork) -> int:
        delivered = []
        for notification in notifications:
            try:
                self.adapters.notifier.send(notification)
            except Exception:
                break
            delivered.append(notification.key)
        uow.outbox.mark_delivered(delivered)
        return len(delivered)

    def _notifications(self, old: Claim, new: Claim) -> list[Notification]:
        texts = self.texts
        out = []
        claimant = new.claimant
        for event in new.events[len(old.events) :]:
            if event.type not in texts.notified or event.visibility is not Visibility.CUSTOMER:
                continue
            if event.type is EventType.MESSAGE_POSTED and event.role is Role.CUSTOMER:
                continue  # nobody needs to be told about their own message
            title = texts.title(event)
            body = f"{texts.next_step(event.to_state)} {texts.detail(event)}".strip()
            out.append(
                Notification(
                    event.id,
                    claimant.customer_id,
                    new.id,
                    new.number,
                    event.type,
                    claimant.language,
                    f"{title} ({new.number})" if new.number else title,
                    body,
                )
            )
        return out

    def _tracking(self, claim: Claim) -> ClaimTracking:
        if self.sla is None:
            return tracking(claim, self.texts)
        return tracking(claim, self.texts, self.sla.evaluate(claim, self._clock.now()))

    def _breach_notices(self, old: Claim, new: Claim) -> list[Notification]:
        """Tell the customer when a promise is broken, and what we now expect."""
        assert self.sla is not None
        breaches = [e for e in new.events[len(old.events) :] if e.type is EventType.SLA_BREACHED]
        if not breaches:
            return []
        event = breaches[-1]
        expected = self.sla.evaluate(new, event.at).expected_completion
        when = f" We now expect to finish by {expected:%d %b %Y %H:%M %Z}." if expected else ""
        stage = event.data.get("stage", "review").replace("_", " ")
        body = f"Your claim's {stage} is taking longer than we promised."
        if self.escalation is not None:
            body += " It has been escalated."
        return [
            Notification(
                event.id,
                new.customer_id,
                new.id,
                new.number,
                EventType.SLA_BREACHED,
                new.claimant.language,
                f"{self.texts.title(event)} ({new.number})",
                body + when,
            )
        ]

    def _request_key(self, actor: Actor, request_id: str | None) -> str | None:
        if request_id is None:
            return None
        if not request_id.strip():
            raise ValidationError.at("request_id", "is empty")
        return f"{actor.id}\x1f{request_id}"

    def _route(self, claim: Claim, now: datetime) -> Claim:
        assignment = self.router.route(claim)
        if assignment.reviewer == claim.customer_id:
            raise AuthorizationError(
                f"router {assignment.policy} chose {assignment.reviewer}, who submitted the claim"
            )
        return cmd.assign(
            claim, SYSTEM, now, assignment.reviewer, assignment.policy, assignment.reason
        )

    def _request_payment(self, claim: Claim, now: datetime) -> Claim:
        requested = cmd.request_payment(claim, SYSTEM, now)
        threshold = self.settings.finance_approval_threshold
        if threshold is None:
            return requested
        assert requested.payment is not None
        amount = requested.payment.amount
        if threshold is not None and amount.currency == threshold.currency and amount < threshold:
            return cmd.approve_payment(requested, SYSTEM, now, automatic=True)
        return requested

    def _check_reference(self, claim: Claim, reference: str) -> Claim:
        payment = claim.payment
        if payment is not None and payment.gateway_reference not in (None, reference):
            raise PaymentError(
                f"claim {claim.id}'s payment has reference {payment.gateway_reference}, "
                f"not {reference}"
            )
        return claim

    def _convert(self, amount: Money, currency: str, on: date) -> tuple[Money, Decimal | None]:
        if amount.currency == currency:
            return amount, None
        rate = self.adapters.fx_rates.rate(amount.currency, currency, on)
        return amount.convert(currency, rate), rate
