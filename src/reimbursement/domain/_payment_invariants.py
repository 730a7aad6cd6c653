"""The invariants of a claim's decisions and payments (part of :mod:`.invariants`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .._show import show
from .actors import Role
from .claim import Claim, LineDecision, Outcome, PaymentRecord, PaymentStatus, ReviewDecision
from .events import Event, EventType
from .lifecycle import ClaimState
from .money import Money

__all__ = ["decision_problems", "payment_problems"]

_Problems = Iterator[tuple[str, str]]

_DECIDING = (
    EventType.RETURNED,
    EventType.APPROVED,
    EventType.PARTIALLY_APPROVED,
    EventType.REJECTED,
)
_PAYING = (EventType.PAYMENT_REQUESTED, EventType.PAYMENT_RETRIED, EventType.PAYEE_CHANGED)
# the status of the current payment in each state a claim with payments can be in
_CURRENT_STATUS: dict[ClaimState, frozenset[PaymentStatus]] = {
    ClaimState.PAYMENT_REQUESTED: frozenset({PaymentStatus.REQUESTED}),
    ClaimState.PAYMENT_APPROVED: frozenset({PaymentStatus.APPROVED, PaymentStatus.SENT}),
    ClaimState.PAID: frozenset({PaymentStatus.PAID}),
    ClaimState.PAYMENT_FAILED: frozenset({PaymentStatus.FAILED, PaymentStatus.CANCELLED}),
}


def decision_problems(claim: Claim, events: Sequence[Event]) -> _Problems:
    """Each decision is the one its deciding event records; a partial approval adds up."""
    deciding = [e for e in events if e.type in _DECIDING]
    if [d.outcome.value for d in claim.decisions] != [e.type.value for e in deciding]:
        yield "decisions", "are not the decisions its returned/approved/rejected events record"
        return
    for i, (decision, event) in enumerate(zip(claim.decisions, deciding, strict=True)):
        path = f"decisions[{i}]"
        if (decision.reviewer, decision.at) != (event.actor, event.at):
            yield path, "was not made by whom or when its event says"
        yield from _decision(claim, path, decision)


def _decision(claim: Claim, path: str, decision: ReviewDecision) -> _Problems:
    outcome = decision.outcome
    if outcome is not Outcome.PARTIALLY_APPROVED and decision.lines:
        yield f"{path}.lines", f"a decision {outcome} lists no line"
    if outcome is Outcome.RETURNED and not any(r.strip() for r in decision.reasons):
        yield f"{path}.reasons", "a return says what to correct"
    if outcome is Outcome.REJECTED and not (decision.reason_code or "").strip():
        yield f"{path}.reason_code", "a rejection gives its reason code"
    if outcome is Outcome.PARTIALLY_APPROVED:
        yield from _partial(claim, path, decision.lines)


def _partial(claim: Claim, path: str, decided: Sequence[LineDecision]) -> _Problems:
    if [d.line_id for d in decided] != [line.id for line in claim.lines]:
        yield f"{path}.lines", "a partial approval decides every line, in the claim's order"
        return
    for j, (decision, line) in enumerate(zip(decided, claim.lines, strict=True)):
        at = f"{path}.lines[{j}]"
        approved = decision.approved
        if approved.currency != claim.currency:
            yield f"{at}.approved", f"is in {approved.currency}, the claim is in {claim.currency}"
        elif line.claimed.currency != claim.currency:
            continue  # reported with the line
        elif approved.is_negative() or approved > line.claimed:
            yield (
                f"{at}.approved",
                f"is {approved}: it is from 0 to the claimed {line.claimed}",
            )
        elif approved < line.claimed and not (decision.reason or "").strip():
            yield f"{at}.reason", "a line approved for less says why"
    if any(d.approved.currency != claim.currency for d in decided) or any(
        line.claimed.currency != claim.currency for line in claim.lines
    ):
        return  # reported with the line or the decision
    total = Money.sum([d.approved for d in decided], claim.currency)
    if not Money.zero(claim.currency) < total < claim.claimed_total:
        yield (
            f"{path}.lines",
            (
                f"approve {total} of {claim.claimed_total}: a partial approval is for more "
                "than nothing and less than claimed"
            ),
        )


def payment_problems(claim: Claim, events: Sequence[Event]) -> _Problems:
    """One payment per request or retry, each for the approved amount, the last one current."""
    paying = [e for e in events if e.type in _PAYING]
    if len(claim.payments) != len(paying):
        yield (
            "payments",
            (
                f"holds {len(claim.payments)} payments; its events requested or retried "
                f"{len(paying)}"
            ),
        )
        return
    if not claim.payments:
        return
    approved = _approved_total(claim)
    last = len(claim.payments) - 1
    changed_by: str | None = None
    for i, (payment, event) in enumerate(zip(claim.payments, paying, strict=True)):
        yield from _payment(claim, f"payments[{i}]", i, payment, event, approved)
        if i < last and not payment.status.is_over:
            yield (
                f"payments[{i}].status",
                f"is {payment.status}: only a failed or cancelled payment is retried",
            )
        if event.type is EventType.PAYEE_CHANGED:  # the customer's own word clears it
            changed_by = None if event.role is Role.CUSTOMER else event.actor
        if payment.payee_changed_by != changed_by:
            yield (
                f"payments[{i}].payee_changed_by",
                f"is {show(payment.payee_changed_by)}: the account was last given by "
                f"{show(changed_by) if changed_by else 'the customer'}",
            )
    yield from _discrepancies(claim, events)
    allowed = _CURRENT_STATUS.get(claim.state, frozenset())
    if claim.payments[last].status not in allowed:
        yield (
            f"payments[{last}].status",
            (f"is {claim.payments[last].status}, which a claim {claim.state} cannot have"),
        )


def _approved_total(claim: Claim) -> Money | None:
    decision = claim.decision
    if decision is None or decision.outcome not in (
        Outcome.APPROVED,
        Outcome.PARTIALLY_APPROVED,
    ):
        return None
    if any(line.claimed.currency != claim.currency for line in claim.lines) or any(
        d.approved.currency != claim.currency for d in decision.lines
    ):
        return None  # reported with the lines and decisions
    return claim.approved_total


def _payment(
    claim: Claim, path: str, i: int, payment: PaymentRecord, event: Event, approved: Money | None
) -> _Problems:
    attempt = i + 1
    if payment.attempt != attempt:
        yield f"{path}.attempt", f"is {payment.attempt}: attempts are numbered 1, 2, …"
    key = f"{claim.id}:payment:{attempt}"
    if payment.idempotency_key != key:
        yield f"{path}.idempotency_key", f"is {show(payment.idempotency_key)}, not {key!r}"
    if payment.amount.currency != claim.currency:
        yield (
            f"{path}.amount",
            f"is in {payment.amount.currency}, the claim is in {claim.currency}",
        )
    elif approved is None or payment.amount != approved:
        yield f"{path}.amount", f"is {payment.amount}, but the claim's approval is {approved}"
    if not payment.payee_account.strip():
        yield f"{path}.payee_account", "is empty"
    if payment.requested_at != event.at:
        yield f"{path}.requested_at", "is not the time of the event that requested it"
    if payment.status is not PaymentStatus.REQUESTED and not payment.approved_by:
        yield f"{path}.approved_by", f"a payment {payment.status} names who approved it"
    if payment.status.is_over and not (payment.failure_reason or "").strip():
        yield f"{path}.failure_reason", f"a {payment.status} payment says why"


def _discrepancies(claim: Claim, events: Sequence[Event]) -> _Problems:
    for i, event in enumerate(events):
        if event.type is not EventType.PAYMENT_DISCREPANCY:
            continue
        attempt, reference = event.data.get("attempt", ""), event.data.get("reference", "")
        number = int(attempt) if attempt.isdigit() and attempt.isascii() else 0
        if not 0 < number <= len(claim.payments) or not reference.strip():
            yield f"events[{i}].data", "a discrepancy names an attempt of the claim, a reference"
        elif not claim.payments[number - 1].status.is_over:
            yield f"events[{i}].data", f"attempt {number} is not over: nothing to report"
