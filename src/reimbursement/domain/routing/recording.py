"""Routing on the claim's timeline: pure functions that append one event each.

Like the commands of :mod:`reimbursement.domain.commands`, each function
checks first, then returns a new claim with one more event; the
application service bumps the version and saves it. Every assignment,
reassignment and escalation names its policy and its reason, so the
customer and the auditor can see why a claim sat where it did.
:func:`replay_plan` rebuilds a plan's decisions from the timeline, so the
plan never needs storing apart from the claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from ...errors import InvalidTransitionError, ValidationError
from ..actors import SYSTEM, Actor
from ..claim import Claim
from ..events import EventType
from ..lifecycle import LIFECYCLE, Action, ClaimState
from .delegation import Reassignment
from .escalation import Escalation, escalate
from .plans import ReviewPlan, StepOutcome
from .router import Assignment, PolicyRouter, request_for

__all__ = [
    "escalate_claim",
    "record_assignment",
    "record_escalation",
    "record_reassignment",
    "record_step_decision",
    "replay_plan",
]


def _check(claim: Claim, claim_id: str, at: datetime, doing: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError.at(
            "at", f"{at.isoformat()} has no time zone; give an aware datetime"
        )
    if claim_id != claim.id:
        raise ValidationError.at("claim_id", f"is {claim_id}, not claim {claim.id}")
    if claim.state is not ClaimState.IN_REVIEW:
        raise InvalidTransitionError(
            claim.id, claim.state.value, doing, [a.value for a in LIFECYCLE.allowed(claim.state)]
        )


def _append(
    claim: Claim,
    actor: Actor,
    at: datetime,
    type_: EventType,
    reason: str | None,
    data: Mapping[str, str],
    to_state: ClaimState | None = None,
    assignee: str | None = None,
) -> Claim:
    events = claim.with_next_event(type_, actor, at, to_state=to_state, reason=reason, data=data)
    return attrs.evolve(
        claim,
        state=to_state if to_state is not None else claim.state,
        events=events,
        assignee=assignee if assignee is not None else claim.assignee,
    )


def _with_step(data: dict[str, str], step_id: str | None) -> dict[str, str]:
    if step_id is not None:
        data["step"] = step_id
    return data


def record_assignment(claim: Claim, actor: Actor, at: datetime, assignment: Assignment) -> Claim:
    """The claim with ``assignment`` recorded as an ASSIGNED event.

    A submitted claim moves into review (as ``commands.assign`` does); a
    claim already in review stays there (another parallel step got its
    reviewer). The claim's ``assignee`` is the first reviewer assigned.
    """
    data = _with_step(
        {"reviewer": assignment.reviewer, "policy": assignment.policy}, assignment.step_id
    )
    if claim.state is ClaimState.SUBMITTED:
        if assignment.claim_id != claim.id:
            raise ValidationError.at("claim_id", f"is {assignment.claim_id}, not claim {claim.id}")
        dest = LIFECYCLE.target(claim.id, claim.state, Action.START_REVIEW)
        return _append(
            claim,
            actor,
            at,
            EventType.ASSIGNED,
            assignment.reason,
            data,
            dest,
            assignee=assignment.reviewer,
        )
    _check(claim, assignment.claim_id, at, "assign")
    return _append(claim, actor, at, EventType.ASSIGNED, assignment.reason, data)


def record_reassignment(claim: Claim, actor: Actor, at: datetime, move: Reassignment) -> Claim:
    """The claim in review with a REASSIGNED event (delegation, hand-over)."""
    _check(claim, move.claim_id, at, "reassign")
    data = _with_step(
        {"reviewer": move.to_reviewer, "from": move.from_reviewer, "policy": move.policy},
        move.step_id,
    )
    assignee = move.to_reviewer if claim.assignee in (None, move.from_reviewer) else claim.assignee
    return _append(claim, actor, at, EventType.REASSIGNED, move.reason, data, assignee=assignee)


def record_escalation(claim: Claim, actor: Actor, at: datetime, escalation: Escalation) -> Claim:
    """The claim in review with an ESCALATED event: new holder, trigger, policy and reason.

    Targets passed over go in ``data["passed_over"]`` (one per line), for the auditor.
    """
    _check(claim, escalation.claim_id, at, "escalate")
    data = _with_step(
        {
            "reviewer": escalation.to_reviewer,
            "from": escalation.from_reviewer or "",
            "policy": escalation.policy,
            "trigger": escalation.trigger,
        },
        escalation.step_id,
    )
    if escalation.passed_over:
        data["passed_over"] = "\n".join(escalation.passed_over)
    assignee = (
        escalation.to_reviewer
        if claim.assignee in (None, escalation.from_reviewer)
        else claim.assignee
    )
    return _append(
        claim, actor, at, EventType.ESCALATED, escalation.reason, data, assignee=assignee
    )


def record_step_decision(
    claim: Claim,
    actor: Actor,
    at: datetime,
    plan: ReviewPlan,
    step_id: str,
    details: Mapping[str, str] | None = None,
) -> Claim:
    """The claim with a REVIEW_STEP_DECIDED event for the decided step ``step_id`` of ``plan``.

    Call it with the plan returned by ``plan.record``; when ``plan.outcome``
    is no longer pending, apply the claim-level command (approve, reject,
    return with ``plan.reasons``) next. ``details`` adds keys of your own to
    the event's data (the desk keeps a step's line decisions and note
    there); they never replace the keys this function writes.
    """
    _check(claim, plan.claim_id, at, "decide a review step")
    step = plan.step(step_id)
    if step.outcome is None or step.decided_by is None:
        raise ValidationError.at("step_id", f"step {step_id!r} has not been decided")
    data = {
        "step": step.id,
        "outcome": step.outcome.value,
        "reviewer": step.decided_by,
        "plan_outcome": plan.outcome.value,
        "reasons": "\n".join(step.reasons),
    }
    for key, value in (details or {}).items():
        data.setdefault(key, value)
    return _append(
        claim, actor, at, EventType.REVIEW_STEP_DECIDED, "; ".join(step.reasons) or None, data
    )


_ROUND_STARTS = frozenset({EventType.SUBMITTED, EventType.RESUBMITTED})
_HOLDERS = frozenset({EventType.ASSIGNED, EventType.REASSIGNED, EventType.ESCALATED})


def replay_plan(plan: ReviewPlan, claim: Claim) -> ReviewPlan:
    """``plan`` (fresh from the rules) with the step holders and decisions of the claim's
    current review round (events since the last submission) applied again."""
    events = claim.events
    start = max((i for i, e in enumerate(events) if e.type in _ROUND_STARTS), default=-1)
    for event in events[start + 1 :]:
        step_id = event.data.get("step")
        if step_id is None:
            continue
        if event.type in _HOLDERS:
            plan = plan.assign(step_id, event.data["reviewer"])
        elif event.type is EventType.REVIEW_STEP_DECIDED:
            reasons = tuple(r for r in event.data.get("reasons", "").split("\n") if r)
            plan = plan.record(
                step_id,
                event.data["reviewer"],
                StepOutcome(event.data["outcome"]),
                event.at,
                reasons,
            )
    return plan


def escalate_claim(
    router: PolicyRouter,
    claim: Claim,
    at: datetime,
    *,
    trigger: str = "sla_breach",
    plan: ReviewPlan | None = None,
    step_id: str | None = None,
    team: str | None = None,
    region: str | None = None,
    actor: Actor = SYSTEM,
) -> tuple[Claim, Escalation]:
    """What the SLA sweeper calls on a warning or a breach: escalate and record it.

    The holder is the step's assignee (with ``plan`` and ``step_id``) or the
    claim's. Returns the claim with its ESCALATED event and the escalation;
    the pool's loads move from the holder to the target. Raises what
    :func:`~reimbursement.domain.routing.escalation_target` raises, and
    :class:`~reimbursement.errors.InvalidTransitionError` for a claim not in review;
    nothing changes then.
    """
    _check(claim, claim.id, at, "escalate")
    request = request_for(claim, at, plan=plan, step_id=step_id, team=team, region=region)
    step = plan.step(step_id) if plan is not None and step_id is not None else None
    holder = step.assignee if step is not None else claim.assignee
    escalation = escalate(router, request, holder, step=step, trigger=trigger)
    return record_escalation(claim, actor, at, escalation), escalation
