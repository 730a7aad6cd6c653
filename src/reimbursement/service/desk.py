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
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor, Role
from ..domain.authorization import authorize, authorize_message, authorize_view
from ..domain.claim import Attachment, Claim, Claimant, LineDecision, PaymentStatus
from ..domain.events import EventType, Visibility
from ..domain.inputs import ClaimPatch, LineInput
from ..domain.lifecycle import LIFECYCLE, Action, ClaimState
from ..domain.money import Money
from ..domain.routing import (
    ApprovalRules,
    AssignmentPolicy,
    ConflictOfInterest,
    PolicyRouter,
    Reassignment,
    ReviewPlan,
    StepOutcome,
    check_payment_approver,
)
from ..domain.sla import SlaPolicy
from ..errors import (
    AuthorizationError,
    ConcurrencyError,
    PaymentError,
    ReimbursementError,
    ValidationError,
)
from ..ports import Notification, PaymentInstruction, ReceiptStatus, UnitOfWork
from .adapters import Adapters, DeskSettings
from .reviews import ReviewRouting, combined_lines, deciders, encode_lines
from .routing import Router, round_events
from .sweeper import Escalation, SweepReport, sweep
from .texts import DEFAULT_TEXTS, CustomerTexts
from .views import ClaimTracking, tracking

__all__ = ["HandOverReport", "ReimbursementDesk"]

Command = Callable[[Claim, datetime], Claim]


def _new_id() -> str:
    return uuid.uuid4().hex


class _Work:
    """One unit of work and the reviewers its routing counted (taken back if it fails)."""

    __slots__ = ("opened", "uow")

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.opened: list[str] = []


@attrs.frozen
class HandOverReport:
    """What :meth:`ReimbursementDesk.hand_over` did.

    ``moved``: the reassignments recorded; ``skipped``: claims changed by
    someone else meanwhile (call again); ``refused``: claim id → why nobody
    could take it (it stays with the reviewer).
    """

    moved: tuple[Reassignment, ...] = ()
    skipped: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()


