"""Read models: what the customer sees of a claim."""

from __future__ import annotations

from datetime import datetime

import attrs

from ..domain.actors import Role
from ..domain.authorization import ROLE_ACTIONS
from ..domain.claim import Claim, ExpenseLine, Message, PaymentStatus
from ..domain.events import EventType
from ..domain.lifecycle import LIFECYCLE, ClaimState
from ..domain.money import Money
from ..domain.sla import ClaimSla, SlaStatus
from .texts import CustomerTexts

__all__ = ["ClaimTracking", "TimelineEntry", "tracking"]


@attrs.frozen
class TimelineEntry:
    """One step of the customer's timeline."""

    at: datetime
    event: EventType
    title: str
    detail: str


@attrs.frozen
class ClaimTracking:
    """The customer's view of one claim: where it is, what comes next, what happened.

    ``customer_actions`` are the actions the customer can take now (for
    example ``resubmit`` and ``withdraw`` when it was returned).
    ``return_reasons`` are the reviewer's comments of the latest return.
    With an SLA policy on the desk, ``due`` is when the current stage is
    promised to finish, ``on_time`` how it stands against that promise, and
    ``expected_completion`` when the claim should be paid (or decided).
    """

    claim_id: str
    number: str | None
    state: ClaimState
    stage: str
    next_step: str
    claimed: Money
    approved: Money
    paid: Money
    payment_status: PaymentStatus | None
    customer_actions: tuple[str, ...]
    return_reasons: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    messages: tuple[Message, ...]
    lines: tuple[ExpenseLine, ...] = ()
    due: datetime | None = None
    on_time: SlaStatus | None = None
    expected_completion: datetime | None = None


def tracking(claim: Claim, texts: CustomerTexts, sla: ClaimSla | None = None) -> ClaimTracking:
    """The customer's view of ``claim``: internal notes and staff ids left out."""
    timeline = tuple(
        TimelineEntry(e.at, e.type, texts.title(e), texts.detail(e))
        for e in claim.visible_events()
    )
    decision = claim.decision
    returned = decision.reasons if claim.state is ClaimState.RETURNED and decision else ()
    customer = ROLE_ACTIONS[Role.CUSTOMER]
    payment = claim.payment
    current = next((s for s in reversed(sla.stages) if s.open), None) if sla else None
    return ClaimTracking(
        claim.id,
        claim.number,
        claim.state,
        texts.stage(claim.state),
        texts.next_step(claim.state),
        claim.claimed_total,
        claim.approved_total,
        claim.paid_total,
        payment.status if payment is not None else None,
        tuple(a.value for a in LIFECYCLE.allowed(claim.state) if a in customer),
        returned,
        timeline,
        tuple(claim.visible_messages()),
        claim.lines,
        current.due if current else None,
        current.status if current else None,
        sla.expected_completion if sla else None,
    )
