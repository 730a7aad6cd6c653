"""A claim's events summarised once into what the process KPIs need.

:func:`timelines` walks each claim's events a single time and keeps the
instants (submitted, decided, approved, paid, ended), the counts (returns,
re-submissions) and the visits to each :class:`ProcessStage`. Every KPI is
then a small computation over these summaries.

A :class:`CaseTimeline` keeps its per-stage figures as plain tuples of
numbers, built into named objects when read: a year of claims is hundreds
of thousands of timelines, and a dictionary, a set and a named tuple per
visit in each were millions of containers for the garbage collector to walk
again on every full collection while the list grew. The collector stops
tracking a tuple of plain numbers the first time it looks at it, so what it
keeps walking is one object per claim.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import NamedTuple

import attrs

from ..domain.claim import Claim, main_category
from ..domain.events import Event, EventType
from ..domain.frozen import FrozenMap, frozen_map
from ..domain.lifecycle import ClaimState

__all__ = [
    "STAGE_OF_STATE",
    "CaseTimeline",
    "ProcessStage",
    "Visit",
    "all_visits",
    "timeline",
    "timelines",
]


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

# A timeline names a stage by its position in ProcessStage.
_STAGES: tuple[ProcessStage, ...] = tuple(ProcessStage)
_POSITION: Mapping[ProcessStage, int] = {stage: i for i, stage in enumerate(_STAGES)}

_DECISIONS = frozenset({S.APPROVED, S.PARTIALLY_APPROVED, S.REJECTED})
_ENDS = frozenset({S.PAID, S.REJECTED, S.WITHDRAWN})
_STATE_FLAGS: Mapping[ClaimState, tuple[int | None, bool, bool]] = {
    state: (
        _POSITION[STAGE_OF_STATE[state]] if state in STAGE_OF_STATE else None,
        state in _DECISIONS,
        state in _ENDS,
    )
    for state in ClaimState
}
"""Per state: its stage's position (``None``: no stage), a decision?, an end?"""
_SLA_BREACHED, _SUBMITTED = EventType.SLA_BREACHED, EventType.SUBMITTED
_RETURNED, _RESUBMITTED = EventType.RETURNED, EventType.RESUBMITTED


class Visit(NamedTuple):
    """A stretch of time a claim spent in one stage: ``[start, end)`` in epoch seconds.

    ``end`` is ``None`` while the claim is still there.
    """

    stage: ProcessStage
    start: float
    end: float | None


@attrs.frozen
class CaseTimeline:
    """One claim's process facts. Instants are aware UTC datetimes or ``None``.

    Made by :func:`timeline`. ``stage_seconds`` adds up the closed visits
    per stage (a visit still open is not in it). ``sla_breaches`` holds the
    stages that had an ``SLA_BREACHED`` event.
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
    # per stage position: seconds in closed visits, None for a stage never left
    _seconds: tuple[float | None, ...] = attrs.field(repr=False)
    # each visit as (stage position, start, end)
    _visits: tuple[tuple[int, float, float | None], ...] = attrs.field(repr=False)
    # the stage positions an SLA_BREACHED event named, in order, once each
    _breaches: tuple[int, ...] = attrs.field(repr=False)
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    attributes: Mapping[str, str] = attrs.field(factory=FrozenMap, converter=frozen_map)

    @property
    def stage_seconds(self) -> Mapping[ProcessStage, float]:
        """Seconds in each stage the claim has left at least once (all visits added up)."""
        return {
            stage: seconds
            for stage, seconds in zip(_STAGES, self._seconds, strict=True)
            if seconds is not None
        }

    @property
    def visits(self) -> tuple[Visit, ...]:
        """The claim's visits to the stages, in order; the last one may be open."""
        return tuple(Visit(_STAGES[stage], start, end) for stage, start, end in self._visits)

    @property
    def sla_breaches(self) -> frozenset[ProcessStage]:
        """The stages an ``SLA_BREACHED`` event named."""
        return frozenset(_STAGES[i] for i in self._breaches)

    def seconds_in(self, stage: ProcessStage) -> float | None:
        """Seconds spent in ``stage`` (closed visits only); ``None`` without a closed visit."""
        return self._seconds[_POSITION[stage]]

    def stage_hours(self, stage: ProcessStage) -> float | None:
        """Hours spent in ``stage`` (closed visits only); ``None`` without a closed visit."""
        seconds = self._seconds[_POSITION[stage]]
        return None if seconds is None else seconds / 3600

    def breached(self, stage: ProcessStage) -> bool:
        """Whether an ``SLA_BREACHED`` event named ``stage``."""
        return _POSITION[stage] in self._breaches

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


