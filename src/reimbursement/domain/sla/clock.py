"""Stage clocks derived from a claim's events; :mod:`.policy` measures them against targets.

A clock is never stored: it is replayed from the events each time, so it can
be recomputed at any instant of the claim's history. Each stage has a rule
saying which event types start, pause, resume and stop its clock; every
start after a stop opens a new cycle, and all cycles are kept.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from ..events import Event, EventType
from .worktime import to_us

__all__ = ["CLOCK_RULES", "ClockCycle", "ClockRule", "ClockSegment", "SlaStage", "clock_cycles"]


class SlaStage(enum.StrEnum):
    """A part of the claim's life that has a promised duration.

    Not what a customer rates: that is ``FeedbackStage``.
    """

    REVIEW = "review"
    """From submission to the decision; paused while the claim is back with the customer."""
    FINANCE_APPROVAL = "finance_approval"
    """From the payment request to finance's approval of it."""
    PAYMENT = "payment"
    """From approval to the money arriving (the 24-hour promise)."""


E = EventType


@attrs.frozen
class ClockRule:
    """The event types that start, pause, resume and stop one stage's clock."""

    start: frozenset[EventType]
    stop: frozenset[EventType]
    pause: frozenset[EventType] = frozenset()
    resume: frozenset[EventType] = frozenset()


CLOCK_RULES: Mapping[SlaStage, ClockRule] = {
    SlaStage.REVIEW: ClockRule(
        start=frozenset({E.SUBMITTED}),
        stop=frozenset({E.APPROVED, E.PARTIALLY_APPROVED, E.REJECTED, E.WITHDRAWN}),
        pause=frozenset({E.RETURNED}),
        resume=frozenset({E.RESUBMITTED}),
    ),
    SlaStage.FINANCE_APPROVAL: ClockRule(
        start=frozenset({E.PAYMENT_REQUESTED}), stop=frozenset({E.PAYMENT_APPROVED})
    ),
    SlaStage.PAYMENT: ClockRule(
        start=frozenset({E.APPROVED, E.PARTIALLY_APPROVED}), stop=frozenset({E.PAID})
    ),
}
"""How each stage's clock follows the lifecycle events."""
# read-only: a caller changing it would change the library's behaviour for everyone
CLOCK_RULES = MappingProxyType(dict(CLOCK_RULES))


@attrs.frozen
class ClockSegment:
    """A stretch during which the clock ran; ``end`` is None while it still runs."""

    start: datetime
    end: datetime | None = None


@attrs.frozen
class ClockCycle:
    """One start-to-stop run of a stage's clock, with the stretches it ran.

    ``cycle`` numbers the cycles of a stage from 1. ``stopped_at`` and
    ``stopped_by`` are None while the cycle is open.
    """

    stage: SlaStage
    cycle: int
    segments: tuple[ClockSegment, ...]
    stopped_at: datetime | None = None
    stopped_by: EventType | None = None

    @property
    def started_at(self) -> datetime:
        """When the cycle started."""
        return self.segments[0].start

    @property
    def running(self) -> bool:
        """True when the clock is counting now."""
        return self.segments[-1].end is None

    @property
    def paused(self) -> bool:
        """True when the cycle is open but its clock waits (the claim is with the customer)."""
        return self.stopped_at is None and not self.running


def clock_cycles(
    events: Iterable[Event],
    stage: SlaStage,
    now: datetime | None = None,
    rule: ClockRule | None = None,
) -> tuple[ClockCycle, ...]:
    """Every cycle of ``stage``'s clock, replayed from ``events`` (those after ``now`` ignored).

    ``rule`` defaults to the stage's entry of :data:`CLOCK_RULES`.
    """
    rule = rule or CLOCK_RULES[stage]
    cycles: list[ClockCycle] = []
    segments: list[ClockSegment] = []
    for event in events:
        if now is not None and to_us(event.at, "event.at") > to_us(now, "now"):
            continue
        kind, at = event.type, event.at
        if not segments:
            if kind in rule.start:
                segments.append(ClockSegment(at))
            continue
        last = segments[-1]
        if kind in rule.stop:
            if last.end is None:
                segments[-1] = ClockSegment(last.start, at)
            cycles.append(ClockCycle(stage, len(cycles) + 1, tuple(segments), at, kind))
            segments = []
        elif kind in rule.pause and last.end is None:
            segments[-1] = ClockSegment(last.start, at)
        elif kind in rule.resume and last.end is not None:
            segments.append(ClockSegment(at))
    if segments:
        cycles.append(ClockCycle(stage, len(cycles) + 1, tuple(segments)))
    return tuple(cycles)
