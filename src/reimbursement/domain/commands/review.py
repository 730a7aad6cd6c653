"""Review: assignment, return for correction, approval in full or in part, rejection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ...errors import FieldProblem, ValidationError
from ..actors import Actor
from ..checks import require_items, require_text, require_texts, text_problem
from ..claim import (
    Claim,
    ExpenseLine,
    LineDecision,
    Outcome,
    ReviewDecision,
)
from ..duplicates import confirmed_lines
from ..events import NO_DATA, EventType
from ..lifecycle import LIFECYCLE, Action
from ..limits import DEFAULT_LIMITS, NOTES_IN_EVENT, ClaimLimits
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
    claim: Claim,
    actor: Actor,
    at: datetime,
    reasons: Sequence[str],
    note: str = "",
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
) -> Claim:
    """The claim, back with the customer to fix what ``reasons`` say (a list of one-line texts)."""
    LIFECYCLE.target(claim.id, claim.state, Action.RETURN_FOR_CORRECTION)
    given = require_items("reasons", reasons, str, "texts (str)")
    if len(given) > limits.max_reasons:
        raise ValidationError.at(
            "reasons", f"gives {len(given):,} reasons; the limit is {limits.max_reasons:,}"
        )
    given = require_texts("reasons", given, limits.max_reason_length)
    note = require_text("note", note, limits.max_note_length, multiline=True)
    clean = tuple(r.strip() for r in given if r.strip())
    if not clean:
        raise ValidationError.at("reasons", "say what the customer must correct")
    decision = ReviewDecision(Outcome.RETURNED, actor.id, at, reasons=clean)
    reason = "; ".join(clean)
    action, type_ = Action.RETURN_FOR_CORRECTION, EventType.RETURNED
    return _decided(claim, actor, at, action, type_, decision, reason, _noted(note))


def _decided(
    claim: Claim,
    actor: Actor,
    at: datetime,
    action: Action,
    type_: EventType,
    decision: ReviewDecision,
    reason: str | None,
    data: Mapping[str, str],
) -> Claim:
    """The claim with the review ``decision`` recorded, and its one event."""
    decisions = (*claim.decisions, decision)
    return _step(claim, action, actor, at, type_, reason=reason, data=data, decisions=decisions)


def _noted(note: str) -> Mapping[str, str]:
    """A return's or rejection's event data: the reviewer's note to the customer, if any."""
    return {"note": note} if note else NO_DATA


def approve(
    claim: Claim,
    actor: Actor,
    at: datetime,
    lines: Sequence[LineDecision] = (),
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
) -> Claim:
    """The claim approved: in full, or partially when ``lines`` lowers some amounts.

    Lines not named in ``lines`` are approved in full. A lowered line needs a
    reason. Approving nothing at all is refused: reject the claim instead.
    The claim's lines are indexed once per call, so the cost per decision
    is the same on a claim of any size.
    """
    LIFECYCLE.target(claim.id, claim.state, Action.APPROVE)
    decisions = require_items("lines", lines, LineDecision, "LineDecision")
    if not decisions:  # in full: every line as claimed
        _refuse_paying_duplicates(claim, {})
        return _approved(claim, actor, at, {}, claim.claimed_total)
    if len(decisions) > len(claim.lines):
        raise ValidationError.at(
            "lines", f"{len(decisions):,} decisions for a claim of {len(claim.lines):,} lines"
        )
    given: dict[str, LineDecision] = {}
    problems = []
    by_id = {line.id: line for line in claim.lines}
    for i, decision in enumerate(decisions):
        problem = _decision_problem(f"lines[{i}]", claim, by_id, decision, given, limits)
        if problem is not None:
            problems.append(problem)
        given.setdefault(decision.line_id, decision)
    if problems:
        raise ValidationError(f"claim {claim.id} cannot be approved", problems)
    _refuse_paying_duplicates(claim, given)
    approved = [
        given[line.id].approved if line.id in given else line.claimed for line in claim.lines
    ]
    return _approved(claim, actor, at, given, Money.sum(approved, claim.currency))


