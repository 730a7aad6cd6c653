"""What the service tests share: actors, profiles, documents and builders."""

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
)

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
        "cust-ana", "Ana Lima", "POL-100", "EUR", "ana@example.org", "en", "DE89 3704 0044"
    ),
    CustomerProfile("cust-ben", "Ben Okafor", "POL-200", "EUR", "ben@example.org", "en", ""),
    CustomerProfile("rev-1", "Rita Staff", "POL-900", "EUR", payee_account="DE00 1111"),
]


def pharmacy(amount: str = "42.50", currency: str = "EUR", day: int = 1) -> LineInput:
    return LineInput("pharmacy", date(2026, 3, day), "City Pharmacy", Money(amount, currency))


def ready_draft(desk: ReimbursementDesk, actor: Actor = ANA, *amounts: str) -> Claim:
    """A draft with one line per amount, each with a receipt attached."""
    claim = desk.start_draft(actor, [pharmacy(a) for a in (amounts or ("42.50",))])
    claim = desk.attach(actor, claim.id, "receipt.pdf", PDF)
    doc = claim.attachments[-1].id
    patch = ClaimPatch(
        change_lines=tuple(LinePatch(line.id, attachment_ids=(doc,)) for line in claim.lines)
    )
    return desk.update_draft(actor, claim.id, patch)


def submitted(desk: ReimbursementDesk, actor: Actor = ANA, *amounts: str) -> Claim:
    return desk.submit(actor, ready_draft(desk, actor, *amounts).id)


__all__ = [
    "ANA",
    "BEN",
    "FINANCE",
    "PDF",
    "PNG",
    "REVIEWER",
    "REVIEWER_2",
    "START",
    "pharmacy",
    "ready_draft",
    "submitted",
]
