"""Claims built with the pure commands, for the contract suites and for your own tests.

Every instant is fixed (no wall clock) and aware, so a run is the same
everywhere; the claims are made by the real command functions, so a store
that round-trips them round-trips what the service writes.

:func:`draft` and :func:`in_review` start a claim at ``at`` (:data:`AT` when
not given). The other builders take a claim one step on, in the lifecycle's
order (:func:`submitted`, :func:`assigned`, :func:`returned`,
:func:`resubmitted`, :func:`approved`, :func:`rejected`, :func:`withdrawn`,
:func:`paid`); each step happens at its keyword ``at``, or a minute after
the claim's last event when it is not given::

    claim = approved(assigned(submitted(draft("claim-1"))))
    late = approved(assigned(submitted(draft("claim-2"))), at=after(hours=2))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    "after",
    "approved",
    "assigned",
    "draft",
    "edited",
    "in_review",
    "notification",
    "paid",
    "rejected",
    "resubmitted",
    "returned",
    "rich_claim",
    "submitted",
    "withdrawn",
]

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""When the builders start a claim unless told otherwise (its expenses are three days earlier)."""


def after(*, hours: float = 0, minutes: float = 0) -> datetime:
    """The instant ``hours`` and ``minutes`` after :data:`AT`."""
    return AT + timedelta(hours=hours, minutes=minutes)


_USD_EUR = Decimal("0.9173")
_FINANCE = Actor.finance("fin-1")


def _no_conversion(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    return money, None


def _usd_to_eur(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    if money.currency == currency:
        return money, None
    return Money(money.amount * _USD_EUR, currency), _USD_EUR


def _claimant(customer_id: str, language: str = "en") -> Claimant:
    return Claimant(
        customer_id,
        f"Customer {customer_id}",
        f"POL-{customer_id}",
        "DE89 3704 0044 0532 0130 00",
        f"{customer_id}@example.org",
        language,
    )


def _next(claim: Claim) -> datetime:
    """A minute after the claim's last event: when a step without an ``at`` happens."""
    return claim.events[-1].at + timedelta(minutes=1)


def _assignee(claim: Claim, step: str) -> Actor:
    assert claim.assignee is not None, f"{step}() needs a claim in review"
    return Actor.reviewer(claim.assignee)


def draft(
    claim_id: str,
    customer_id: str = "cust-1",
    *,
    at: datetime = AT,
    lines: Sequence[tuple[str, str]] = (("pharmacy", "42.50"),),
    language: str = "en",
) -> Claim:
    """A draft of ``customer_id`` (version 1), started at ``at``.

    One line in euros per ``(category, amount)`` of ``lines``, each an expense
    of three days before ``at``; ``language`` is the claimant's.
    """
    day = (at - timedelta(days=3)).date()
    items = [
        LineInput(category, day, "City Pharmacy", Money(amount, "EUR"))
        for category, amount in lines
    ]
    return commands.start_draft(
        claim_id,
        _claimant(customer_id, language),
        "EUR",
        Actor.customer(customer_id),
        at,
        items,
        _no_conversion,
    )


def edited(claim: Claim, note: str, *, at: datetime | None = None) -> Claim:
    """The draft ``claim`` one version on: its first line's description becomes ``note``."""
    patch = ClaimPatch(change_lines=(LinePatch(claim.lines[0].id, description=note),))
    actor = Actor.customer(claim.customer_id)
    return commands.update_draft(claim, actor, at or _next(claim), patch, _no_conversion)


def submitted(claim: Claim, number: str | None = None, *, at: datetime | None = None) -> Claim:
    """The draft ``claim`` submitted by its customer under ``number`` (``CLM-<claim id>``)."""
    actor = Actor.customer(claim.customer_id)
    number = number or f"CLM-{claim.id}"
    return commands.submit(claim, actor, at or _next(claim), number, require_receipts=False)


def assigned(claim: Claim, reviewer: str = "rev-1", *, at: datetime | None = None) -> Claim:
    """The submitted ``claim`` assigned to ``reviewer`` by the system, round robin."""
    return commands.assign(
        claim, SYSTEM, at or _next(claim), reviewer, "round_robin", "next in turn"
    )


def in_review(
    claim_id: str, *reviewers: str, customer_id: str = "cust-1", at: datetime = AT
) -> Claim:
    """A claim started, submitted (``CLM-<claim id>``) and assigned at ``at``.

    One reviewer (``rev-1`` when none is named) holds the whole claim; several
    hold one parallel plan step each (``step-1``, ``step-2``, …; a reviewer
    named twice holds two steps).
    """
    claim = submitted(draft(claim_id, customer_id, at=at), at=at)
    if len(reviewers) <= 1:
        return assigned(claim, *reviewers, at=at)
    for step, reviewer in enumerate(reviewers, 1):
        assignment = Assignment(claim_id, reviewer, "skills", "department", f"step-{step}")
        claim = record_assignment(claim, SYSTEM, at, assignment)
    return claim


def returned(claim: Claim, *reasons: str, at: datetime | None = None) -> Claim:
    """The claim in review sent back to its customer by its assignee, for ``reasons``
    (``missing_receipt`` when none is given)."""
    reviewer = _assignee(claim, "returned")
    return commands.return_for_correction(
        claim, reviewer, at or _next(claim), reasons or ("missing_receipt",)
    )


def resubmitted(claim: Claim, *, at: datetime | None = None) -> Claim:
    """The returned ``claim`` sent again by its customer, unchanged (to be assigned again)."""
    actor = Actor.customer(claim.customer_id)
    return commands.resubmit(
        claim, actor, at or _next(claim), ClaimPatch(), _no_conversion, require_receipts=False
    )


def approved(claim: Claim, *, at: datetime | None = None) -> Claim:
    """The claim in review approved in full by its assignee."""
    return commands.approve(claim, _assignee(claim, "approved"), at or _next(claim))


def rejected(
    claim: Claim, reason: str = "expense_not_covered", *, at: datetime | None = None
) -> Claim:
    """The claim in review rejected by its assignee with the reason code ``reason``."""
    reviewer = _assignee(claim, "rejected")
    return commands.reject(claim, reviewer, at or _next(claim), reason)


def withdrawn(claim: Claim, *, at: datetime | None = None) -> Claim:
    """``claim`` withdrawn by its customer."""
    return commands.withdraw(claim, Actor.customer(claim.customer_id), at or _next(claim))


def paid(claim: Claim, *, at: datetime | None = None, requested: datetime | None = None) -> Claim:
    """The approved ``claim`` paid: its payment requested by the system, approved and
    sent by finance (``fin-1``) at ``requested`` (its last event's instant when not
    given), and confirmed by the bank at ``at`` (a minute after the sending when not)."""
    requested = requested or claim.events[-1].at
    claim = commands.request_payment(claim, SYSTEM, requested)
    claim = commands.approve_payment(claim, _FINANCE, requested)
    claim = commands.send_payment(claim, _FINANCE, requested, f"PAY-{claim.id}")
    return commands.confirm_payment(claim, SYSTEM, at or _next(claim))


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