_Facts = tuple[
    datetime | None,
    datetime | None,
    ClaimState | None,
    datetime | None,
    datetime | None,
    datetime | None,
    int,
    int,
    tuple[float | None, ...],
    tuple[tuple[int, float, float | None], ...],
    tuple[int, ...],
    datetime | None,
    datetime | None,
]
"""The fields of a :class:`CaseTimeline` from ``submitted_at`` to ``last_event_at``, in order.

A plain tuple: a named one, made per claim, cost 3 % of the walk.
"""


def _walk(events: Iterable[Event], breach_stage: Callable[[Event], ProcessStage | None]) -> _Facts:
    """What one pass over a claim's events finds."""
    submitted = decided = approved = paid = ended = first = last = outcome = None
    returns = resubmissions = 0
    seconds: list[float | None] = [None] * len(_STAGES)
    visits: list[tuple[int, float, float | None]] = []
    breaches: list[int] = []
    stage: int | None = None  # the position of the stage the claim is in
    since = 0.0
    for event in events:
        kind, at, dest = event.type, event.at, event.to_state
        if first is None or at < first:
            first = at
        if last is None or at > last:
            last = at
        if dest is event.from_state:
            if kind is _SLA_BREACHED:
                _add_breach(breaches, breach_stage(event))
            continue
        position, is_decision, is_end = _STATE_FLAGS[dest]
        if position != stage:
            now = at.timestamp()
            if stage is not None:
                so_far = seconds[stage]
                seconds[stage] = (0.0 if so_far is None else so_far) + now - since
                visits.append((stage, since, now))
            stage, since = position, now
        if kind is _SUBMITTED:
            if submitted is None:
                submitted = at
        elif kind is _RETURNED:
            returns += 1
        elif kind is _RESUBMITTED:
            resubmissions += 1
        if is_decision and decided is None:
            decided, outcome = at, dest
            if dest is not S.REJECTED:
                approved = at
        if is_end:
            ended = at
            if dest is S.PAID:
                paid = at
    if stage is not None:
        visits.append((stage, since, None))
    return (
        _utc(submitted),
        _utc(decided),
        outcome,
        _utc(approved),
        _utc(paid),
        _utc(ended),
        returns,
        resubmissions,
        tuple(seconds),
        tuple(visits),
        tuple(breaches),
        _utc(first),
        _utc(last),
    )


def _add_breach(breaches: list[int], stage: ProcessStage | None) -> None:
    if stage is not None and _POSITION[stage] not in breaches:
        breaches.append(_POSITION[stage])


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
    return CaseTimeline(
        claim.id,
        main_category(claim) or "",  # a claim without lines: no category
        claim.assignee or "",
        claim.state,
        *_walk(claim.events, breach_stage),
        dict(attributes(claim)) if attributes is not None else {},
    )


def all_visits(
    cases: Iterable[CaseTimeline],
) -> Iterator[tuple[ProcessStage, float, float | None]]:
    """Every visit of every case in order, as ``(stage, start, end)`` like a :class:`Visit`.

    For counting over many cases: plain tuples, without a ``Visit`` built per visit.
    """
    for case in cases:
        for position, start, end in case._visits:
            yield _STAGES[position], start, end


def timelines(
    claims: Iterable[Claim],
    *,
    breach_stage: Callable[[Event], ProcessStage | None] = _default_breach_stage,
    attributes: Callable[[Claim], Mapping[str, str]] | None = None,
) -> list[CaseTimeline]:
    """:func:`timeline` of each claim, in order."""
    return [timeline(c, breach_stage=breach_stage, attributes=attributes) for c in claims]
