"""Claims with known timings, built with the pure domain commands, for hand-computed KPIs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from reimbursement.domain import commands as cmd
from reimbursement.domain.actors import SYSTEM, Actor
from reimbursement.domain.claim import Claim, Claimant
from reimbursement.domain.inputs import ClaimPatch, LineInput
from reimbursement.domain.money import Money

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REVIEWER = Actor.reviewer("rev-1")
FINANCE = Actor.finance("fin-1")


def at(hours: float) -> datetime:
    """``hours`` after T0."""
    return T0 + timedelta(hours=hours)


def same(amount: Money, currency: str, on: date) -> tuple[Money, Decimal | None]:
    return amount, None


def customer(customer_id: str = "cust-1") -> Actor:
    return Actor.customer(customer_id)


def draft(
    claim_id: str,
    hours: float = 0,
    *,
    customer_id: str = "cust-1",
    category: str = "medical",
    amount: str = "100.00",
) -> Claim:
    when = at(hours)
    claimant = Claimant(customer_id, "Ann Example", "POL-1", "DE89370400440532013000")
    line = LineInput(category, when.date(), "Dr Example", Money(amount, "EUR"))
    return cmd.start_draft(claim_id, claimant, "EUR", customer(customer_id), when, [line], same)


def submitted(claim_id: str, hours: float = 0, **kwargs: str) -> Claim:
    claim = draft(claim_id, hours, **kwargs)
    return cmd.submit(
        claim, customer(claim.customer_id), at(hours), f"N-{claim_id}", require_receipts=False
    )


def assigned(claim: Claim, hours: float, reviewer: str = "rev-1") -> Claim:
    return cmd.assign(claim, SYSTEM, at(hours), reviewer, "test", "test")


def returned(claim: Claim, hours: float, code: str = "missing_receipt") -> Claim:
    return cmd.return_for_correction(
        claim, Actor.reviewer(claim.assignee or "rev-1"), at(hours), [code]
    )


def resubmitted(claim: Claim, hours: float) -> Claim:
    return cmd.resubmit(
        claim, customer(claim.customer_id), at(hours), ClaimPatch(), same, require_receipts=False
    )


def approved(claim: Claim, hours: float) -> Claim:
    return cmd.approve(claim, Actor.reviewer(claim.assignee or "rev-1"), at(hours))


def rejected(claim: Claim, hours: float, code: str = "expense_not_covered") -> Claim:
    return cmd.reject(claim, Actor.reviewer(claim.assignee or "rev-1"), at(hours), code)


def paid(claim: Claim, hours: float) -> Claim:
    """Payment requested, approved and sent at the approval's instant, paid at ``hours``."""
    start = claim.events[-1].at
    claim = cmd.request_payment(claim, SYSTEM, start)
    claim = cmd.approve_payment(claim, FINANCE, start)
    claim = cmd.send_payment(claim, FINANCE, start, f"REF-{claim.id}")
    return cmd.confirm_payment(claim, SYSTEM, at(hours))


def decided_claim(claim_id: str, *, submit: float, review: float, decide: float) -> Claim:
    """Submitted, assigned and approved at the given hours."""
    return approved(assigned(submitted(claim_id, submit), review), decide)
