"""What the service tests share: actors, profiles, documents, and claims made through a desk.

The claims here go through ``ReimbursementDesk`` calls, stored, numbered and
routed by the desk under test. Claims built without a desk, with the pure
commands, come from the public builders in ``reimbursement.testing``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from reimbursement import (
    Actor,
    Claim,
    ClaimPatch,
    CustomerProfile,
    LineInput,
    LinePatch,
    Money,
    ReimbursementDesk,
    Role,
)
from reimbursement.adapters.memory import InMemoryNotifier, InMemoryPaymentGateway

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n receipt"
PNG = b"\x89PNG\r\n\x1a\n rest of the image"

ANA = Actor.customer("cust-ana", "Ana")
BEN = Actor.customer("cust-ben", "Ben")
REVIEWER = Actor.reviewer("rev-1", "Rita")
REVIEWER_2 = Actor.reviewer("rev-2", "Raj")
FINANCE = Actor.finance("fin-1", "Fiona")

PROFILES = [
    CustomerProfile(
        "cust-ana",
        "Ana Lima",
        "POL-100",
        "EUR",
        "ana@example.org",
        "en",
        "DE89 3704 0044 0532 0130 00",
    ),
    CustomerProfile("cust-ben", "Ben Okafor", "POL-200", "EUR", "ben@example.org", "en", ""),
    CustomerProfile(
        "rev-1", "Rita Staff", "POL-900", "EUR", payee_account="DE12 0000 0000 0000 0011 11"
    ),
]

Line = str | tuple[str, str]
"""An expense line for the builders below: an amount spent at the pharmacy, or a
``(category, amount)`` pair, in euros."""


def pharmacy(amount: str = "42.50", currency: str = "EUR", day: int = 1) -> LineInput:
    return LineInput("pharmacy", date(2026, 3, day), "City Pharmacy", Money(amount, currency))


def _line(line: Line) -> LineInput:
    if isinstance(line, str):
        return pharmacy(line)
    category, amount = line
    return LineInput(category, date(2026, 3, 1), "Provider", Money(amount, "EUR"))


READER = Actor("back-office", Role.SYSTEM)
"""Staff reading whole claims: customers' calls return only their part (``CustomerClaim``)."""


def whole(desk: ReimbursementDesk, claim_id: str) -> Claim:
    """The whole claim ``claim_id``, as staff read it."""
    return desk.get(READER, claim_id)


def ready_draft(desk: ReimbursementDesk, actor: Actor = ANA, *lines: Line) -> Claim:
    """A draft with one line per ``lines`` (one of 42.50 when none), each with a receipt."""
    claim = desk.start_draft(actor, [_line(line) for line in (lines or ("42.50",))])
    claim = desk.attach(actor, claim.id, "receipt.pdf", PDF)
    doc = claim.attachments[-1].id
    patch = ClaimPatch(
        change_lines=tuple(LinePatch(line.id, attachment_ids=(doc,)) for line in claim.lines)
    )
    return whole(desk, desk.update_draft(actor, claim.id, patch).id)


def submitted(desk: ReimbursementDesk, actor: Actor = ANA, *lines: Line) -> Claim:
    """:func:`ready_draft`, submitted: numbered and routed by the desk (the whole claim)."""
    return whole(desk, desk.submit(actor, ready_draft(desk, actor, *lines).id).id)


def paid(desk: ReimbursementDesk) -> Claim:
    """A claim of Ana's approved in full, its payment approved by finance and paid."""
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    return desk.pay(FINANCE, claim.id)


def gateway(desk: ReimbursementDesk) -> InMemoryPaymentGateway:
    """The desk's in-memory payment gateway, to read the payouts it was told."""
    payments = desk.adapters.payments
    assert isinstance(payments, InMemoryPaymentGateway)
    return payments


def notifier(desk: ReimbursementDesk) -> InMemoryNotifier:
    """The desk's in-memory notifier, to read what it sent."""
    sent = desk.adapters.notifier
    assert isinstance(sent, InMemoryNotifier)
    return sent


def payment_reference(desk: ReimbursementDesk, claim_id: str) -> str:
    """The gateway's reference for the claim's current payment, which must have been sent."""
    payment = desk.get(FINANCE, claim_id).payment
    assert payment is not None
    assert payment.gateway_reference is not None
    return payment.gateway_reference


__all__ = [
    "ANA",
    "BEN",
    "FINANCE",
    "PDF",
    "PNG",
    "PROFILES",
    "REVIEWER",
    "REVIEWER_2",
    "START",
    "Line",
    "gateway",
    "notifier",
    "paid",
    "payment_reference",
    "pharmacy",
    "ready_draft",
    "submitted",
]
