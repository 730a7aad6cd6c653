"""The desk's machinery: one path through every call, and the shared steps.

Every call that changes a claim goes through :meth:`DeskCore._run`, which
reads top to bottom as the use case does: read the claim (or replay a
request already done), let the call authorize and decide (a pure domain
command), save over the version read with the claim's SLA schedule, stage
the notifications in the same transaction, commit, then deliver, and
answer: the whole claim to staff who may read it whole, the customer's
part (:class:`~reimbursement.service.CustomerClaim`) to anyone else, so no
call can hand a customer internal notes, staff ids or internal events.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor, Role
from ..domain.authorization import authorize_view, reads_whole
from ..domain.checklist import checklist
from ..domain.checks import require_text
from ..domain.claim import Claim
from ..domain.commands.privacy import refuse_personal_input
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..domain.routing import ApprovalRules, ConflictOfInterest
from ..domain.sla import SlaPolicy
from ..errors import (
    ConcurrencyError,
    DuplicateRequestError,
    RequestMismatchError,
    ValidationError,
)
from ..ports import (
    NO_SCHEDULE,
    ClaimRepository,
    ClaimSchedule,
    Notification,
    Outbox,
    RequestRecord,
)
from ._arguments import CheckedClock, Produced, Request, canonical, check_actor
from ._notices import breach_notices, claim_notices
from .adapters import Adapters, DeskSettings
from .dispatch import Dispatcher
from .review_routing import ReviewRouting
from .routers import Router
from .straight_through import StraightThroughReview
from .sweeper import BreachEscalation
from .texts import DEFAULT_TEXTS, CustomerTexts
from .views import ClaimTracking, CustomerClaim, tracking

__all__ = ["Answer", "DeskCore", "Request", "Step"]

CONFLICT_RETRIES = 3
"""How often a call marked safe to retry is run again on a fresh read after a conflict."""

WORDINGS_KEPT = 64
"""How many readers' languages :meth:`DeskCore._texts_for` keeps the wording of."""


def _new_id() -> str:
    return uuid.uuid4().hex


class Step:
    """What a call's decision may use inside its unit of work: the time and the claims."""

    __slots__ = ("claims", "now")  # a plain class: one is made per call

    def __init__(self, now: datetime, claims: ClaimRepository) -> None:
        self.now = now
        self.claims = claims


Decide = Callable[[Claim, Step], Claim]
"""A call's decision: authorize, then return the new claim (a pure domain command)."""

