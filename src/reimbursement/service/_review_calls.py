"""What reviewers do: decide claims or plan steps, hand work over."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from ..domain import commands as cmd
from ..domain.actors import Actor
from ..domain.authorization import authorize_staff
from ..domain.checks import require_bool, require_items
from ..domain.claim import Claim, LineDecision
from ..domain.events import EventType
from ..domain.lifecycle import Action, ClaimState
from ..domain.limits import MAX_STORED_TEXT, NOTES_IN_EVENT, ClaimLimits
from ..domain.routing import (
    AssignmentPolicy,
    PlanOutcome,
    PolicyRouter,
    Reassignment,
    ReviewPlan,
    StepOutcome,
    combined_lines,
    encode_lines,
    round_events,
)
from ..errors import ConcurrencyError, ReimbursementError, ValidationError
from ..ports import ClaimSummary, Page
from ._arguments import check_actor, check_states
from ._core import DeskCore, Step
from .views import others_claims

__all__ = ["HandOverReport", "ReviewCalls"]


def _noted(note: str) -> dict[str, str]:
    """A step decision's details: the note to the customer, if any."""
    return {"note": note} if note else {}


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


class ReviewCalls(DeskCore):
    """What reviewers do: decide claims or plan steps, hand work over, see their queue."""

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
        amount any step approved. Raises :class:`~reimbursement.errors.FourEyesError`
        for the claimant or someone linked to them. Costs the same per line
        decision on a claim of any size.
        """
        lines = require_items("lines", lines, LineDecision, "LineDecision")
        self._check_step(step)
        limits = self.settings.limits

        def decide(claim: Claim, s: Step) -> Claim:
            plan = self.reviews.authorize_review(actor, claim, Action.APPROVE)
            # with a plan, only to refuse bad input before the step is recorded
            approved = cmd.approve(claim, actor, s.now, lines, limits=limits)
            if plan is None:
                return self._approved(approved, s.now)
            details = {"lines": encode_lines(lines)} if lines else {}
            claim, done = self._decide_step(
                actor, claim, s, plan, StepOutcome.APPROVED, step, (), details
            )
            if done is None:
                return claim
            if done.outcome is PlanOutcome.RETURNED:  # another step of the stage returned it
                return _gathered_return(claim, actor, s, done, limits)
            # each line at the lowest amount any step approved
            approved = cmd.approve(claim, actor, s.now, combined_lines(claim), limits=limits)
            return self._approved(approved, s.now)

        request = self._request(actor, request_id, self.approve, tuple(lines), step)
        return self._staffs(self._run(actor, claim_id, request, decide))

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
        self._check_step(step)
        limits = self.settings.limits

        def decide(claim: Claim, s: Step) -> Claim:
            plan = self.reviews.authorize_review(actor, claim, Action.REJECT)
            # with a plan, only to refuse bad input before the step is recorded
            rejected = cmd.reject(claim, actor, s.now, reason_code, note, limits=limits)
            if plan is None:
                return rejected
            claim, done = self._decide_step(
                actor, claim, s, plan, StepOutcome.REJECTED, step, (reason_code,), _noted(note)
            )
            if done is None:
                return claim
            return cmd.reject(claim, actor, s.now, reason_code, note, limits=limits)

        request = self._request(actor, request_id, self.reject, reason_code, note, step)
        return self._staffs(self._run(actor, claim_id, request, decide))

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
        reasons = require_items("reasons", reasons, str, "texts (str)")
        self._check_step(step)

        def decide(claim: Claim, s: Step) -> Claim:
            plan = self.reviews.authorize_review(actor, claim, Action.RETURN_FOR_CORRECTION)
            return self._returned(actor, claim, s, plan, tuple(reasons), note, step)

        request = self._request(
            actor, request_id, self.return_for_correction, tuple(reasons), note, step
        )
        return self._staffs(self._run(actor, claim_id, request, decide))

    def _returned(
        self,
        actor: Actor,
        claim: Claim,
        s: Step,
        plan: ReviewPlan | None,
        reasons: tuple[str, ...],
        note: str,
        step: str | None,
    ) -> Claim:
        """``claim`` returned by ``actor`` (see :meth:`authorize_review` first).

        With a plan, the return of the step ``actor`` holds: the claim goes
        back once every step running with it is decided.
        """
        limits = self.settings.limits
        # with a plan, only to refuse bad input before the step is recorded
        returned = cmd.return_for_correction(claim, actor, s.now, reasons, note, limits=limits)
        if plan is None:
            return returned
        claim, done = self._decide_step(
            actor, claim, s, plan, StepOutcome.RETURNED, step, reasons, _noted(note)
        )
        if done is None:
            return claim
        return _gathered_return(claim, actor, s, done, limits)

    def _check_step(self, step: object) -> None:
        if step is not None:
            self._check_id("step", step)

    def _decide_step(
        self,
        actor: Actor,
        claim: Claim,
        s: Step,
        plan: ReviewPlan,
        outcome: StepOutcome,
        step: str | None,
        reasons: tuple[str, ...],
        details: dict[str, str],
    ) -> tuple[Claim, ReviewPlan | None]:
        """``actor``'s decision of the plan step they hold (``step`` names it among several)."""
        return self.reviews.decide_step(
            actor, claim, plan, s.now, s.claims, outcome, step, reasons, details
        )

    def work_queue(
        self,
        actor: Actor,
        *,
        reviewer: str | None = None,
        team: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[ClaimSummary]:
        """Claims in review held by ``reviewer`` (default: ``actor``) or by anyone in ``team``.

        Ordered by the running stage's due time (soonest first; claims with
        no SLA last), one page at a time: pass ``next_cursor`` as ``after``.
        Each line is a :class:`~reimbursement.ports.ClaimSummary` (id, number,
        customer, state, due time); open a claim with :meth:`get`.
        For staff only. Raises :class:`~reimbursement.errors.AuthorizationError`
        for customers and :class:`~reimbursement.errors.ValidationError` for
        a team on a desk whose router has no reviewer pool.
        """
        authorize_staff(check_actor(actor), "read work queues")
        for path, value in (("reviewer", reviewer), ("team", team)):
            if value is not None:
                self._check_id(path, value)
        if team is not None:
            router = self.router
            if not isinstance(router, PolicyRouter):
                raise ValidationError.at("team", "this desk's router has no teams")
            members = [r.id for r in router.pool if team in r.teams]
        else:
            members = [reviewer if reviewer is not None else actor.id]
        with self._uow() as uow:
            return uow.claims.work_queue(members, after=after, limit=limit)

    def claims_in(
        self,
        actor: Actor,
        states: Iterable[ClaimState],
        *,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Claim]:
        """Claims in any of ``states``, oldest first, one page at a time; for staff only.

        A claim the actor submitted is left out (a page may then hold fewer
        than ``limit``: follow ``next_cursor``): on their own claim a person
        is its customer, who reads it with ``track()``.
        """
        authorize_staff(check_actor(actor), "list claims")
        wanted = check_states(states)
        with self._uow() as uow:
            found = uow.claims.in_states(wanted, after=after, limit=limit)
        return others_claims(found, actor)

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
        Raises :class:`~reimbursement.errors.AuthorizationError` for customers,
        :class:`~reimbursement.errors.NotFoundError` for someone not in the pool,
        :class:`~reimbursement.errors.ValidationError` when the router is not a
        ``PolicyRouter``.
        """
        authorize_staff(check_actor(actor), "hand reviews over")
        self._check_id("reviewer_id", reviewer_id)
        require_bool("leaving", leaving)
        router = self.router
        if not isinstance(router, PolicyRouter):
            raise ValidationError.at(
                "router", f"{type(router).__name__} has no reviewer pool to hand work over in"
            )
        router.pool.get(reviewer_id)
        moved: list[Reassignment] = []
        skipped: list[str] = []
        refused: list[tuple[str, str]] = []
        for claim_id in self._held_by(reviewer_id):
            with self._uow() as uow:
                claim = uow.claims.get(claim_id)
                now = self._clock.now_after(claim.updated_at)
                try:
                    new, moves = self.reviews.hand_over_claim(
                        router,
                        actor,
                        claim,
                        reviewer_id,
                        now,
                        uow.claims,
                        policy or router.policy,
                        leaving,
                    )
                except ReimbursementError as error:
                    refused.append((claim_id, str(error)))
                    continue
                if not moves:
                    continue
                try:
                    uow.claims.save(new, claim.version, self._schedule(new, now))
                    uow.commit()
                except ConcurrencyError:
                    skipped.append(claim_id)
                    continue
            moved.extend(moves)
        return HandOverReport(tuple(moved), tuple(skipped), tuple(refused))

    def _held_by(self, reviewer_id: str) -> list[str]:
        """The ids of every claim ``reviewer_id`` holds, read page by page."""
        held: list[str] = []
        after = None
        while True:
            with self._uow() as uow:
                found = uow.claims.work_queue([reviewer_id], after=after, limit=500)
            held.extend(c.id for c in found.items)
            if found.next_cursor is None:
                return held
            after = found.next_cursor

    def open_reviews(self) -> dict[str, int]:
        """Open reviews per reviewer, as the store counts them from the stored claims.

        The same figure routing reads inside every call, in every process.
        """
        with self._uow() as uow:
            return dict(uow.claims.open_work())


def _gathered_return(
    claim: Claim, actor: Actor, s: Step, plan: ReviewPlan, limits: ClaimLimits
) -> Claim:
    """The claim back with the customer once its plan returned it: every step's reasons
    and notes, whichever step's decision (a return or an approval) completed the stage.

    However many steps noted or gave reasons, the return holds what fits in one stored
    text: the first :data:`~reimbursement.domain.limits.NOTES_IN_EVENT` distinct notes
    and as many of the first distinct reasons as a return's limits allow (each step's
    own stay on its decision's event)."""
    notes = [
        e.data["note"]
        for e in round_events(claim)
        if e.type is EventType.REVIEW_STEP_DECIDED and "note" in e.data
    ]
    note = "\n".join(_fitting(notes, "\n", NOTES_IN_EVENT))
    # as many reasons as limits may allow a return: joined, they fit in a stored text
    most = MAX_STORED_TEXT // (limits.max_reason_length + 2)
    reasons = _fitting((r.strip() for r in plan.reasons), "; ", most)
    # each step's reasons and note were checked when it was decided: together they
    # may be more than one return allows, and the stage must still end
    gathered = attrs.evolve(
        limits,
        max_reasons=max(limits.max_reasons, len(reasons)),
        max_note_length=max(limits.max_note_length, len(note)),
    )
    return cmd.return_for_correction(claim, actor, s.now, reasons, note, limits=gathered)


def _fitting(texts: Iterable[str], separator: str, most: int) -> list[str]:
    """The first distinct ``texts``, at most ``most``, whose join by ``separator`` fits in
    one stored text (``MAX_STORED_TEXT``)."""
    kept: list[str] = []
    length = 0
    for text in dict.fromkeys(t for t in texts if t):
        longer = length + len(text) + (len(separator) if kept else 0)
        if len(kept) == most or longer > MAX_STORED_TEXT:
            break
        kept.append(text)
        length = longer
    return kept
