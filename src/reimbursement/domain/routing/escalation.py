"""Escalation: who takes a claim over when its SLA warns or breaches.

The SLA sweeper calls :func:`escalate` with the claim's request and its
current holder; the answer goes on the timeline with
:func:`~reimbursement.domain.routing.record_escalation`. Targets are tried
in order: the step's named escalation target, the lead of the request's
team, the leads of the holder's teams, then the next authority level (the
least-loaded reviewer with the smallest authority limit above the
holder's). Absent targets hand over to their delegates; targets the rules
forbid (four-eyes, conflicts) are passed over and listed in ``passed_over``,
kept apart from the short ``reason`` because it may name a conflict of
interest: it is for the auditor, not for the customer.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from ...errors import NoEligibleReviewerError
from .constraints import AssignmentRequest, review_refusal
from .delegation import delegate_for
from .plans import ReviewStep
from .pool import Reviewer
from .router import PolicyRouter

__all__ = ["Escalation", "escalate", "escalation_target"]

_POLICY = "escalation"


@attrs.frozen
class Escalation:
    """Where a claim (or step) goes on escalation, what triggered it, and why that person.

    ``passed_over`` says why earlier targets were not chosen (internal detail).
    """

    claim_id: str
    from_reviewer: str | None
    to_reviewer: str
    trigger: str
    reason: str
    policy: str = _POLICY
    step_id: str | None = None
    passed_over: tuple[str, ...] = ()


def _limit(reviewer: Reviewer) -> Decimal | None:
    return None if reviewer.authority_limit is None else reviewer.authority_limit.amount


def _named_targets(
    router: PolicyRouter, request: AssignmentRequest, current: str | None, step: ReviewStep | None
) -> list[tuple[str, str]]:
    pool = router.pool
    named: list[tuple[str, str]] = []
    if step is not None and step.escalation_to is not None:
        named.append((step.escalation_to, f"escalation target of step {step.id}"))
    if request.team is not None and (lead := pool.lead_of(request.team)) is not None:
        named.append((lead, f"lead of team {request.team}"))
    if current is not None and current in pool:
        for team in sorted(pool.get(current).teams):
            if (lead := pool.lead_of(team)) is not None:
                named.append((lead, f"lead of team {team}"))
    tried: set[str] = set()
    unique = []
    for target, why in named:
        if target not in tried:
            tried.add(target)
            unique.append((target, why))
    return unique


def escalation_target(
    router: PolicyRouter,
    request: AssignmentRequest,
    current: str | None,
    *,
    step: ReviewStep | None = None,
    trigger: str = "sla_breach",
) -> Escalation:
    """Who should take ``request`` over from ``current``; changes nothing.

    Raises :class:`~reimbursement.errors.NoEligibleReviewerError` when nobody
    above the holder may take it, and
    :class:`~reimbursement.errors.DelegationLoopError` for a target whose delegates
    loop.
    """
    pool, passed = router.pool, []
    for target, why in _named_targets(router, request, current, step):
        if target not in pool:
            passed.append(f"{why} {target} is not in the pool")
            continue
        try:
            delegation = delegate_for(pool, target, request.day)
        except NoEligibleReviewerError:
            passed.append(f"{why} {target} is away with no delegate")
            continue
        chosen = delegation.reviewer
        refusal = review_refusal(pool.get(chosen), request, router.conflicts)
        if chosen == current:
            passed.append(f"{why} {chosen} already holds it")
        elif refusal is not None:
            passed.append(f"{why}: {refusal}")
        else:
            via = f" ({delegation.describe()})" if delegation.delegated else ""
            return _escalation(request, current, chosen, trigger, f"{why}{via}", passed)
    above = _next_level(router, request, current)
    if above is None:
        raise NoEligibleReviewerError(
            f"nobody to take claim {request.claim_id} over from {current}: "
            + ("; ".join(passed) or "no team lead and no one with a higher authority limit")
        )
    return _escalation(request, current, above, trigger, "next authority level", passed)


def _next_level(
    router: PolicyRouter, request: AssignmentRequest, current: str | None
) -> str | None:
    pool = router.pool
    floor = _limit(pool.get(current)) if current is not None and current in pool else None
    if current is not None and current in pool and floor is None:
        return None  # nobody is above unlimited authority
    eligible = router.eligible(request)
    candidates = router.candidates(request)
    if request.team is not None:
        candidates = candidates.narrowed(team=request.team)
    best: tuple[bool, Decimal, int, int, str] | None = None
    for order, rid in enumerate(candidates.segment.members):
        if rid == current or not eligible(rid):
            continue
        limit = _limit(pool.get(rid))
        if floor is not None and limit is not None and limit <= floor:
            continue
        # the smallest limit above the holder's: unlimited authority comes last
        rank = (limit is None, limit or Decimal(0), pool.load(rid), order, rid)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[-1]


def _escalation(
    request: AssignmentRequest,
    current: str | None,
    chosen: str,
    trigger: str,
    why: str,
    passed: list[str],
) -> Escalation:
    reason = f"{trigger.replace('_', ' ')}: {why}"
    return Escalation(
        request.claim_id,
        current,
        chosen,
        trigger,
        reason,
        step_id=request.step_id,
        passed_over=tuple(passed),
    )


def escalate(
    router: PolicyRouter,
    request: AssignmentRequest,
    current: str | None,
    *,
    step: ReviewStep | None = None,
    trigger: str = "sla_breach",
) -> Escalation:
    """:func:`escalation_target`, and the claim moves in the pool's loads."""
    escalation = escalation_target(router, request, current, step=step, trigger=trigger)
    router.pool.open(escalation.to_reviewer)
    if current is not None and current in router.pool and router.pool.load(current) > 0:
        router.pool.close(current)
    return escalation
