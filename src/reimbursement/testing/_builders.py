"""Realistic claims and notifications for the contract suites, built with the pure commands.

Every instant is fixed (no wall clock) and aware, so a suite run is the same
everywhere. The claims are made by the real command functions, so a store
that round-trips them round-trips what the service writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ..domain import commands
from ..domain.actors import SYSTEM, Actor
from ..domain.claim import Attachment, Claim, Claimant, LineDecision
from ..domain.events import EventType, Visibility
from ..domain.inputs import ClaimPatch, LineInput, LinePatch
from ..domain.money import Money
from ..domain.routing.recording import record_assignment
from ..domain.routing.router import Assignment
from ..ports import Notification

__all__ = [
    "AT",
    "approved",
    "draft",
    "edited",
    "in_review",
    "notification",
    "rich_claim",
    "submitted",
]

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""When the suites' claims are started (the expenses are a few days earlier)."""

_USD_EUR = Decimal("0.9173")


def _no_conversion(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    return money, None


def _usd_to_eur(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    if money.currency == currency:
        return money, None
    return Money(money.amount * _USD_EUR, currency), _USD_EUR


def _claimant(customer_id: str) -> Claimant:
    return Claimant(
        customer_id,
        f"Customer {customer_id}",
        f"POL-{customer_id}",
        "DE89 3704 0044 0532 0130 00",
        f"{customer_id}@example.org",
    )


def draft(claim_id: str, customer_id: str = "cust-1", *, minutes: int = 0) -> Claim:
    """A one-line draft (version 1), started ``minutes`` after :data:`AT`."""
    line = LineInput("pharmacy", date(2026, 2, 27), "City Pharmacy", Money("42.50", "EUR"))
    at = AT + timedelta(minutes=minutes)
    return commands.start_draft(
        claim_id,
        _claimant(customer_id),
        "EUR",
        Actor.customer(customer_id),
        at,
        [line],
        _no_conversion,
    )


def edited(claim: Claim, note: str) -> Claim:
    """The draft ``claim`` one version on: its first line's description becomes ``note``."""
    patch = ClaimPatch(change_lines=(LinePatch(claim.lines[0].id, description=note),))
    actor = Actor.customer(claim.customer_id)
    at = claim.events[-1].at + timedelta(minutes=1)
    return commands.update_draft(claim, actor, at, patch, _no_conversion)


def submitted(claim: Claim, number: str) -> Claim:
    """The draft ``claim`` one version on: submitted under ``number``."""
    actor = Actor.customer(claim.customer_id)
    at = claim.events[-1].at + timedelta(minutes=1)
    return commands.submit(claim, actor, at, number, require_receipts=False)


def in_review(
    claim_id: str, *reviewers: str, customer_id: str = "cust-1", minutes: int = 0
) -> Claim:
    """A submitted claim (numbered ``CLM-<claim id>``) in review with ``reviewers``.

    One reviewer holds the whole claim; several hold one parallel plan step
    each (``step-1``, ``step-2``, …; a reviewer named twice holds two steps).
    """
    claim = submitted(draft(claim_id, customer_id, minutes=minutes), f"CLM-{claim_id}")
    at = claim.events[-1].at + timedelta(minutes=1)
    if len(reviewers) == 1:
        return commands.assign(claim, SYSTEM, at, reviewers[0], "round_robin", "next in turn")
    for step, reviewer in enumerate(reviewers, 1):
        assignment = Assignment(claim_id, reviewer, "skills", "department", f"step-{step}")
        claim = record_assignment(claim, SYSTEM, at, assignment)
    return claim


def approved(claim: Claim) -> Claim:
    """The claim in review one version on: approved in full by its assignee."""
    assert claim.assignee is not None, "approved() needs a claim in review"
    at = claim.events[-1].at + timedelta(minutes=1)
    return commands.approve(claim, Actor.reviewer(claim.assignee), at)


def rich_claim(claim_id: str, customer_id: str = "cust-1") -> Claim:
    """A claim with every part filled: a foreign-currency line, a document, messages,
    a partial approval and a payment request."""
    customer = Actor.customer(customer_id, "Zoë Martin")
    reviewer = Actor.reviewer("rev-7", "Rita")
    at = AT
    lines = [
        LineInput("taxi", date(2026, 2, 26), "Taxi Berlin", Money("12.30", "EUR"), "to clinic"),
        LineInput("hotel", date(2026, 2, 27), "Inn, NYC", Money("189.99", "USD"), "1 night"),
    ]
    claim = commands.start_draft(
        claim_id, _claimant(customer_id), "EUR", customer, at, lines, _usd_to_eur
    )
    receipt = Attachment("doc-1", "reçu taxi.pdf", "application/pdf", 18_734, "ab" * 32)
    steps: list[Callable[[Claim, datetime], Claim]] = [
        lambda c, t: commands.add_attachment(c, customer, t, receipt),
        lambda c, t: commands.update_draft(
            c,
            customer,
            t,
            ClaimPatch(change_lines=(LinePatch("L1", attachment_ids=("doc-1",)),)),
            _usd_to_eur,
        ),
        lambda c, t: commands.submit(c, customer, t, "CLM-2026-000042", require_receipts=False),
        lambda c, t: commands.assign(c, SYSTEM, t, reviewer.id, "round_robin", "next in turn"),
        lambda c, t: commands.post_message(c, reviewer, t, "Hotel: only the room is covered."),
        lambda c, t: commands.post_message(c, reviewer, t, "checked", Visibility.INTERNAL),
        lambda c, t: commands.approve(
            c, reviewer, t, [LineDecision("L2", Money("150.00", "EUR"), "minibar excluded")]
        ),
        lambda c, t: commands.request_payment(c, SYSTEM, t),
    ]
    for step in steps:
        at += timedelta(minutes=7)
        claim = step(claim, at)
    return claim


def notification(key: str, claim_id: str = "claim-1", customer_id: str = "cust-1") -> Notification:
    """A notification with dedupe ``key`` about a submitted claim."""
    return Notification(
        key,
        customer_id,
        claim_id,
        "CLM-2026-000001",
        EventType.SUBMITTED,
        "en",
        "We received your claim",
        f"Your claim is with our reviewers ({key}).",
    )
