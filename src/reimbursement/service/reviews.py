"""How the desk routes reviews: one reviewer per claim, or an approval plan's steps.

The desk's use cases call :class:`ReviewRouting` inside their unit of work:
it asks the router, records assignments and step decisions on the claim,
and says who holds a claim in review, so that the desk can release a
reviewer whose claim left them once the unit of work commits (and take an
assignment back when it fails). Every router call is made under the
router's lock: pools are not thread-safe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from ..domain import commands as cmd
from ..domain.actors import SYSTEM, Actor
from ..domain.authorization import ROLE_ACTIONS
from ..domain.claim import Claim, LineDecision
from ..domain.events import EventType
from ..domain.lifecycle import Action, ClaimState
from ..domain.money import Money
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
    hand_over,
    record_assignment,
    record_reassignment,
    record_step_decision,
    request_for,
)
from ..errors import AuthorizationError, FourEyesError, ValidationError
from .routing import ROUND_STARTS, PlanRouter, Router, current_plan, round_events, routing_lock

__all__ = ["ReviewRouting", "combined_lines", "deciders", "encode_lines"]

_ACTIONS = {
    StepOutcome.APPROVED: Action.APPROVE,
    StepOutcome.REJECTED: Action.REJECT,
    StepOutcome.RETURNED: Action.RETURN_FOR_CORRECTION,
}


class ReviewRouting:
    """The desk's router, approval rules and conflict-of-interest port, used together.

    Raises :class:`~reimbursement.ValidationError` for approval rules with a
    router that cannot assign plan steps.
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

    # -- who holds what ----------------------------------------------------------------

    def plan(self, claim: Claim) -> ReviewPlan | None:
        """The plan of a claim in review, rebuilt from its events; ``None`` otherwise."""
        if claim.state is not ClaimState.IN_REVIEW:
            return None
        return current_plan(self.rules, claim)

    def holders(self, claim: Claim) -> Counter[str]:
        """Who holds the claim in review (the holder of each open plan step)."""
        if claim.state is not ClaimState.IN_REVIEW:
            return Counter()
        plan = current_plan(self.rules, claim)
        if plan is None:
            return Counter([claim.assignee] if claim.assignee is not None else [])
        return Counter(s.assignee for s in plan.open_steps() if s.assignee is not None)

    def left(self, old: Claim, new: Claim) -> list[str]:
        """Who held ``old`` in review and no longer holds ``new`` (once per step left)."""
        if self.rules is None:  # one reviewer per claim: no plan to replay
            before = old.assignee if old.state is ClaimState.IN_REVIEW else None
            after = new.assignee if new.state is ClaimState.IN_REVIEW else None
            return [before] if before is not None and before != after else []
        return list((self.holders(old) - self.holders(new)).elements())

    def release(self, reviewers: Iterable[str]) -> None:
        """Each of ``reviewers`` has one open claim less."""
        with self.lock:
            for reviewer in reviewers:
                self.router.release(reviewer)

    # -- assignment --------------------------------------------------------------------------

    def route(self, claim: Claim, now: datetime, opened: list[str]) -> Claim:
        """The just (re)submitted claim, in review with its reviewer or its plan's first steps.

        Every reviewer counted is appended to ``opened``.
        """
        with self.lock:
            if self.rules is not None:
                plan = self.rules.plan_for(claim)
                return self.assign_open_steps(claim, plan, now, opened, _previous_holders(claim))
            assignment = self.router.route(claim)
            opened.append(assignment.reviewer)
        if assignment.reviewer == claim.customer_id:
            raise AuthorizationError(
                f"router {assignment.policy} chose {assignment.reviewer}, who submitted the claim"
            )
        return cmd.assign(
            claim, SYSTEM, now, assignment.reviewer, assignment.policy, assignment.reason
        )

    def assign_open_steps(
        self,
        claim: Claim,
        plan: ReviewPlan,
        now: datetime,
        opened: list[str],
        previous: dict[str, str] | None = None,
    ) -> Claim:
        """Give every open step without a holder its reviewer, all at once (parallel steps).

        ``previous`` maps a step to who held it before a return: they get it back if they may.
        """
        router = self.router
        assert isinstance(router, PlanRouter)
        before = previous or {}
        with self.lock:
            for step in plan.open_steps():
                if step.assignee is not None:
                    continue
                # a department review is worth having only when someone else does each one
                others = {s.assignee for s in plan.open_steps() if s.assignee is not None}
                assignment = router.route_step(
                    claim, plan, step.id, now, excluded=others, previous=before.get(step.id)
                )
                opened.append(assignment.reviewer)
                claim = record_assignment(claim, SYSTEM, now, assignment)
                plan = plan.assign(step.id, assignment.reviewer)
        return claim

    # -- decisions -----------------------------------------------------------------------------

    def check_conflict(self, actor: Actor, claim: Claim) -> None:
        """Raise :class:`~reimbursement.FourEyesError` when ``actor`` is linked to the claimant."""
        if self.conflicts.conflicted(actor.id, claim.customer_id):
            raise FourEyesError(
                f"{actor.id} has a conflict of interest with customer {claim.customer_id} "
                f"and cannot decide claim {claim.id}; hand it over"
            )

    def decide_step(
        self,
        actor: Actor,
        claim: Claim,
        plan: ReviewPlan,
        now: datetime,
        opened: list[str],
        outcome: StepOutcome,
        step_id: str | None,
        reasons: Sequence[str],
        details: dict[str, str],
        finish: Callable[[Claim, ReviewPlan], Claim],
    ) -> Claim:
        """Record the decision of the step ``actor`` holds; ``finish`` the claim with the plan.

        While the plan is pending, the steps it opens are assigned. Raises
        :class:`~reimbursement.AuthorizationError` (wrong role, no step held),
        :class:`~reimbursement.FourEyesError` (own claim, linked customer,
        second level of a chain) and :class:`~reimbursement.ValidationError`
        (several steps held and none named).
        """
        action = _ACTIONS[outcome]
        if action not in ROLE_ACTIONS[actor.role]:
            raise AuthorizationError(
                f"{actor.id} acts as {actor.role}: cannot {action} claim {claim.id}; "
                "this needs the role reviewer"
            )
        if actor.id == claim.customer_id:
            raise FourEyesError(
                f"{actor.id} submitted claim {claim.id}: nobody reviews their own claim"
            )
        self.check_conflict(actor, claim)
        held = [
            s
            for s in plan.open_steps()
            if s.assignee == actor.id and (step_id is None or s.id == step_id)
        ]
        if not held:
            waiting = ", ".join(f"{s.id} ({s.assignee})" for s in plan.open_steps())
            named = f" {step_id!r}" if step_id is not None else ""
            raise AuthorizationError(
                f"{actor.id} holds no open review step{named} of claim {claim.id}; "
                f"open now: {waiting}"
            )
        if len(held) > 1:
            raise ValidationError.at(
                "step",
                f"{actor.id} holds {', '.join(s.id for s in held)} of claim {claim.id}: "
                "name the step decided",
            )
        step = held[0]
        decided = plan.record(step.id, actor.id, outcome, now, reasons)
        claim = record_step_decision(claim, actor, now, decided, step.id, details)
        if decided.outcome is PlanOutcome.PENDING:
            return self.assign_open_steps(claim, decided, now, opened)
        return finish(claim, decided)

    # -- hand-over -------------------------------------------------------------------------------

    def hand_over_claim(
        self,
        router: PolicyRouter,
        actor: Actor,
        claim: Claim,
        reviewer_id: str,
        now: datetime,
        policy: AssignmentPolicy,
        leaving: bool,
    ) -> tuple[Claim, list[Reassignment]]:
        """The claim with what ``reviewer_id`` holds of it reassigned, and the moves (loads moved).

        Raises what ``hand_over`` raises; nothing moves then.
        """
        if claim.state is not ClaimState.IN_REVIEW:
            return claim, []  # decided since it was listed: nothing left to hand over
        requests = self._held_requests(router, claim, reviewer_id, now)
        with self.lock:
            moves = hand_over(router, reviewer_id, requests, policy, leaving=leaving)
        try:
            for move in moves:
                claim = record_reassignment(claim, actor, now, move)
        except BaseException:
            self.undo_hand_over(router, moves)
            raise
        return claim, moves

    def undo_hand_over(self, router: PolicyRouter, moves: Sequence[Reassignment]) -> None:
        """Put the loads back as they were before ``moves`` (their claim was not saved)."""
        with self.lock:
            for move in moves:
                router.release(move.to_reviewer)
                router.pool.open(move.from_reviewer)

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


