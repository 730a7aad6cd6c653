"""Who reviews a submitted claim: the router the desk asks, and its escalation.

The desk speaks to a :class:`Router`: ``route`` chooses the reviewer of a
claim from the loads the store holds. With approval plans the router must
also assign plan steps (:class:`PlanRouter`).
:class:`~reimbursement.domain.routing.PolicyRouter` is both;
:class:`RoundRobinRouter` is one over plain reviewer ids, taking turns.
:class:`RoutingEscalation` plugs the routing domain's escalation into the
SLA sweeper.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from ..domain import commands as cmd
from ..domain.actors import SYSTEM
from ..domain.claim import Claim
from ..domain.events import Visibility
from ..domain.lifecycle import ClaimState
from ..domain.routing import (
    NO_CONFLICTS,
    ApprovalRules,
    Assignment,
    ConflictOfInterest,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    ReviewPlan,
    RoundRobin,
    current_plan,
    escalate_claim,
)
from ..domain.sla import SlaCrossing
from ..errors import NoEligibleReviewerError, ReimbursementError

__all__ = [
    "Assignment",
    "PlanRouter",
    "RoundRobinRouter",
    "Router",
    "RoutingEscalation",
    "routing_lock",
]

_LOCKS: weakref.WeakKeyDictionary[object, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()
_SHARED = threading.RLock()


def routing_lock(router: object) -> threading.RLock:
    """The lock that serializes every use of ``router`` (pools are not thread-safe).

    It guards the pool's counts while one call routes; the counts themselves
    come from the store on every call (``ReviewerPool.sync``).

    One per router, so desks and sweepers sharing a router share its lock;
    a router that cannot be weakly referenced shares one process-wide lock.
    """
    with _LOCKS_GUARD:
        try:
            lock = _LOCKS.get(router)
            if lock is None:
                lock = _LOCKS[router] = threading.RLock()
        except TypeError:
            return _SHARED
    return lock


class Router(Protocol):
    """Chooses the reviewer of a claim, from the loads the store holds."""

    def route(self, claim: Claim, loads: Mapping[str, int]) -> Assignment:
        """The assignment for ``claim``, given each reviewer's open work (``loads``).

        ``loads`` is what the store counts inside the desk's transaction
        (reviewers not listed hold nothing). Raises
        :class:`~reimbursement.errors.NoEligibleReviewerError` when nobody may
        review it. Must never return the claim's own customer.
        """
        ...


@runtime_checkable
class PlanRouter(Router, Protocol):
    """A router that can also assign the steps of an approval plan."""

    def route_step(
        self,
        claim: Claim,
        plan: ReviewPlan,
        step_id: str,
        at: datetime,
        *,
        excluded: Iterable[str] = (),
        previous: str | None = None,
    ) -> Assignment:
        """The counted assignment of the open step ``step_id`` (see ``PolicyRouter``)."""
        ...


class RoundRobinRouter(PolicyRouter):
    """A :class:`~reimbursement.domain.routing.PolicyRouter` taking turns over plain ids.

    No skills, teams, authority or capacity limits: the shortest way to a
    working desk. The submitter (and anyone ``conflicts`` links to the
    customer) is skipped; a resubmitted claim goes back to the reviewer who
    returned it. Raises :class:`~reimbursement.errors.NoEligibleReviewerError` for
    an empty list, :class:`~reimbursement.errors.DuplicateError` for a repeated id.
    """

    def __init__(
        self, reviewers: Sequence[str], conflicts: ConflictOfInterest = NO_CONFLICTS
    ) -> None:
        if not reviewers:
            raise NoEligibleReviewerError("a round robin needs at least one reviewer")
        pool = ReviewerPool(Reviewer(r, capacity=sys.maxsize) for r in reviewers)
        super().__init__(pool, conflicts, RoundRobin())


class RoutingEscalation:
    """The SLA sweeper's escalation through the routing domain.

    On a breach of a claim in review, each open plan step (or the claim,
    without a plan) goes to its escalation target (the step's named target,
    the team lead, the next authority level) and an ESCALATED event records
    it. When nobody can take it over, an internal note says why and the
    claim stays where it is: the breach is still recorded.
    """

    def __init__(self, router: PolicyRouter, rules: ApprovalRules | None = None) -> None:
        self.router = router
        self.rules = rules

    def escalate(
        self, claim: Claim, crossing: SlaCrossing, at: datetime, loads: Mapping[str, int]
    ) -> Claim:
        """``claim`` with its escalations recorded (unchanged unless it is in review)."""
        if claim.state is not ClaimState.IN_REVIEW:
            return claim
        with routing_lock(self.router):
            self.router.pool.sync(loads)
            return self._escalate(claim, crossing, at)

    def _escalate(self, claim: Claim, crossing: SlaCrossing, at: datetime) -> Claim:
        trigger = f"sla_{crossing.kind.value}"
        plan = current_plan(self.rules, claim)
        steps = [s.id for s in plan.open_steps()] if plan is not None else [None]
        for step_id in steps:
            try:
                claim, _ = escalate_claim(
                    self.router, claim, at, trigger=trigger, plan=plan, step_id=step_id
                )
            except ReimbursementError as error:
                where = f" step {step_id}" if step_id else ""
                note = f"Escalation of{where} found nobody to take it over: {error}"
                claim = cmd.post_message(claim, SYSTEM, at, note, Visibility.INTERNAL)
        return claim
