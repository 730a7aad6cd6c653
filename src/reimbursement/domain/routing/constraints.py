"""Rules no policy can break: four-eyes, conflicts of interest, authority, one level each.

Policies only ever see reviewers that pass :func:`review_refusal`; the
:class:`~reimbursement.domain.routing.PolicyRouter` checks the final choice again
with :func:`check_may_review`, so that a custom policy that returns someone
it should not is refused with a typed error instead of being obeyed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

import attrs

from ...errors import AuthorizationError, FourEyesError
from ..claim import Claim
from ..money import Money
from .pool import Reviewer

__all__ = [
    "NO_CONFLICTS",
    "AssignmentRequest",
    "ConflictOfInterest",
    "ConflictRegister",
    "NoConflicts",
    "check_may_review",
    "check_payment_approver",
    "review_refusal",
]


class ConflictOfInterest(Protocol):
    """Port: who is linked to which customer (family, colleague, own broker...).

    ``conflicted`` must be fast (it runs for each candidate considered),
    deterministic, and raise nothing for unknown ids: unknown means not linked.
    """

    def conflicted(self, reviewer_id: str, customer_id: str) -> bool:
        """True when ``reviewer_id`` must not handle claims of ``customer_id``."""
        ...


class NoConflicts:
    """The conflict-of-interest port when nobody is linked to anybody."""

    def conflicted(self, reviewer_id: str, customer_id: str) -> bool:
        """Always ``False``."""
        return False


NO_CONFLICTS = NoConflicts()


class ConflictRegister:
    """In-memory conflict-of-interest port: a set of (reviewer, customer) links."""

    def __init__(self, links: Iterable[tuple[str, str]] = ()) -> None:
        self._links: set[tuple[str, str]] = set(links)

    def link(self, reviewer_id: str, customer_id: str) -> None:
        """Declare that ``reviewer_id`` is linked to ``customer_id``."""
        self._links.add((reviewer_id, customer_id))

    def conflicted(self, reviewer_id: str, customer_id: str) -> bool:
        """True when the two are linked."""
        return (reviewer_id, customer_id) in self._links


@attrs.frozen
class AssignmentRequest:
    """What a policy needs to know to choose a reviewer for one claim (or one plan step).

    ``day`` is the day of the assignment (absences are by day);
    ``required_authority`` the amount the reviewer must be allowed to
    approve (``None``: no authority needed, e.g. a department opinion);
    ``excluded`` people who may not take it (they decided another level);
    ``team``, when given, limits the candidates to that team's members.
    Build it with :func:`~reimbursement.domain.routing.request_for`.
    """

    claim_id: str
    customer_id: str
    day: date
    required_authority: Money | None = None
    category: str | None = None
    language: str | None = None
    region: str | None = None
    team: str | None = None
    step_id: str | None = None
    excluded: frozenset[str] = frozenset()


def _four_eyes_refusal(
    reviewer: Reviewer, request: AssignmentRequest, conflicts: ConflictOfInterest
) -> str | None:
    if reviewer.id == request.customer_id:
        return f"{reviewer.id} submitted claim {request.claim_id}"
    if reviewer.id in request.excluded:
        return f"{reviewer.id} already decided another level of claim {request.claim_id}"
    if conflicts.conflicted(reviewer.id, request.customer_id):
        return f"{reviewer.id} has a conflict of interest with customer {request.customer_id}"
    return None


def _authority_refusal(reviewer: Reviewer, request: AssignmentRequest) -> str | None:
    if reviewer.may_approve(request.required_authority):
        return None
    return (
        f"{reviewer.id} may approve up to {reviewer.authority_limit}, "
        f"claim {request.claim_id} needs {request.required_authority}"
    )


def review_refusal(
    reviewer: Reviewer, request: AssignmentRequest, conflicts: ConflictOfInterest
) -> str | None:
    """Why ``reviewer`` may never take ``request`` (four-eyes, conflict, authority), or ``None``.

    Availability and capacity are not rules but circumstances: see
    :meth:`~reimbursement.domain.routing.PolicyRouter.eligible`.
    """
    return _four_eyes_refusal(reviewer, request, conflicts) or _authority_refusal(
        reviewer, request
    )


def check_may_review(
    reviewer: Reviewer, request: AssignmentRequest, conflicts: ConflictOfInterest
) -> None:
    """Raise unless ``reviewer`` may take ``request``.

    Raises :class:`~reimbursement.errors.FourEyesError` for their own claim, a
    linked customer or a second level of the same chain, and
    :class:`~reimbursement.errors.AuthorizationError` above their authority limit.
    """
    refusal = _four_eyes_refusal(reviewer, request, conflicts)
    if refusal is not None:
        raise FourEyesError(f"{refusal}: four-eyes forbids it; choose another reviewer")
    refusal = _authority_refusal(reviewer, request)
    if refusal is not None:
        raise AuthorizationError(f"{refusal}: choose someone with a higher authority limit")


def check_payment_approver(
    claim: Claim,
    approver_id: str,
    conflicts: ConflictOfInterest = NO_CONFLICTS,
    deciders: Iterable[str] = (),
) -> None:
    """Raise :class:`FourEyesError` unless ``approver_id`` may approve the payment.

    Refused: the claimant, someone linked to them, whoever approved the
    claim, and anyone in ``deciders`` (pass ``plan.deciders()`` when the
    claim went through an approval plan).
    """
    customer = claim.claimant.customer_id
    if approver_id == customer:
        raise FourEyesError(
            f"{approver_id} submitted claim {claim.id} and cannot approve its payment"
        )
    if conflicts.conflicted(approver_id, customer):
        raise FourEyesError(
            f"{approver_id} has a conflict of interest with customer {customer} "
            f"and cannot approve the payment of claim {claim.id}"
        )
    if approver_id == claim.approver or approver_id in set(deciders):
        raise FourEyesError(
            f"{approver_id} approved claim {claim.id}; another person must approve its payment"
        )
