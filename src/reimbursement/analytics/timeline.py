"""A claim's events summarised once into what the process KPIs need.

:func:`timelines` walks each claim's events a single time and keeps the
instants (submitted, decided, approved, paid, ended), the counts (returns,
re-submissions) and the visits to each :class:`ProcessStage`. Every KPI is
then a small computation over these summaries.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

import attrs

from ..domain.claim import Claim
from ..domain.events import Event, EventType
from ..domain.lifecycle import ClaimState
from .feedback import main_category

__all__ = ["STAGE_OF_STATE", "CaseTimeline", "ProcessStage", "Visit", "timeline", "timelines"]


class ProcessStage(enum.StrEnum):
    """The parts of the process a claim waits in after submission."""

    INTAKE = "intake"
    """Submitted, waiting to be assigned to a reviewer."""
    REVIEW = "review"
    """With a reviewer."""
    CORRECTION = "correction"
    """Returned: with the customer, to correct."""
    PAYMENT = "payment"
    """Approved, until the money has arrived."""


S = ClaimState
STAGE_OF_STATE: Mapping[ClaimState, ProcessStage] = {
    S.SUBMITTED: ProcessStage.INTAKE,
    S.IN_REVIEW: ProcessStage.REVIEW,
    S.RETURNED: ProcessStage.CORRECTION,
    S.APPROVED: ProcessStage.PAYMENT,
    S.PARTIALLY_APPROVED: ProcessStage.PAYMENT,
    S.PAYMENT_REQUESTED: ProcessStage.PAYMENT,
    S.PAYMENT_APPROVED: ProcessStage.PAYMENT,
    S.PAYMENT_FAILED: ProcessStage.PAYMENT,
}
"""Which stage each state belongs to; draft and final states belong to none."""

_DECISIONS = frozenset({S.APPROVED, S.PARTIALLY_APPROVED, S.REJECTED})
_ENDS = frozenset({S.PAID, S.REJECTED, S.WITHDRAWN})


@attrs.frozen
class Visit:
    """A stretch of time a claim spent in one stage: ``[start, end)`` in epoch seconds.

    ``end`` is ``None`` while the claim is still there.
    """

    stage: ProcessStage
    start: float
    end: float | None


@attrs.frozen
class CaseTimeline:
    """One claim's process facts. Instants are aware UTC datetimes or ``None``.

    ``stage_seconds`` adds up the closed visits per stage (a visit still
    open is not in it). ``sla_breaches`` holds the stages that had an
    ``SLA_BREACHED`` event.
    """

    claim_id: str
    category: str
    assignee: str
    state: ClaimState
    submitted_at: datetime | None
    decided_at: datetime | None
    outcome: ClaimState | None
    approved_at: datetime | None
    paid_at: datetime | None
    ended_at: datetime | None
    returns: int
    resubmissions: int
    stage_seconds: Mapping[ProcessStage, float]
    visits: tuple[Visit, ...]
    sla_breaches: frozenset[ProcessStage]
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    attributes: Mapping[str, str] = attrs.field(factory=dict)

    def stage_hours(self, stage: ProcessStage) -> float | None:
        """Hours spent in ``stage`` (closed visits only); ``None`` without a closed visit."""
        seconds = self.stage_seconds.get(stage)
        return None if seconds is None else seconds / 3600

    @property
    def span_hours(self) -> float:
        """First to last event (any event, the draft's included), in hours.

        This is the *case duration* of process-mining tools reading the
        exported event log; 0 for a claim without events.
        """
        if self.first_event_at is None or self.last_event_at is None:
            return 0.0
        return (self.last_event_at - self.first_event_at).total_seconds() / 3600

    @property
    def end_to_end_hours(self) -> float | None:
        """First submission to paid or rejected, in hours; ``None`` otherwise."""
        if self.submitted_at is None or self.ended_at is None or self.state is S.WITHDRAWN:
            return None
        return (self.ended_at - self.submitted_at).total_seconds() / 3600

    @property
    def approval_to_paid_hours(self) -> float | None:
        """Approval to money arrived, in hours; ``None`` unless paid."""
        if self.approved_at is None or self.paid_at is None:
            return None
        return (self.paid_at - self.approved_at).total_seconds() / 3600

    @property
    def first_time_right(self) -> bool | None:
        """Decided without any return; ``None`` while undecided."""
        return None if self.decided_at is None else self.returns == 0


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC)


def _default_breach_stage(event: Event) -> ProcessStage | None:
    try:
        return ProcessStage(event.data.get("stage", ""))
    except ValueError:
        return None


def timeline(
    claim: Claim,
    *,
    breach_stage: Callable[[Event], ProcessStage | None] = _default_breach_stage,
    attributes: Callable[[Claim], Mapping[str, str]] | None = None,
) -> CaseTimeline:
    """The timeline of one claim from its events (in ``seq`` order).

    ``breach_stage`` reads the stage an ``SLA_BREACHED`` event is about (by
    default its ``data["stage"]``); ``attributes`` adds named values to
    group or split by (region, variant…).
    """
    submitted = decided = approved = paid = ended = None
    outcome = None
    returns = resubmissions = 0
    seconds: dict[ProcessStage, float] = {}
    visits: list[Visit] = []
    breaches: set[ProcessStage] = set()
    open_stage: ProcessStage | None = None
    open_since = 0.0
    for event in claim.events:
        kind = event.type
        if kind is EventType.SLA_BREACHED:
            stage = breach_stage(event)
            if stage is not None:
                breaches.add(stage)
            continue
        to = event.to_state
        if to is event.from_state:
            continue
        at = event.at
        now = at.timestamp()
        new_stage = STAGE_OF_STATE.get(to)
        if new_stage is not open_stage:
            if open_stage is not None:
                seconds[open_stage] = seconds.get(open_stage, 0.0) + now - open_since
                visits.append(Visit(open_stage, open_since, now))
            open_stage, open_since = new_stage, now
        if kind is EventType.SUBMITTED and submitted is None:
            submitted = at
        elif kind is EventType.RETURNED:
            returns += 1
        elif kind is EventType.RESUBMITTED:
            resubmissions += 1
        if to in _DECISIONS and decided is None:
            decided, outcome = at, to
            if to is not S.REJECTED:
                approved = at
        if to is S.PAID:
            paid = at
        if to in _ENDS:
            ended = at
    if open_stage is not None:
        visits.append(Visit(open_stage, open_since, None))
    return CaseTimeline(
        claim.id,
        main_category(claim),
        claim.assignee or "",
        claim.state,
        _utc(submitted),
        _utc(decided),
        outcome,
        _utc(approved),
        _utc(paid),
        _utc(ended),
        returns,
        resubmissions,
        seconds,
        tuple(visits),
        frozenset(breaches),
        _utc(min((e.at for e in claim.events), default=None)),
        _utc(max((e.at for e in claim.events), default=None)),
        dict(attributes(claim)) if attributes is not None else {},
    )


def timelines(
    claims: Iterable[Claim],
    *,
    breach_stage: Callable[[Event], ProcessStage | None] = _default_breach_stage,
    attributes: Callable[[Claim], Mapping[str, str]] | None = None,
) -> list[CaseTimeline]:
    """:func:`timeline` of each claim, in order."""
    return [timeline(c, breach_stage=breach_stage, attributes=attributes) for c in claims]
