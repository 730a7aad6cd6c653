"""Claims built through the real commands, for clock tests."""

from __future__ import annotations

from datetime import date, datetime

from reimbursement.domain.actors import Actor
from reimbursement.domain.claim import Claim, Claimant
from reimbursement.domain.commands import (
    approve,
    approve_payment,
    assign,
    confirm_payment,
    reject,
    request_payment,
    resubmit,
    return_for_correction,
    send_payment,
    start_draft,
    submit,
    withdraw,
)
from reimbursement.domain.inputs import ClaimPatch, LineInput
from reimbursement.domain.money import Money

CUSTOMER = Actor.customer("c-1", "Ana")
REVIEWER = Actor.reviewer("r-1", "Rui")
FINANCE = Actor.finance("f-1", "Fay")


def _same(money: Money, currency: str, day: date) -> tuple[Money, None]:
    return money, None


def submitted(at: datetime, claim_id: str = "C-1") -> Claim:
    """A one-line claim submitted at ``at`` and assigned to a reviewer at once."""
    claimant = Claimant("c-1", "Ana", "P-1", "DE00 1234")
    line = LineInput("pharmacy", date(2020, 1, 1), "Apotheke", Money("42.00", "EUR"))
    draft = start_draft(claim_id, claimant, "EUR", CUSTOMER, at, [line], _same)
    claim = submit(draft, CUSTOMER, at, f"N-{claim_id}", require_receipts=False)
    return assign(claim, REVIEWER, at, "r-1", "round_robin", "next in turn")


def returned(claim: Claim, at: datetime) -> Claim:
    """``claim`` sent back to the customer at ``at``."""
    return return_for_correction(claim, REVIEWER, at, ["receipt unreadable"])


def resubmitted(claim: Claim, at: datetime) -> Claim:
    """``claim`` fixed by the customer at ``at`` and back in review."""
    fixed = resubmit(claim, CUSTOMER, at, ClaimPatch(), _same, require_receipts=False)
    return assign(fixed, REVIEWER, at, "r-1", "round_robin", "same reviewer")


def approved(claim: Claim, at: datetime) -> Claim:
    """``claim`` approved in full at ``at``."""
    return approve(claim, REVIEWER, at)


def rejected(claim: Claim, at: datetime) -> Claim:
    """``claim`` rejected at ``at``."""
    return reject(claim, REVIEWER, at, "R01")


def withdrawn(claim: Claim, at: datetime) -> Claim:
    """``claim`` withdrawn by the customer at ``at``."""
    return withdraw(claim, CUSTOMER, at)


def paid(claim: Claim, requested: datetime, at: datetime) -> Claim:
    """The approved ``claim``: payment requested and approved at ``requested``, paid at ``at``."""
    claim = request_payment(claim, REVIEWER, requested)
    claim = approve_payment(claim, FINANCE, requested)
    claim = send_payment(claim, FINANCE, requested, "GW-1")
    return confirm_payment(claim, FINANCE, at)
