"""The desk's machinery: one unit of work per call, notifications, the shared steps.

Every public call of :class:`~reimbursement.ReimbursementDesk` goes through
:meth:`DeskCore._run` or :meth:`DeskCore._run_with_uow`: load the claim, run the
pure command, save over the version read, queue the notifications in the
same transaction, commit, then deliver.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor, Role
from ..domain.authorization import authorize, authorize_view
from ..domain.claim import Claim
from ..domain.events import EventType, Visibility, event_id, event_type
from ..domain.lifecycle import Action
from ..domain.money import Money
from ..domain.routing import (
    ApprovalRules,
    ConflictOfInterest,
    ReviewPlan,
    StepOutcome,
)
from ..domain.sla import SlaPolicy
from ..errors import (
    PaymentError,
    ValidationError,
)
from ..ports import Notification, UnitOfWork
from .adapters import Adapters, DeskSettings
from .reviews import ReviewRouting
from .routing import Router
from .sweeper import Escalation
from .texts import DEFAULT_TEXTS, CustomerTexts
from .views import ClaimTracking, tracking

__all__ = ["Command", "DeskCore"]

Command = Callable[[Claim, datetime], Claim]


_VISIBLE = Visibility.CUSTOMER.value
_BY_CUSTOMER = Role.CUSTOMER.value
_MESSAGE = EventType.MESSAGE_POSTED.value


def _new_id() -> str:
    return uuid.uuid4().hex


class _Work:
    """One unit of work and the reviewers its routing counted (taken back if it fails)."""

    __slots__ = ("opened", "uow")

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.opened: list[str] = []


class DeskCore:
    """State and internals shared by the desk's groups of calls (see ``ReimbursementDesk``)."""

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
        self.settings = settings if settings is not None else DeskSettings()
        self.texts = texts
        self._new_id = new_id if new_id is not None else _new_id
        self.sla = sla
        self.escalation = escalation
        self._uow: Callable[[], UnitOfWork] = adapters.unit_of_work
        self._clock = adapters.clock

    @property
    def router(self) -> Router:
        """Who assigns reviews (share it with another desk to share the loads it counts)."""
        return self.reviews.router

    @property
    def approval_rules(self) -> ApprovalRules | None:
        """The approval plans' rules, if the desk runs plans."""
        return self.reviews.rules

    @property
    def conflicts(self) -> ConflictOfInterest:
        """The conflict-of-interest port the desk checks decisions and payments against."""
        return self.reviews.conflicts

    def dispatch_notifications(self, limit: int = 100) -> int:
        """Deliver pending notifications (at least once, deduplicated by key); returns how many.

        A notification whose delivery fails stays pending for the next call.
        """
        with self._uow() as uow:
            return self._deliver(uow.outbox.pending(limit), uow)

    def _run(
        self,
        actor: Actor,
        claim_id: str,
        action: Action | None,
        request_id: str | None,
        command: Command,
    ) -> Claim:
        """Run ``command`` on the claim in one unit of work, once ``actor`` may take ``action``."""
        return self._execute(actor, claim_id, request_id, action, command, None)

    def _run_with_uow(
        self,
        actor: Actor,
        claim_id: str,
        request_id: str | None,
        command: Callable[[Claim, datetime, _Work], Claim],
    ) -> Claim:
        """Like :meth:`_run` for a command that checks itself and uses the unit of work."""
        return self._execute(actor, claim_id, request_id, None, None, command)

    def _execute(
        self,
        actor: Actor,
        claim_id: str,
        request_id: str | None,
        action: Action | None,
        command: Command | None,
        work_command: Callable[[Claim, datetime, _Work], Claim] | None,
    ) -> Claim:
        key = self._request_key(actor, request_id)
        with self._uow() as uow:
            claims = uow.claims
            if key is not None and claims.claim_for_request(key) is not None:
                claim = claims.get(claim_id)
                authorize_view(actor, claim)
                return claim
            claim = claims.get(claim_id)
            work = None
            try:
                if work_command is not None:
                    work = _Work(uow)
                    new = work_command(claim, self._clock.now(), work)
                else:
                    assert command is not None
                    if action is not None:
                        authorize(actor, claim, action)
                    new = command(claim, self._clock.now())
                # who no longer holds the claim (or a step of it) has one open claim less
                gone = self.reviews.left(claim, new)
                claims.save(new, claim.version)
                if key is not None:
                    claims.remember_request(key, claim_id)
                notifications = self._notifications(claim, new)
                if notifications:
                    outbox = uow.outbox
                    for notification in notifications:
                        outbox.add(notification)
                uow.commit()
            except BaseException:
                if work is not None:
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
        notified = texts.notified
        out = []
        claimant = new.claimant
        number = new.number
        # rendered from the stored rows: no Event is built for a notification
        for row in new.event_rows[old.version :]:
            type_ = row[1]
            if type_ not in notified or row[10] != _VISIBLE:
                continue
            if type_ == _MESSAGE and row[4] == _BY_CUSTOMER:
                continue  # nobody needs to be told about their own message
            title, body = texts.notice(row)
            out.append(
                Notification(
                    event_id(row[2], row[0]),
                    claimant.customer_id,
                    new.id,
                    number,
                    event_type(type_),
                    claimant.language,
                    f"{title} ({number})" if number else title,
                    body,
                )
            )
        return out

    def _tracking(self, claim: Claim) -> ClaimTracking:
        plan = self.reviews.plan(claim)
        sla = self.sla.evaluate(claim, self._clock.now()) if self.sla is not None else None
        return tracking(claim, self.texts, sla, plan, self.settings.reasons)

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
        request_id: str | None,
        action: Action,
        decide: Command,
        *,
        step: str | None,
        outcome: StepOutcome,
        reasons: Sequence[str] = (),
        details: dict[str, str] | None = None,
        finish: Callable[[Claim, ReviewPlan, datetime], Claim],
        then: Command | None = None,
    ) -> Claim:
        """A reviewer's decision, on the whole claim or on the plan step they hold.

        Without an approval plan, ``decide`` decides the claim. With one, the
        decision is recorded on the step (``reasons`` and ``details`` on its
        event; ``decide`` runs first only to refuse bad input at once), and
        once the plan is decided ``finish`` decides the claim. ``then``
        follows a decided claim (the payment request after an approval).
        """

        def finished(decided: Claim, done: ReviewPlan, now: datetime) -> Claim:
            claim = finish(decided, done, now)
            return claim if then is None else then(claim, now)

        def review(claim: Claim, now: datetime, work: _Work) -> Claim:
            plan = self.reviews.plan(claim)
            if plan is None:
                authorize(actor, claim, action)
                self.reviews.check_conflict(actor, claim)
                decided = decide(claim, now)
                return decided if then is None else then(decided, now)
            decide(claim, now)  # bad input is refused now, not when the plan is decided
            return self.reviews.decide_step(
                actor,
                claim,
                plan,
                now,
                work.opened,
                outcome,
                step,
                reasons,
                details or {},
                lambda decided, done: finished(decided, done, now),
            )

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
