"""The values a template sees for one event of a claim (see :data:`.templates.VARIABLES`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ..domain.claim import Claim
from ..domain.events import Event, EventType
from ..domain.money import Money
from ..domain.reasons import ReasonCatalogue
from ..domain.sla import SlaPolicy
from ..errors import ValidationError
from ..service.texts import CustomerTexts

__all__ = ["event_of", "template_values"]

E = EventType
_REASONED = frozenset({E.RETURNED, E.REJECTED, E.PAYMENT_FAILED, E.WITHDRAWN})
_DECIDED = frozenset({E.APPROVED, E.PARTIALLY_APPROVED})


def event_of(claim: Claim, key: str) -> Event | None:
    """The claim's event whose id is the notification ``key`` (``<claim id>#<seq>``)."""
    claim_id, sep, seq = key.rpartition("#")
    if not sep or claim_id != claim.id or not seq.isdigit():
        return None
    index = int(seq) - 1
    if not 0 <= index < len(claim.events):
        return None
    event = claim.events[index]
    return event if event.seq == int(seq) else None


def _money(text: str | None) -> Money | None:
    """An amount as events write it (``"42.50 EUR"``); None when absent or unreadable."""
    if not text:
        return None
    amount, _, currency = text.partition(" ")
    try:
        return Money(amount, currency)
    except ValidationError:
        return None


def _reason(
    event: Event, claim: Claim, texts: CustomerTexts, reasons: ReasonCatalogue | None
) -> str:
    """What the reviewer or the bank said, in the customer's words ("" when nothing)."""
    if event.type in _REASONED:
        return texts.detail(event, claim, reasons)
    if event.type in _DECIDED:
        # the detail is "<approved> of <claimed> approved<label><what was said>"
        data = event.data
        head = texts.phrase("decision").format(
            approved=data.get("approved", ""), claimed=data.get("claimed", "")
        )
        detail = texts.detail(event, claim, reasons)
        return detail[len(head) + len(texts.phrase("label")) :] if detail != head else ""
    return ""


def template_values(
    claim: Claim,
    event: Event,
    texts: CustomerTexts,
    *,
    sla: SlaPolicy | None,
    reasons: ReasonCatalogue | None,
    escalated: bool,
) -> Mapping[str, object]:
    """Everything the templates may show about ``event``, for the reader of ``texts``."""
    data = event.data
    expected: datetime | None = None
    if sla is not None:
        # the promise as it stood when the event happened: only events up to then count
        expected = sla.evaluate(claim, event.at).expected_completion
    return {
        "customer_name": claim.claimant.name,
        "claim_number": claim.number,
        "event_at": event.at,
        "claimed": _money(data.get("claimed")) or claim.claimed_total,
        "approved": _money(data.get("approved")),
        "amount": _money(data.get("amount")),
        "reason": _reason(event, claim, texts, reasons),
        "expected_completion": expected,
        "stage": data.get("stage", "review") if event.type is E.SLA_BREACHED else None,
        "escalated": escalated,
        "account_ending": data.get("account_ending") if event.type is E.PAYEE_CHANGED else None,
    }
