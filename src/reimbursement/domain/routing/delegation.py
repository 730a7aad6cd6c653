"""Out-of-office delegation (A → B → C, loops refused) and handing over open work.

An absent reviewer's delegate takes their work; if the delegate is away
too, their own delegate does, and so on. A chain that comes back to
someone already in it raises :class:`~reimbursement.errors.DelegationLoopError`
naming the whole circle, so that it can be fixed rather than silently cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import attrs

from ...errors import (
    DelegationLoopError,
    NoEligibleReviewerError,
    NotFoundError,
    ReimbursementError,
)
from .constraints import AssignmentRequest
from .policies import AssignmentPolicy
from .pool import ReviewerPool
from .router import PolicyRouter

__all__ = ["Delegation", "Reassignment", "check_delegations", "delegate_for", "hand_over"]


@attrs.frozen
class Delegation:
    """Who works in place of ``path[0]`` on a day: the last of ``path``."""

    path: tuple[str, ...]
    day: date

    @property
    def reviewer(self) -> str:
        """Who actually takes the work."""
        return self.path[-1]

    @property
    def delegated(self) -> bool:
        """True when someone other than the first reviewer takes it."""
        return len(self.path) > 1

    def describe(self) -> str:
        """``"ana is away on 2026-12-01; delegation ana → ben"``."""
        if not self.delegated:
            return f"{self.reviewer} is working on {self.day}"
        return f"{self.path[0]} is away on {self.day}; delegation " + " → ".join(self.path)


def delegate_for(pool: ReviewerPool, reviewer_id: str, day: date) -> Delegation:
    """Follow the out-of-office delegates of ``reviewer_id`` on ``day`` to someone working.

    Raises :class:`~reimbursement.errors.DelegationLoopError` when the chain comes
    back on itself, :class:`~reimbursement.errors.NoEligibleReviewerError` when it
    ends with someone away who names no delegate, and
    :class:`~reimbursement.errors.NotFoundError` for a delegate not in the pool.
    """
    path = [reviewer_id]
    current = pool.get(reviewer_id)
    while (absence := current.away_on(day)) is not None:
        delegate = absence.delegate
        if delegate is None:
            raise NoEligibleReviewerError(
                f"{current.id} is away {absence.start}–{absence.end} and names no delegate "
                f"(delegation {' → '.join(path)}): name one or assign by policy"
            )
        if delegate in path:
            circle = " → ".join([*path[path.index(delegate) :], delegate])
            raise DelegationLoopError.at(
                f"reviewers[{current.id}].absences", f"delegates go round in a circle: {circle}"
            )
        if delegate not in pool:
            raise NotFoundError(f"{current.id} delegates to {delegate!r}, who is not in the pool")
        path.append(delegate)
        current = pool.get(delegate)
    return Delegation(tuple(path), day)


def check_delegations(pool: ReviewerPool, day: date) -> None:
    """Raise :class:`DelegationLoopError` if any delegation chain loops on ``day``.

    Run it when absences change, to refuse a circle when it is entered
    rather than when work falls into it. Chains that end with no delegate
    are allowed here (the policy then assigns by other means).
    """
    for reviewer in pool:
        try:
            delegate_for(pool, reviewer.id, day)
        except DelegationLoopError:
            raise
        except ReimbursementError:
            continue


@attrs.frozen
class Reassignment:
    """One open claim (or step) moved from one reviewer to another, by which policy and why."""

    claim_id: str
    from_reviewer: str
    to_reviewer: str
    policy: str
    reason: str
    step_id: str | None = None


def hand_over(
    router: PolicyRouter,
    reviewer_id: str,
    open_work: Sequence[AssignmentRequest],
    policy: AssignmentPolicy,
    *,
    leaving: bool = False,
) -> list[Reassignment]:
    """Move the open work of ``reviewer_id`` to others; loads are updated.

    When the reviewer is away on a request's day and their delegation chain
    ends with someone allowed to take it, that person gets it (policy
    ``"delegation"``). Otherwise, or when ``leaving`` (they leave for good),
    ``policy`` chooses among everyone else. Raises what the router raises
    (:class:`~reimbursement.errors.NoEligibleReviewerError`...) and
    :class:`~reimbursement.errors.DelegationLoopError`; nothing is moved then.
    """
    pool = router.pool
    pool.get(reviewer_id)
    moves: list[Reassignment] = []
    try:
        for request in open_work:
            move = _move(router, reviewer_id, request, policy, leaving)
            pool.open(move.to_reviewer)  # later choices see the new loads
            moves.append(move)
    except ReimbursementError:
        for move in moves:
            pool.close(move.to_reviewer)
        raise
    for _ in moves:
        if pool.load(reviewer_id) > 0:
            pool.close(reviewer_id)
    return moves


def _move(
    router: PolicyRouter,
    reviewer_id: str,
    request: AssignmentRequest,
    policy: AssignmentPolicy,
    leaving: bool,
) -> Reassignment:
    why = "leaves the team" if leaving else "hands it over"
    if not leaving and router.pool.get(reviewer_id).away_on(request.day) is not None:
        delegation = delegate_for(router.pool, reviewer_id, request.day)
        if router.eligible(request)(delegation.reviewer):
            return Reassignment(
                request.claim_id,
                reviewer_id,
                delegation.reviewer,
                "delegation",
                delegation.describe(),
                request.step_id,
            )
        why = f"is away and {delegation.reviewer} may not take it"
    others = attrs.evolve(request, excluded=request.excluded | {reviewer_id})
    chosen = router.choose(others, policy)
    return Reassignment(
        request.claim_id,
        reviewer_id,
        chosen.reviewer,
        chosen.policy,
        f"{reviewer_id} {why}; {chosen.reason}",
        request.step_id,
    )
