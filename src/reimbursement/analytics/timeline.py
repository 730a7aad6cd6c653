"""A claim's events summarised once into what the process KPIs need.

:func:`timelines` walks each claim's events a single time and keeps the
instants (submitted, decided, approved, paid, ended), the counts (returns,
re-submissions) and the visits to each :class:`ProcessStage`. Every KPI is
then a small computation over these summaries.
"""

from __future__ import annotations

import enum
import gc
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import NamedTuple

import attrs

from ..domain.claim import Claim, main_category
from ..domain.events import Event, EventType
from ..domain.frozen import FrozenMap, frozen_map
from ..domain.lifecycle import ClaimState

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
# read-only: a caller changing it would change the library's behaviour for everyone
STAGE_OF_STATE = MappingProxyType(dict(STAGE_OF_STATE))

_DECISIONS = frozenset({S.APPROVED, S.PARTIALLY_APPROVED, S.REJECTED})
_ENDS = frozenset({S.PAID, S.REJECTED, S.WITHDRAWN})
_STATE_FLAGS: Mapping[str, tuple[ProcessStage | None, bool, bool]] = {
    state.value: (STAGE_OF_STATE.get(state), state in _DECISIONS, state in _ENDS)
    for state in ClaimState
}
# Rows hold enums by value: compare with the values.
_SLA_BREACHED, _SUBMITTED = EventType.SLA_BREACHED.value, EventType.SUBMITTED.value
_RETURNED, _RESUBMITTED = EventType.RETURNED.value, EventType.RESUBMITTED.value
_PAID, _REJECTED = S.PAID.value, S.REJECTED.value


class Visit(NamedTuple):
    """A stretch of time a claim spent in one stage: ``[start, end)`` in epoch seconds.

    ``end`` is ``None`` while the claim is still there. A named tuple: there
    are several per claim, and a frozen attrs instance costs ten times more to make.
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
    stage_seconds: Mapping[ProcessStage, float] = attrs.field(converter=frozen_map)
    visits: tuple[Visit, ...]
    sla_breaches: frozenset[ProcessStage]
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    attributes: Mapping[str, str] = attrs.field(factory=FrozenMap, converter=frozen_map)

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


_SLA_STAGES: Mapping[str, ProcessStage] = {
    **{stage.value: stage for stage in ProcessStage},
    # The SLA part's stages (reimbursement.domain.sla) that have other names here.
    "finance_approval": ProcessStage.PAYMENT,
}


def _default_breach_stage(event: Event) -> ProcessStage | None:
    return _SLA_STAGES.get(event.data.get("stage", ""))


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
    events = claim.events
    first = last = events[0].at if events else None
    for event in events:
        kind, at, source, dest = event.type, event.at, event.from_state, event.to_state
        if first is not None and last is not None:
            if at < first:
                first = at
            elif at > last:
                last = at
        if dest == source:
            if kind == _SLA_BREACHED:
                stage = breach_stage(event)
                if stage is not None:
                    breaches.add(stage)
            continue
        new_stage, is_decision, is_end = _STATE_FLAGS[dest]
        if new_stage is not open_stage:
            now = at.timestamp()
            if open_stage is not None:
                seconds[open_stage] = seconds.get(open_stage, 0.0) + now - open_since
                visits.append(Visit(open_stage, open_since, now))
            open_stage, open_since = new_stage, now
        if kind == _SUBMITTED:
            if submitted is None:
                submitted = at
        elif kind == _RETURNED:
            returns += 1
        elif kind == _RESUBMITTED:
            resubmissions += 1
        if is_decision and decided is None:
            decided, outcome = at, ClaimState(dest)
            if dest != _REJECTED:
                approved = at
        if is_end:
            ended = at
            if dest == _PAID:
                paid = at
    if open_stage is not None:
        visits.append(Visit(open_stage, open_since, None))
    return CaseTimeline(
        claim.id,
        main_category(claim) or "",  # a claim without lines: no category
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
        _utc(first),
        _utc(last),
        dict(attributes(claim)) if attributes is not None else {},
    )


def timelines(
    claims: Iterable[Claim],
    *,
    breach_stage: Callable[[Event], ProcessStage | None] = _default_breach_stage,
    attributes: Callable[[Claim], Mapping[str, str]] | None = None,
) -> list[CaseTimeline]:
    """:func:`timeline` of each claim, in order."""
    # Timelines hold no reference cycles; without this pause the cyclic collector
    # rescans every claim in memory again and again while they are built (4x slower
    # on 200,000 claims).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [timeline(c, breach_stage=breach_stage, attributes=attributes) for c in claims]
    finally:
        if was_enabled:
            gc.enable()