def _refuse_paying_duplicates(claim: Claim, given: dict[str, LineDecision]) -> None:
    """Refuse an approval that pays a line a reviewer confirmed as a duplicate."""
    index = {line.id: i for i, line in enumerate(claim.lines)}
    problems = [
        FieldProblem(
            f"lines[{index.get(line_id, line_id)}]",
            f"is a confirmed duplicate of claim {flag.other_claim_number or flag.other_claim_id}"
            ": approve it at 0",
        )
        for line_id, flag in confirmed_lines(claim).items()
        if line_id not in given or given[line_id].approved
    ]
    if problems:
        raise ValidationError(f"claim {claim.id} cannot be approved", problems)


def _decision_problem(
    path: str,
    claim: Claim,
    lines: dict[str, ExpenseLine],
    decision: LineDecision,
    given: dict[str, LineDecision],
    limits: ClaimLimits,
) -> FieldProblem | None:
    """What is wrong with one line decision, or ``None``."""
    line = lines.get(decision.line_id)
    if line is None:
        return FieldProblem(f"{path}.line_id", f"no line {decision.line_id[:40]!r}")
    reason = decision.reason
    if reason is not None:
        problem = text_problem(f"{path}.reason", reason, limits.max_reason_length)
        if problem is not None:
            return problem
    if decision.line_id in given:
        return FieldProblem(f"{path}.line_id", "decided twice")
    if decision.approved.currency != claim.currency:
        return FieldProblem(f"{path}.approved", f"must be in the policy currency {claim.currency}")
    if decision.approved.is_negative() or decision.approved > line.claimed:
        return FieldProblem(
            f"{path}.approved", f"must be between 0 and the claimed {line.claimed}"
        )
    if decision.approved < line.claimed and not (reason or "").strip():
        return FieldProblem(f"{path}.reason", "say why less is approved")
    return None


def _approved(
    claim: Claim, actor: Actor, at: datetime, given: dict[str, LineDecision], total: Money
) -> Claim:
    """The claim approved at ``total``: the lines in ``given`` as decided, the others in full."""
    if not total:
        raise ValidationError.at("lines", "nothing would be approved: reject the claim instead")
    claimed = claim.claimed_total if given else total
    # the reviewer's notes on the lines they named, in line order: the event repeats the
    # first ones and counts the others (each line's decision keeps its own), so that its
    # reason stays within a stored text however many lines are lowered
    notes = [given[line.id] for line in claim.lines if line.id in given and given[line.id].reason]
    shown = notes[:NOTES_IN_EVENT]
    reason = "; ".join(f"{d.line_id}: {d.reason}" for d in shown) or None
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
    if len(notes) > len(shown):
        data["more_notes"] = str(len(notes) - len(shown))
    return _decided(claim, actor, at, action, type_, review, reason, data)


def reject(
    claim: Claim,
    actor: Actor,
    at: datetime,
    reason_code: str,
    note: str = "",
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
) -> Claim:
    """The claim rejected, with a reason code the customer can look up."""
    LIFECYCLE.target(claim.id, claim.state, Action.REJECT)
    if not require_text("reason_code", reason_code, limits.max_id_length).strip():
        raise ValidationError.at("reason_code", "give the reason code of the rejection")
    note = require_text("note", note, limits.max_note_length, multiline=True)
    decision = ReviewDecision(
        Outcome.REJECTED,
        actor.id,
        at,
        reason_code=reason_code.strip(),
        reasons=(note,) if note else (),
    )
    action, type_ = Action.REJECT, EventType.REJECTED
    return _decided(claim, actor, at, action, type_, decision, reason_code.strip(), _noted(note))


def withdraw(
    claim: Claim,
    actor: Actor,
    at: datetime,
    reason: str = "",
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
) -> Claim:
    """The claim withdrawn by its customer before a decision (``reason``: one line, optional)."""
    reason = require_text("reason", reason, limits.max_reason_length)
    return _step(claim, Action.WITHDRAW, actor, at, EventType.WITHDRAWN, reason=reason or None)
