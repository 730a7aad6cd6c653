"""A claim's review rounds, read from its events: plans, holders, deciders, line decisions.

A round starts at each (re)submission. What an approval plan decided in
the current round is rebuilt from the round's events, so nothing about a
plan is stored apart from the claim.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..claim import Claim, LineDecision
from ..events import Event, EventType
from ..money import Money
from .plans import ApprovalRules, ReviewPlan, StepOutcome
from .recording import replay_plan

__all__ = [
    "ROUND_STARTS",
    "combined_lines",
    "current_plan",
    "deciders",
    "encode_lines",
    "previous_holders",
    "round_events",
]

ROUND_STARTS = frozenset({EventType.SUBMITTED, EventType.RESUBMITTED})
"""The events that start a review round."""

_HOLDER_EVENTS = frozenset({EventType.ASSIGNED, EventType.REASSIGNED, EventType.ESCALATED})
_STEP_DECIDED = frozenset({EventType.REVIEW_STEP_DECIDED})


def round_events(claim: Claim) -> tuple[Event, ...]:
    """The events of the claim's current review round: since its last (re)submission."""
    return claim.events_after_last(*ROUND_STARTS) or ()


def current_plan(rules: ApprovalRules | None, claim: Claim) -> ReviewPlan | None:
    """The approval plan of the claim's current round, rebuilt from its events.

    ``None`` without rules, or when the round assigned no plan step (the
    claim is reviewed as a whole).
    """
    if rules is None:
        return None
    if not any("step" in e.data and e.type is EventType.ASSIGNED for e in round_events(claim)):
        return None
    return replay_plan(rules.plan_for(claim), claim)


def previous_holders(claim: Claim) -> dict[str, str]:
    """Who last held each plan step, over the claim's whole life (the latest holder wins)."""
    return {
        e.data["step"]: e.data["reviewer"]
        for e in claim.events_since(0, types=_HOLDER_EVENTS)
        if "step" in e.data
    }


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