_HOLDER_EVENTS = frozenset({EventType.ASSIGNED, EventType.REASSIGNED, EventType.ESCALATED})


def _previous_holders(claim: Claim) -> dict[str, str]:
    """Who last held each plan step, over the claim's whole life (the latest holder wins)."""
    return {
        e.data["step"]: e.data["reviewer"]
        for e in claim.events
        if e.type in _HOLDER_EVENTS and "step" in e.data
    }


_STEP_DECIDED = frozenset({EventType.REVIEW_STEP_DECIDED})


def deciders(claim: Claim) -> set[str]:
    """Who decided a step of the claim's plan in its current round."""
    decided = claim.events_after_last(*ROUND_STARTS, types=_STEP_DECIDED) or ()
    return {e.data["reviewer"] for e in decided if "reviewer" in e.data}


def encode_lines(lines: Sequence[LineDecision]) -> str:
    """Line decisions as event data: one ``line<TAB>amount<TAB>reason`` row per line."""
    return "\n".join(
        f"{d.line_id}\t{d.approved.amount}\t{' '.join((d.reason or '').split())}" for d in lines
    )


def combined_lines(claim: Claim) -> list[LineDecision]:
    """The approving steps' line decisions of the current round, combined.

    The lowest amount per line wins; the reasons of every step that lowered
    the line are kept, each once, joined by ``"; "``.
    """
    lowest: dict[str, Money] = {}
    reasons: dict[str, dict[str, None]] = {}
    for event in round_events(claim):
        if event.type is not EventType.REVIEW_STEP_DECIDED:
            continue
        if event.data.get("outcome") != StepOutcome.APPROVED.value:
            continue
        for row in filter(None, event.data.get("lines", "").split("\n")):
            line_id, amount, reason = row.split("\t", 2)
            approved = Money(amount, claim.currency)
            if line_id not in lowest or approved < lowest[line_id]:
                lowest[line_id] = approved
            if reason and approved < claim.line(line_id).claimed:
                reasons.setdefault(line_id, {})[reason] = None
    return [
        LineDecision(line_id, amount, "; ".join(reasons.get(line_id, {})) or None)
        for line_id, amount in lowest.items()
    ]
