"""What reviewers do: decide claims or plan steps, hand work over."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import attrs

from ..domain import commands as cmd
from ..domain.actors import Actor, Role
from ..domain.claim import Claim, LineDecision
from ..domain.events import EventType
from ..domain.lifecycle import Action, ClaimState
from ..domain.routing import (
    AssignmentPolicy,
    PolicyRouter,
    Reassignment,
    ReviewPlan,
    StepOutcome,
)
from ..errors import (
    AuthorizationError,
    ConcurrencyError,
    ReimbursementError,
    ValidationError,
)
from ._core import DeskCore
from .reviews import combined_lines, encode_lines
from .routing import round_events

__all__ = ["HandOverReport", "ReviewCalls"]


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
    """What reviewers do: decide claims or plan steps, hand work over."""

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
        return self._review(
            actor,
            claim_id,
            request_id,
            Action.APPROVE,
            lambda claim, now: cmd.approve(claim, actor, now, lines),
            step=step,
            outcome=StepOutcome.APPROVED,
            details={"lines": encode_lines(lines)} if lines else None,
            # each line at the lowest amount any step approved
            finish=lambda decided, _, now: cmd.approve(
                decided, actor, now, combined_lines(decided)
            ),
            then=self._approved,
        )

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
        return self._review(
            actor,
            claim_id,
            request_id,
            Action.REJECT,
            lambda claim, now: cmd.reject(claim, actor, now, reason_code, note),
            step=step,
            outcome=StepOutcome.REJECTED,
            reasons=(reason_code,),
            details={"note": note} if note else None,
            finish=lambda decided, _, now: cmd.reject(decided, actor, now, reason_code, note),
        )

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

        def finish(decided: Claim, done: ReviewPlan, now: datetime) -> Claim:
            # one return to the customer: every step's reasons and notes
            notes = [
                e.data["note"]
                for e in round_events(decided)
                if e.type is EventType.REVIEW_STEP_DECIDED and "note" in e.data
            ]
            return cmd.return_for_correction(
                decided, actor, now, done.reasons, "\n".join(dict.fromkeys(notes))
            )

        return self._review(
            actor,
            claim_id,
            request_id,
            Action.RETURN_FOR_CORRECTION,
            lambda claim, now: cmd.return_for_correction(claim, actor, now, reasons, note),
            step=step,
            outcome=StepOutcome.RETURNED,
            reasons=reasons,
            details={"note": note} if note else None,
            finish=finish,
        )

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
