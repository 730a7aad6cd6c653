"""Who reviews a submitted claim: the router the desk asks.

The built-in :class:`RoundRobinRouter` takes turns over a list of
reviewers, skipping anyone who submitted the claim; richer policies (skills,
load, authority limits, approval plans) plug in through the same protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import attrs

from ..domain.claim import Claim
from ..errors import NoEligibleReviewerError

__all__ = ["Assignment", "RoundRobinRouter", "Router"]


@attrs.frozen
class Assignment:
    """The reviewer chosen, by which policy, and why (shown on the timeline)."""

    reviewer: str
    policy: str
    reason: str


class Router(Protocol):
    """Chooses the reviewer of a claim."""

    def route(self, claim: Claim) -> Assignment:
        """The assignment for ``claim``.

        Raises :class:`~reimbursement.NoEligibleReviewerError` when nobody may
        review it. Must never return the claim's own customer.
        """
        ...


class RoundRobinRouter:
    """Takes turns over ``reviewers``; a resubmitted claim goes back to its reviewer."""

    def __init__(self, reviewers: Sequence[str]) -> None:
        if not reviewers:
            raise NoEligibleReviewerError("a round robin needs at least one reviewer")
        self._reviewers = tuple(reviewers)
        self._next = 0
        self._lock = threading.Lock()

    def route(self, claim: Claim) -> Assignment:
        if claim.assignee is not None and claim.assignee != claim.customer_id:
            return Assignment(
                claim.assignee, "round_robin", "back to the reviewer who returned it"
            )
        with self._lock:
            for _ in self._reviewers:
                reviewer = self._reviewers[self._next]
                self._next = (self._next + 1) % len(self._reviewers)
                if reviewer != claim.customer_id:
                    return Assignment(reviewer, "round_robin", "next reviewer in turn")
        raise NoEligibleReviewerError(
            f"no reviewer may review claim {claim.id}: the only reviewer submitted it"
        )
