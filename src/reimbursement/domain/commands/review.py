"""Review: assignment, return for correction, approval in full or in part, rejection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ...errors import FieldProblem, ValidationError
from ..actors import Actor
from ..claim import (
    Claim,
    LineDecision,
    Outcome,
    ReviewDecision,
)
from ..events import NO_DATA, EventType
from ..lifecycle import LIFECYCLE, Action
from ..money import Money
from ._common import _step


def assign(
    claim: Claim, actor: Actor, at: datetime, reviewer: str, policy: str, reason: str
) -> Claim:
    """The submitted claim, in review with ``reviewer``; ``policy`` and ``reason`` say why."""
    return _step(
        claim,
        Action.START_REVIEW,
        actor,
        at,
        EventType.ASSIGNED,
        reason=reason,
        data={"reviewer": reviewer, "policy": policy},
        assignee=reviewer,
    )


def return_for_correction(
    claim: Claim, actor: Actor, at: datetime, reasons: Sequence[str], note: str = ""
) -> Claim:
    """The claim, back with the customer to fix what ``reasons`` say."""
    LIFECYCLE.target(claim.id, claim.state, Action.RETURN_FOR_CORRECTION)
    clean = tuple(r.strip() for r in reasons if r.strip())
    if not clean:
        raise ValidationError.at("reasons", "say what the customer must correct")
    decision = ReviewDecision(Outcome.RETURNED, actor.id, at, reasons=clean)
    return _step(
        claim,
        Action.RETURN_FOR_CORRECTION,
        actor,
        at,
        EventType.RETURNED,
        reason="; ".join(clean),
        data={"note": note} if note else NO_DATA,
        decisions=(*claim.decisions, decision),
    )


def approve(claim: Claim, actor: Actor, at: datetime, lines: Sequence[LineDecision] = ()) -> Claim:
    """The claim approved: in full, or partially when ``lines`` lowers some amounts.

    Lines not named in ``lines`` are approved in full. A lowered line needs a
    reason. Approving nothing at all is refused: reject the claim instead.
    """
    LIFECYCLE.target(claim.id, claim.state, Action.APPROVE)
    if not lines:  # in full: every line as claimed
        return _approved(claim, actor, at, {}, claim.claimed_total)
    given: dict[str, LineDecision] = {}
    problems = []
    for i, decision in enumerate(lines):
        path = f"lines[{i}]"
        try:
            line = claim.line(decision.line_id)
        except KeyError:
            problems.append(FieldProblem(f"{path}.line_id", f"no line {decision.line_id!r}"))
            continue
        if decision.line_id in given:
            problems.append(FieldProblem(f"{path}.line_id", "decided twice"))
        elif decision.approved.currency != claim.currency:
            problems.append(
                FieldProblem(
                    f"{path}.approved", f"must be in the policy currency {claim.currency}"
                )
            )
        elif decision.approved.is_negative() or decision.approved > line.claimed:
            problems.append(
                FieldProblem(
                    f"{path}.approved", f"must be between 0 and the claimed {line.claimed}"
                )
            )
        elif decision.approved < line.claimed and not (decision.reason or "").strip():
            problems.append(FieldProblem(f"{path}.reason", "say why less is approved"))
        given[decision.line_id] = decision
    if problems:
        raise ValidationError(f"claim {claim.id} cannot be approved", problems)
    approved = [
        given[line.id].approved if line.id in given else line.claimed for line in claim.lines
    ]
    return _approved(claim, actor, at, given, Money.sum(approved, claim.currency))


def _approved(
    claim: Claim, actor: Actor, at: datetime, given: dict[str, LineDecision], total: Money
) -> Claim:
    """The claim approved at ``total``: the lines in ``given`` as decided, the others in full."""
    if not total:
        raise ValidationError.at("lines", "nothing would be approved: reject the claim instead")
    claimed = claim.claimed_total if given else total
    # the reviewer's notes on the lines they named, in line order
    notes = [given[line.id] for line in claim.lines if line.id in given and given[line.id].reason]
    reason = "; ".join(f"{d.line_id}: {d.reason}" for d in notes) or None
    if total < claimed:
        action, type_ = Action.APPROVE_PARTIALLY, EventType.PARTIALLY_APPROVED
        decided = tuple(
            given.get(line.id) or LineDecision(line.id, line.claimed) for line in claim.lines
        )
        review = ReviewDecision(Outcome.PARTIALLY_APPROVED, actor.id, at, decided)
    else:  # in full: the outcome says every line is approved as claimed
        action, type_ = Action.APPROVE, EventType.APPROVED
        review = ReviewDecision(Outcome.APPROVED, actor.id, at)
    data = {"approved": str(total), "claimed": str(claimed)}
    return _step(
        claim,
        action,
        actor,
        at,
        type_,
        reason=reason,
        data=data,
        decisions=(*claim.decisions, review),
    )


def reject(claim: Claim, actor: Actor, at: datetime, reason_code: str, note: str = "") -> Claim:
    """The claim rejected, with a reason code the customer can look up."""
    LIFECYCLE.target(claim.id, claim.state, Action.REJECT)
    if not reason_code.strip():
        raise ValidationError.at("reason_code", "give the reason code of the rejection")
    decision = ReviewDecision(
        Outcome.REJECTED,
        actor.id,
        at,
        reason_code=reason_code.strip(),
        reasons=(note,) if note else (),
    )
    return _step(
        claim,
        Action.REJECT,
        actor,
        at,
        EventType.REJECTED,
        reason=reason_code.strip(),
        data={"note": note} if note else NO_DATA,
        decisions=(*claim.decisions, decision),
    )


def withdraw(claim: Claim, actor: Actor, at: datetime, reason: str = "") -> Claim:
    """The claim withdrawn by its customer before a decision."""
    return _step(claim, Action.WITHDRAW, actor, at, EventType.WITHDRAWN, reason=reason or None)