class ReimbursementDesk:
    """Runs claims from draft to payment on the given adapters.

    ``router`` chooses reviewers and counts their open claims; ``settings``
    says how the insurer runs its process; ``texts`` is the customer-facing
    wording; ``new_id`` makes claim ids (random UUIDs by default; pass a
    counter for reproducible runs). With ``sla``, :meth:`track` shows due
    times and the expected completion and :meth:`sweep` records warnings
    and breaches, calling ``escalation`` on a breach. With
    ``approval_rules``, a submitted claim goes through the plan the rules
    build (parallel department reviews, authority chains): see
    ``docs/routing.md``, "On the desk". ``conflicts`` is the
    conflict-of-interest port for payment approvals and decisions (default:
    the router's, when it is a ``PolicyRouter``). Raises
    :class:`~reimbursement.ValidationError` for approval rules with a router
    that cannot assign plan steps.
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
        approval_rules: ApprovalRules | None = None,
        conflicts: ConflictOfInterest | None = None,
    ) -> None:
        self.reviews = ReviewRouting(router, approval_rules, conflicts)
        self.adapters = adapters
        self.router = router
        self.approval_rules = approval_rules
        self.conflicts = self.reviews.conflicts
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

        def submit(claim: Claim, now: datetime, work: _Work) -> Claim:
            authorize(actor, claim, Action.SUBMIT)
            LIFECYCLE.target(claim.id, claim.state, Action.SUBMIT)
            cmd.check_ready(claim, require_receipts=self.settings.require_receipts)
            # the number is taken only once the claim is known to be complete:
            # sequences never roll back, and gaps would puzzle auditors
            prefix = self.settings.number_prefix
            sequence = work.uow.claims.next_number(f"{prefix}-{now.year}")
            number = f"{prefix}-{now.year}-{sequence:06d}"
            submitted = cmd.submit(
                claim, actor, now, number, require_receipts=self.settings.require_receipts
            )
            return self.reviews.route(submitted, now, work.opened)

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

        def resubmit(claim: Claim, now: datetime, work: _Work) -> Claim:
            authorize(actor, claim, Action.RESUBMIT)
            fixed = cmd.resubmit(
                claim,
                actor,
                now,
                fix,
                self._convert,
                require_receipts=self.settings.require_receipts,
            )
            return self.reviews.route(fixed, now, work.opened)

        return self._run_with_uow(actor, claim_id, request_id, resubmit)

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
        step: str | None = None,
        request_id: str | None = None,
    ) -> Claim:
        """Approve in full, or per line with ``lines`` (a lowered line needs a reason).

        With ``auto_request_payment`` the payment is requested in the same
        step, and approved at once below the finance approval threshold.
        On a claim with an approval plan this approves the review step the
        reviewer holds (name it with ``step`` when they hold several); the
        claim is approved when the last step is, each line at the lowest
        amount any step approved. Raises :class:`~reimbursement.FourEyesError`
        for the claimant or someone linked to them.
        """

        def whole(claim: Claim, now: datetime) -> Claim:
            return self._approved(cmd.approve(claim, actor, now, lines), now)

        def in_plan(claim: Claim, plan: ReviewPlan, now: datetime, work: _Work) -> Claim:
            if lines:
                cmd.approve(claim, actor, now, lines)  # refuse bad lines now, not at the end
            details = {"lines": encode_lines(lines)} if lines else {}

            def finish(decided: Claim, done: ReviewPlan) -> Claim:
                combined = combined_lines(decided)
                return self._approved(cmd.approve(decided, actor, now, combined), now)

            return self.reviews.decide_step(
                actor,
                claim,
                plan,
                now,
                work.opened,
                StepOutcome.APPROVED,
                step,
                (),
                details,
                finish,
            )

        return self._review(actor, claim_id, Action.APPROVE, request_id, whole, in_plan)

    def reject(
        self,
        actor: Actor,
        claim_id: str,
        reason_code: str,
        note: str = "",
        *,
        step: str | None = None,
        request_id: str | None = None,
    ) -> Claim:
        """Reject the claim with a reason code (and an optional note to the customer).

        On a claim with an approval plan, a rejection of any step rejects
        the claim at once.
        """

        def whole(claim: Claim, now: datetime) -> Claim:
            return cmd.reject(claim, actor, now, reason_code, note)

        def in_plan(claim: Claim, plan: ReviewPlan, now: datetime, work: _Work) -> Claim:
            cmd.reject(claim, actor, now, reason_code, note)  # refuse a missing code now
            details = {"note": note} if note else {}

            def finish(decided: Claim, done: ReviewPlan) -> Claim:
                return cmd.reject(decided, actor, now, reason_code, note)

            reasons = (reason_code,)
            return self.reviews.decide_step(
                actor,
                claim,
                plan,
                now,
                work.opened,
                StepOutcome.REJECTED,
                step,
                reasons,
                details,
                finish,
            )

        return self._review(actor, claim_id, Action.REJECT, request_id, whole, in_plan)

    def return_for_correction(
        self,
        actor: Actor,
        claim_id: str,
        reasons: Sequence[str],
        note: str = "",
        *,
        step: str | None = None,
        request_id: str | None = None,
    ) -> Claim:
        """Send the claim back to the customer with what to correct.

        On a claim with an approval plan, a return waits for the other
        steps running at the same time; the customer then gets the claim
        back once, with every reason gathered (and every note).
        """

        def whole(claim: Claim, now: datetime) -> Claim:
            return cmd.return_for_correction(claim, actor, now, reasons, note)

        def in_plan(claim: Claim, plan: ReviewPlan, now: datetime, work: _Work) -> Claim:
            cmd.return_for_correction(claim, actor, now, reasons, note)  # refuse empty reasons
            details = {"note": note} if note else {}

            def finish(decided: Claim, done: ReviewPlan) -> Claim:
                notes = [
                    e.data["note"]
                    for e in round_events(decided)
                    if e.type is EventType.REVIEW_STEP_DECIDED and "note" in e.data
                ]
                return cmd.return_for_correction(
                    decided, actor, now, done.reasons, "\n".join(dict.fromkeys(notes))
                )

            return self.reviews.decide_step(
                actor,
                claim,
                plan,
                now,
                work.opened,
                StepOutcome.RETURNED,
                step,
                reasons,
                details,
                finish,
            )

        return self._review(
            actor, claim_id, Action.RETURN_FOR_CORRECTION, request_id, whole, in_plan
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
        """Finance approves the payment.

        Raises :class:`~reimbursement.FourEyesError` for whoever approved the
        claim or decided a step of its plan, the claimant, and anyone the
        conflict-of-interest port links to the claimant.
        """

        def approve_payment(claim: Claim, now: datetime) -> Claim:
            if actor.role is not Role.SYSTEM:
                check_payment_approver(claim, actor.id, self.conflicts, deciders(claim))
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

    def hand_over(
        self,
        actor: Actor,
        reviewer_id: str,
        *,
        leaving: bool = False,
        policy: AssignmentPolicy | None = None,
    ) -> HandOverReport:
        """Move the open reviews of ``reviewer_id`` to others, one unit of work per claim.

        Each claim (or plan step) they hold goes to their out-of-office
        delegate when they are away and the delegate may take it, otherwise
        to whom ``policy`` (default: the router's) chooses; with ``leaving``
        always by policy. Each move is a REASSIGNED event by ``actor``. Take
        a leaver out of the pool afterwards (``desk.router.pool.remove``).
        Raises :class:`~reimbursement.AuthorizationError` for customers,
        :class:`~reimbursement.NotFoundError` for someone not in the pool,
        :class:`~reimbursement.ValidationError` when the router is not a
        ``PolicyRouter``.
        """
        if actor.role is Role.CUSTOMER:
            raise AuthorizationError("customers cannot hand reviews over")
        router = self.router
        if not isinstance(router, PolicyRouter):
            raise ValidationError.at(
                "router", f"{type(router).__name__} has no reviewer pool to hand work over in"
            )
        router.pool.get(reviewer_id)
        with self._uow() as uow:
            held = [
                c.id
                for c in uow.claims.find([ClaimState.IN_REVIEW])
                if reviewer_id in self.reviews.holders(c)
            ]
        moved: list[Reassignment] = []
        skipped: list[str] = []
        refused: list[tuple[str, str]] = []
        for claim_id in sorted(held):
            with self._uow() as uow:
                claim = uow.claims.get(claim_id)
                now = self._clock.now()
                try:
                    new, moves = self.reviews.hand_over_claim(
                        router, actor, claim, reviewer_id, now, policy or router.policy, leaving
                    )
                except ReimbursementError as error:
                    refused.append((claim_id, str(error)))
                    continue
                if not moves:
                    continue
                try:
                    uow.claims.save(new, claim.version)
                    uow.commit()
                except BaseException as error:
                    self.reviews.undo_hand_over(router, moves)
                    if not isinstance(error, ConcurrencyError):
                        raise
                    skipped.append(claim_id)
                    continue
            moved.extend(moves)
        return HandOverReport(tuple(moved), tuple(skipped), tuple(refused))

    def open_reviews(self) -> dict[str, int]:
        """Open reviews per reviewer, counted from the stored claims in review.

        The router's loads live in the process: when one starts, give this
        to ``ReviewerPool(..., open_claims=...)``.
        """
        held: Counter[str] = Counter()
        with self._uow() as uow:
            for claim in uow.claims.find([ClaimState.IN_REVIEW]):
                held.update(self.reviews.holders(claim))
        return dict(held)

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
        def checked(claim: Claim, now: datetime, work: _Work) -> Claim:
            if action is not None:
                authorize(actor, claim, action)
            return command(claim, now)

        return self._run_with_uow(actor, claim_id, request_id, checked)

    def _run_with_uow(
        self,
        actor: Actor,
        claim_id: str,
        request_id: str | None,
        command: Callable[[Claim, datetime, _Work], Claim],
    ) -> Claim:
        key = self._request_key(actor, request_id)
        with self._uow() as uow:
            claims = uow.claims
            if key is not None and claims.claim_for_request(key) is not None:
                claim = claims.get(claim_id)
                authorize_view(actor, claim)
                return claim
            claim = claims.get(claim_id)
            work = _Work(uow)
            try:
                new = command(claim, self._clock.now(), work)
                # who no longer holds the claim (or a step of it) has one open claim less
                gone = self.reviews.left(claim, new)
                claims.save(new, claim.version)
                if key is not None:
                    claims.remember_request(key, claim_id)
                notifications = self._notifications(claim, new)
                for notification in notifications:
                    uow.outbox.add(notification)
                uow.commit()
            except BaseException:
                self.reviews.release(work.opened)  # the assignment never happened
                raise
            if gone:
                self.reviews.release(gone)
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
        for event in new.events_since(old.version):
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
        plan = self.reviews.plan(claim)
        if self.sla is None:
            return tracking(claim, self.texts, plan=plan)
        return tracking(claim, self.texts, self.sla.evaluate(claim, self._clock.now()), plan)

    def _breach_notices(self, old: Claim, new: Claim) -> list[Notification]:
        """Tell the customer when a promise is broken, and what we now expect."""
        assert self.sla is not None
        breaches = [e for e in new.events_since(old.version) if e.type is EventType.SLA_BREACHED]
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

    def _review(
        self,
        actor: Actor,
        claim_id: str,
        action: Action,
        request_id: str | None,
        whole: Command,
        in_plan: Callable[[Claim, ReviewPlan, datetime, _Work], Claim],
    ) -> Claim:
        def review(claim: Claim, now: datetime, work: _Work) -> Claim:
            plan = self.reviews.plan(claim)
            if plan is None:
                authorize(actor, claim, action)
                self.reviews.check_conflict(actor, claim)
                return whole(claim, now)
            return in_plan(claim, plan, now, work)

        return self._run_with_uow(actor, claim_id, request_id, review)

    def _approved(self, claim: Claim, now: datetime) -> Claim:
        if not self.settings.auto_request_payment:
            return claim
        return self._request_payment(claim, now)

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
