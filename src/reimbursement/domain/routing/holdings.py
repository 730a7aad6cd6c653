"""Who holds a claim in review, read from the claim alone.

A reviewer's load is the number of claims (or plan steps) in review they
hold. Stores count it from :func:`holders` when they save a claim, so every
process reads the same loads inside its transaction and routing needs no
state of its own.
"""

from __future__ import annotations

from ..claim import Claim
from ..events import EventType
from ..lifecycle import ClaimState

__all__ = ["holders"]

_ROUND_STARTS = frozenset({EventType.SUBMITTED, EventType.RESUBMITTED})
_TAKES = frozenset({EventType.ASSIGNED, EventType.REASSIGNED, EventType.ESCALATED})
_HOLDING_EVENTS = _TAKES | {EventType.REVIEW_STEP_DECIDED}


def holders(claim: Claim) -> tuple[str, ...]:
    """The reviewer of each open plan step of the claim in review, or its one reviewer.

    A reviewer holding two open steps is named twice; a claim not in review
    is held by nobody. Read from the current round's assignment,
    reassignment, escalation and step-decision events, so it needs no
    approval rules.
    """
    if claim.state is not ClaimState.IN_REVIEW:
        return ()
    log = claim.events
    start = log.last_index_of(_ROUND_STARTS)
    by_step: dict[str | None, str] = {}
    planned = False
    for type_, data in log.details_since(0 if start is None else start + 1, _HOLDING_EVENTS):
        step = data.get("step")
        if type_ is EventType.REVIEW_STEP_DECIDED:
            by_step.pop(step, None)
            planned = True
            continue
        reviewer = data.get("reviewer")
        if reviewer is not None:
            by_step[step] = reviewer
            planned = planned or step is not None
    if planned:
        return tuple(holder for step, holder in by_step.items() if step is not None)
    holder = by_step.get(None, claim.assignee)
    return (holder,) if holder is not None else ()
