"""The 24-hour promise, per claim: approval to money sent, and to money confirmed.

:func:`payment_timing` reads a claim's timeline: when it was approved (in
full or in part), when its money was first sent (the payment run or the
gateway took it) and when the bank confirmed it. :func:`claims_at_risk`
lists the approved claims whose money is not sent yet and will not be by
the promise's deadline with a margin to spare, given when the next payment
run closes: the list finance works through before a claim misses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from ..domain.claim import Claim
from ..domain.events import EventType
from ..domain.lifecycle import ClaimState
from .runs import RunSchedule

__all__ = [
    "PROMISE",
    "AtRisk",
    "PaymentTiming",
    "PromiseSummary",
    "claims_at_risk",
    "payment_timing",
    "promise_summary",
]

PROMISE = timedelta(hours=24)
"""Approval to money sent, around the clock: weekends and bank holidays count."""

_APPROVALS = frozenset({EventType.APPROVED, EventType.PARTIALLY_APPROVED})


@attrs.frozen
class PaymentTiming:
    """When a claim was approved, its money sent and confirmed (``None``: not yet)."""

    claim_id: str
    approved_at: datetime | None
    sent_at: datetime | None
    confirmed_at: datetime | None

    @property
    def to_sent(self) -> timedelta | None:
        """Approval to money sent."""
        if self.approved_at is None or self.sent_at is None:
            return None
        return self.sent_at - self.approved_at

    @property
    def to_confirmed(self) -> timedelta | None:
        """Approval to money confirmed by the bank."""
        if self.approved_at is None or self.confirmed_at is None:
            return None
        return self.confirmed_at - self.approved_at

    def kept(self, promise: timedelta = PROMISE) -> bool | None:
        """True when the money was sent within ``promise`` of approval; ``None``: not sent yet."""
        sent = self.to_sent
        return None if sent is None else sent <= promise


def payment_timing(claim: Claim) -> PaymentTiming:
    """The claim's payment times from its timeline (the first approval, send and confirmation)."""
    approved = sent = confirmed = None
    for event in claim.events:
        kind = event.type
        if kind in _APPROVALS and approved is None:
            approved = event.at
        elif kind is EventType.PAYMENT_SENT and sent is None:
            sent = event.at
        elif kind is EventType.PAID and confirmed is None:
            confirmed = event.at
    return PaymentTiming(claim.id, approved, sent, confirmed)


@attrs.frozen
class AtRisk:
    """An approved claim whose money may not be sent in time."""

    claim_id: str
    due_at: datetime
    next_run: datetime
    waiting_for_finance: bool


def claims_at_risk(
    claims: Iterable[Claim],
    now: datetime,
    schedule: RunSchedule | None = None,
    *,
    promise: timedelta = PROMISE,
    margin: timedelta = timedelta(hours=4),
) -> list[AtRisk]:
    """The claims not sent yet whose next run closes later than ``margin`` before the deadline.

    A claim still waiting for finance's approval is at risk already when
    its next run is within the margin of the deadline; it is listed with
    ``waiting_for_finance`` so that finance knows whose move it is. Soonest
    deadline first.
    """
    runs = schedule if schedule is not None else RunSchedule()
    found = []
    for claim in claims:
        if claim.state not in (ClaimState.PAYMENT_REQUESTED, ClaimState.PAYMENT_APPROVED):
            continue
        timing = payment_timing(claim)
        if timing.approved_at is None or timing.sent_at is not None:
            continue
        due = timing.approved_at + promise
        next_run = runs.next_cutoff(now)
        if next_run + margin > due:
            waiting = claim.state is ClaimState.PAYMENT_REQUESTED
            found.append(AtRisk(claim.id, due, next_run, waiting))
    return sorted(found, key=lambda r: (r.due_at, r.claim_id))


@attrs.frozen
class PromiseSummary:
    """How well a set of claims kept the promise: shares of the claims whose money was sent."""

    sent: int
    """Claims approved whose money was sent."""
    sent_in_time: float
    """Share of those sent within the promise of approval (``nan`` when none was sent)."""
    confirmed_in_time: float
    """Share of those confirmed by the bank within the promise (``nan`` when none was sent)."""
    worst: timedelta | None
    """The longest approval-to-sent time."""


def promise_summary(claims: Iterable[Claim], promise: timedelta = PROMISE) -> PromiseSummary:
    """The promise kept over ``claims`` (for reports; per claim see :func:`payment_timing`)."""
    sent = [t for t in map(payment_timing, claims) if t.to_sent is not None]
    if not sent:
        return PromiseSummary(0, float("nan"), float("nan"), None)
    in_time = sum(t.to_sent is not None and t.to_sent <= promise for t in sent)
    confirmed = sum(t.to_confirmed is not None and t.to_confirmed <= promise for t in sent)
    worst = max(t.to_sent for t in sent if t.to_sent is not None)
    return PromiseSummary(len(sent), in_time / len(sent), confirmed / len(sent), worst)