Answer = Claim | CustomerClaim
"""What a call that changes a claim answers: see :meth:`DeskCore._answer`."""


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
        escalation: BreachEscalation | None = None,
        approval_rules: ApprovalRules | None = None,
        conflicts: ConflictOfInterest | None = None,
        straight_through: StraightThroughReview | None = None,
    ) -> None:
        self.reviews = ReviewRouting(router, approval_rules, conflicts)
        self.straight_through = straight_through
        self.adapters = adapters
        self.settings = settings if settings is not None else DeskSettings()
        self.texts = texts
        self._wordings: tuple[CustomerTexts, dict[str, CustomerTexts]] = (texts, {})
        self._new_id = new_id if new_id is not None else _new_id
        self.sla = sla
        self.escalation = escalation
        self._uow = adapters.unit_of_work
        self._clock = CheckedClock(adapters.clock)
        self._dispatcher = Dispatcher(
            adapters.outbox, adapters.notifier, self._clock, self.settings.delivery
        )

    @property
    def router(self) -> Router:
        """Who assigns reviews."""
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
        """Deliver up to ``limit`` pending notifications; returns how many were delivered.

        At least once, deduplicated by key, in order per claim; a failed
        delivery is retried later with backoff (``settings.delivery``) and
        parked after its last attempt. Safe to call from many processes.
        Raises :class:`~reimbursement.errors.ValidationError` for a ``limit``
        below 1.
        """
        return self._dispatcher.dispatch(limit)

    # -- the one path ----------------------------------------------------------------------

    def _run(
        self,
        actor: Actor,
        claim_id: str,
        request: Request | None,
        decide: Decide,
        *,
        retry_on_conflict: bool = False,
    ) -> Answer:
        """Run one call on one claim in one unit of work; see the module docstring.

        A request key that another unit of work committed first is answered
        by replaying; with ``retry_on_conflict`` (calls whose decision does
        not depend on what the actor saw) a stale save is retried on a fresh
        read, at most :data:`CONFLICT_RETRIES` times.
        """
        done = self._commit(actor, claim_id, request, decide, retry_on_conflict)
        return self._answer(actor, done.claim)

    def _answer(self, actor: Actor, claim: Claim) -> Answer:
        """``claim`` as ``actor`` may read it: whole for staff who may read it whole
        (``authorize_staff_read``), else the customer's part. Every call that
        answers with a claim answers through here."""
        return claim if reads_whole(actor, claim) else CustomerClaim.of(claim)

    @staticmethod
    def _customers(answer: Answer) -> CustomerClaim:
        """The answer of a call only a claim's customer may make (authorized so)."""
        assert isinstance(answer, CustomerClaim), "a customer's call answered a whole claim"
        return answer

    @staticmethod
    def _staffs(answer: Answer) -> Claim:
        """The answer of a call only staff may make, never on their own claim (authorized so)."""
        assert isinstance(answer, Claim), "a staff call answered a customer's part"
        return answer

    def _commit(
        self,
        actor: Actor,
        claim_id: str,
        request: Request | None,
        decide: Decide,
        retry_on_conflict: bool,
    ) -> Produced:
        """The claim after the call committed or was replayed, and the call's version."""
        # the actor was checked by self._request, which every call that changes a claim asks
        self._check_id("claim_id", claim_id)
        attempts = CONFLICT_RETRIES if retry_on_conflict else 0
        replays = 1
        while True:
            try:
                return self._once(actor, claim_id, request, decide)
            except DuplicateRequestError:
                if replays == 0:
                    raise
                replays -= 1  # the next pass finds the first call's record and replays it
            except ConcurrencyError:
                if attempts == 0:
                    raise
                attempts -= 1

    def _once(
        self, actor: Actor, claim_id: str, request: Request | None, decide: Decide
    ) -> Produced:
        with self._uow() as uow:
            claims = uow.claims
            claim = claims.get(claim_id)
            if request is not None and (done := claims.request(request.key)) is not None:
                return self._replay(actor, request, done, claim_id, claims)
            self._check_growth(actor, claim)
            now = self._clock.now_after(claim.updated_at)
            new = decide(claim, Step(now, claims))
            refuse_personal_input(claim, new)  # docs/privacy.md: nothing personal after erasure
            claims.save(new, claim.version, self._schedule(new, now))
            if request is not None:
                claims.remember_request(request.record(new))
            leased = self._stage(uow.outbox, self._notifications(claim, new), now)
            uow.commit()
            if leased:
                self._dispatcher.deliver_leased(uow.outbox.leased)
        return Produced(new, new.version)

    def _viewed(self, actor: Actor, claim_id: str) -> Claim:
        """The claim ``claim_id`` for a call that reads it, as anyone who may view it may."""
        self._check_read(actor, "claim_id", claim_id)
        with self._uow() as uow:
            claim = uow.claims.get(claim_id)
        authorize_view(actor, claim)
        return claim

    def _check_read(self, actor: object, path: str, value: object) -> None:
        """The actor and the id given to a call that reads (``_run`` checks those that change)."""
        check_actor(actor)
        self._check_id(path, value)

    def _check_id(self, path: str, value: object) -> str:
        """``value`` when it is an id (a non-empty one-line ``str`` within the id length)."""
        return require_text(path, value, self.settings.limits.max_id_length, empty=False)

    def _check_growth(self, actor: Actor, claim: Claim) -> None:
        """Refuse a customer's call on a claim whose timeline is full (see ``ClaimLimits``)."""
        limit = self.settings.limits.max_customer_events
        if actor.role is Role.CUSTOMER and claim.version >= limit:
            raise ValidationError.at(
                "claim",
                f"claim {claim.id} holds {claim.version:,} events, the most a customer's "
                "calls may make; ask the insurer for help with it",
            )

    def _replay(
        self,
        actor: Actor,
        request: Request,
        done: RequestRecord,
        claim_id: str | None,
        claims: ClaimRepository,
    ) -> Produced:
        """What the first call with this request produced, if it asked for the same thing:
        the claim as it left it, kept with the key, which every answer is shaped from (the
        claim now when none was kept: an old key, or personal data erased since)."""
        if done.fingerprint != request.fingerprint or claim_id not in (None, done.claim_id):
            raise RequestMismatchError(
                "this request id was already used for another call or other arguments: "
                "send a new request id for a new call"
            )
        claim = claims.get(done.claim_id)
        authorize_view(actor, claim)  # who may see the claim now
        return Produced(claim if done.answer is None else done.answer, done.version)

    def _request(
        self, actor: Actor, request_id: str | None, call: Callable[..., object], *arguments: object
    ) -> Request | None:
        """The request of ``call`` with ``arguments``, when sent with a request id.

        The claim a request acts on is checked by the replay itself, so only
        the call (its name) and its other arguments are fingerprinted.
        Every call that changes a claim asks this first: it checks the actor.
        """
        check_actor(actor)
        if request_id is None:
            return None
        self._check_id("request_id", request_id)
        # a JSON pair cannot collide the way "actor<sep>id" can
        key = json.dumps([actor.id, request_id], ensure_ascii=False, separators=(",", ":"))
        described = json.dumps(
            [call.__name__, actor.role.value, [canonical(a) for a in arguments]],
            ensure_ascii=False,
        )
        return Request(key, hashlib.sha256(described.encode()).hexdigest())

    def _schedule(self, claim: Claim, now: datetime) -> ClaimSchedule:
        """When the claim is due and when the sweeper must look at it next."""
        if self.sla is None or claim.state.is_final:
            return NO_SCHEDULE
        return self.sla.schedule(claim, now)

    # -- notifications ---------------------------------------------------------------------

    def _stage(self, outbox: Outbox, notifications: list[Notification], now: datetime) -> bool:
        """Add ``notifications`` to the unit of work; True when its commit leases them to us.

        Delivered right after the commit (``dispatch_immediately``), they are
        leased in the commit itself, so delivery takes no transaction of its own.
        """
        if not notifications:
            return False
        for notification in notifications:
            outbox.add(notification)
        if not self.settings.dispatch_immediately:
            return False
        outbox.lease_on_commit(now + self.settings.delivery.lease)
        return True

    def _lease_end(self) -> datetime:
        """When a delivery lease taken now ends."""
        return self._clock.now() + self.settings.delivery.lease

    def _texts_for(self, language: str) -> CustomerTexts:
        """``self.texts.for_language(language)``, made once per language.

        Every call that notifies asks for the claimant's wording, and making
        it anew (``attrs.evolve`` through the texts' converters, which
        normalise every translation's tag) cost the in-memory lifecycle 6.5 %
        of its instructions (3,216k against 3,008k per claim, cachegrind,
        ``benchmarks/instructions.py``) and 11-15 % of its CPU time. Texts
        are frozen and ``for_language`` a function of the tag, so the answer
        is kept per tag, at most :data:`WORDINGS_KEPT` of them; texts
        assigned to the desk later start afresh.
        """
        texts, kept = self._wordings
        if texts is not self.texts:
            texts, kept = self._wordings = (self.texts, {})
        found = kept.get(language)
        if found is None:
            if len(kept) >= WORDINGS_KEPT:
                kept.clear()
            found = kept[language] = texts.for_language(language)
        return found

    def _notifications(self, old: Claim, new: Claim) -> list[Notification]:
        texts = self._texts_for(new.claimant.language)
        return claim_notices(texts, self.settings.reasons, old, new)

    def _tracking(self, claim: Claim, language: str | None = None) -> ClaimTracking:
        plan = self.reviews.plan(claim)
        sla = self.sla.evaluate(claim, self._clock.now()) if self.sla is not None else None
        documents = checklist(claim, self.settings.requirements).for_customer()
        return tracking(claim, self.texts, sla, plan, self.settings.reasons, documents, language)

    def _breach_notices(self, old: Claim, new: Claim) -> list[Notification]:
        """Tell the customer when a promise is broken, and what we now expect."""
        assert self.sla is not None
        texts = self._texts_for(new.claimant.language)
        return breach_notices(texts, self.sla, self.escalation is not None, old, new)

    # -- shared steps ----------------------------------------------------------------------

    def _review(self, claim: Claim, step: Step) -> Claim:
        """The just submitted claim: approved straight through, or routed to its reviewer."""
        if self.straight_through is not None:
            request_payment = self.settings.auto_request_payment
            claim = self.straight_through.screen(
                claim, step.now, step.claims, request_payment=request_payment
            )
            if claim.state is not ClaimState.SUBMITTED:  # approved by the rules
                return claim
        return self.reviews.route(claim, step.now, step.claims)

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
        if amount.currency == threshold.currency and amount < threshold:
            return cmd.approve_payment(requested, SYSTEM, now, automatic=True)
        return requested

    def _convert(self, amount: Money, currency: str, on: date) -> tuple[Money, Decimal | None]:
        if amount.currency == currency:
            return amount, None
        rate = self.adapters.fx_rates.rate(amount.currency, currency, on)
        return amount.convert(currency, rate), rate
