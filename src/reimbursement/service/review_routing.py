"""How the desk routes reviews: one reviewer per claim, or an approval plan's steps.

The desk's calls use :class:`ReviewRouting` inside their unit of work. It
reads the reviewers' loads from the store (``ClaimRepository.open_work``),
hands them to the router, and records assignments and step decisions on the
claim. Loads are never kept between calls: a failed unit of work leaves
nothing to undo, and every process routes on what the stored claims say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor
from ..domain.authorization import (
    authorize,
    authorize_assignment,
    authorize_step_decision,
    authorize_step_holder,
    authorize_unconflicted,
)
from ..domain.claim import Claim
from ..domain.lifecycle import Action, ClaimState
from ..domain.routing import (
    NO_CONFLICTS,
    ApprovalRules,
    AssignmentPolicy,
    AssignmentRequest,
    ConflictOfInterest,
    PlanOutcome,
    PolicyRouter,
    Reassignment,
    ReviewPlan,
    StepOutcome,
    current_plan,
    hand_over,
    previous_holders,
    record_assignment,
    record_reassignment,
    record_step_decision,
    request_for,
)
from ..errors import ValidationError
from ..ports import ClaimRepository
from .routers import PlanRouter, Router, routing_lock

__all__ = ["ReviewRouting"]


class ReviewRouting:
    """The desk's router, approval rules and conflict-of-interest port, used together.

    Raises :class:`~reimbursement.errors.ValidationError` for approval rules
    with a router that cannot assign plan steps.
    """

    def __init__(
        self,
        router: Router,
        rules: ApprovalRules | None = None,
        conflicts: ConflictOfInterest | None = None,
    ) -> None:
        if rules is not None and not isinstance(router, PlanRouter):
            raise ValidationError.at(
                "router",
                f"{type(router).__name__} cannot assign plan steps (route_step): "
                "approval plans need a PolicyRouter or another PlanRouter",
            )
        if conflicts is None:
            conflicts = router.conflicts if isinstance(router, PolicyRouter) else NO_CONFLICTS
        self.router = router
        self.rules = rules
        self.conflicts = conflicts
        self.lock = routing_lock(router)

    def plan(self, claim: Claim) -> ReviewPlan | None:
        """The plan of a claim in review, rebuilt from its events; ``None`` otherwise."""
        if claim.state is not ClaimState.IN_REVIEW:
            return None
        return current_plan(self.rules, claim)

    def _loads(self, claims: ClaimRepository) -> Mapping[str, int]:
        """Every reviewer's open work as stored; a policy router's pool takes it at once."""
        loads = claims.open_work()
        if isinstance(self.router, PolicyRouter):
            self.router.pool.sync(loads)
        return loads

    # -- assignment --------------------------------------------------------------------------

    def route(self, claim: Claim, now: datetime, claims: ClaimRepository) -> Claim:
        """The just (re)submitted claim, in review with its reviewer or its plan's first steps."""
        with self.lock:
            if self.rules is not None:
                self._loads(claims)
                plan = self.rules.plan_for(claim)
                return self._assign_open_steps(claim, plan, now, previous_holders(claim))
            assignment = self.router.route(claim, claims.open_work())  # the router syncs
        authorize_assignment(claim, assignment)
        return cmd.assign(
            claim, SYSTEM, now, assignment.reviewer, assignment.policy, assignment.reason
        )

    def _assign_open_steps(
        self, claim: Claim, plan: ReviewPlan, now: datetime, previous: dict[str, str]
    ) -> Claim:
        """Give every open step without a holder its reviewer, all at once (parallel steps).

        ``previous`` maps a step to who held it before a return: they get it back if they may.
        The router counts each step it assigns, so parallel steps spread out.
        """
        router = self.router
        assert isinstance(router, PlanRouter)
        for step in plan.open_steps():
            if step.assignee is not None:
                continue
            # a department review is worth having only when someone else does each one
            others = {s.assignee for s in plan.open_steps() if s.assignee is not None}
            assignment = router.route_step(
                claim, plan, step.id, now, excluded=others, previous=previous.get(step.id)
            )
            claim = record_assignment(claim, SYSTEM, now, assignment)
            plan = plan.assign(step.id, assignment.reviewer)
        return claim

    # -- decisions -----------------------------------------------------------------------------

    def authorize_review(self, actor: Actor, claim: Claim, action: Action) -> ReviewPlan | None:
        """Check that ``actor`` may decide ``claim``, and give its plan (``None``: it has none).

        Without a plan: role, assignee, four-eyes, conflicts. With one, for a
        step of it: role, claimant, conflicts (:meth:`decide_step` finds the
        step they hold).
        """
        plan = self.plan(claim)
        if plan is None:
            authorize(actor, claim, action)  # role, own claim, assignee
            authorize_unconflicted(actor, claim, self.conflicts)
        else:
            authorize_step_decision(actor, claim, action, self.conflicts)
        return plan

    def decide_step(
        self,
        actor: Actor,
        claim: Claim,
        plan: ReviewPlan,
        now: datetime,
        claims: ClaimRepository,
        outcome: StepOutcome,
        step_id: str | None,
        reasons: Sequence[str],
        details: dict[str, str],
    ) -> tuple[Claim, ReviewPlan | None]:
        """Record the decision of the step ``actor`` holds (see :meth:`authorize_review` first).

        Returns the claim and the plan once it is decided (``None`` while it
        is pending: the steps it opens are then assigned). Raises
        :class:`~reimbursement.errors.AuthorizationError` (wrong role, no step
        held), :class:`~reimbursement.errors.FourEyesError` (own claim, linked
        customer, second level of a chain) and
        :class:`~reimbursement.errors.ValidationError` (several steps held and
        none named).
        """
        held = authorize_step_holder(actor, claim, plan, step_id)
        if len(held) > 1:
            raise ValidationError.at(
                "step",
                f"{actor.id} holds {', '.join(s.id for s in held)} of claim {claim.id}: "
                "name the step decided",
            )
        step = held[0]
        decided = plan.record(step.id, actor.id, outcome, now, reasons)
        claim = record_step_decision(claim, actor, now, decided, step.id, details)
        if decided.outcome is not PlanOutcome.PENDING:
            return claim, decided
        with self.lock:
            self._loads(claims)
            return self._assign_open_steps(claim, decided, now, {}), None

    # -- hand-over -------------------------------------------------------------------------------

    def hand_over_claim(
        self,
        router: PolicyRouter,
        actor: Actor,
        claim: Claim,
        reviewer_id: str,
        now: datetime,
        claims: ClaimRepository,
        policy: AssignmentPolicy,
        leaving: bool,
    ) -> tuple[Claim, list[Reassignment]]:
        """The claim with what ``reviewer_id`` holds of it reassigned, and the moves.

        Raises what ``hand_over`` raises; nothing moves then.
        """
        if claim.state is not ClaimState.IN_REVIEW:
            return claim, []  # decided since it was listed: nothing left to hand over
        requests = self._held_requests(router, claim, reviewer_id, now)
        with self.lock:
            self._loads(claims)
            moves = hand_over(router, reviewer_id, requests, policy, leaving=leaving)
        for move in moves:
            claim = record_reassignment(claim, actor, now, move)
        return claim, moves

    def _held_requests(
        self, router: PolicyRouter, claim: Claim, reviewer_id: str, now: datetime
    ) -> list[AssignmentRequest]:
        team = router.team_of(claim) if router.team_of else None
        region = router.region_of(claim) if router.region_of else None
        plan = self.plan(claim)
        if plan is None:
            if claim.assignee != reviewer_id:
                return []
            return [request_for(claim, now, team=team, region=region)]
        open_steps = plan.open_steps()
        holders = {s.assignee for s in open_steps if s.assignee is not None}
        return [
            request_for(
                claim,
                now,
                plan=plan,
                step_id=s.id,
                team=team,
                region=region,
                excluded=holders - {reviewer_id},
            )
            for s in open_steps
            if s.assignee == reviewer_id
        ]
