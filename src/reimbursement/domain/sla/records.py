"""The service-level records: targets, where a claim stands, what a sweeper records.

:class:`~reimbursement.domain.sla.SlaPolicy` holds the targets and makes the
other records; ``reimbursement.domain.sla`` exports them all.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from ...errors import ValidationError
from ..events import EventType
from .calendar import AROUND_THE_CLOCK, WorkingTime
from .clock import SlaStage

__all__ = [
    "ClaimSla",
    "CrossingKind",
    "SlaCrossing",
    "SlaStatus",
    "StageSla",
    "Target",
    "scheduled_status",
]


class SlaStatus(enum.StrEnum):
    """Where one cycle of a stage stands against its target."""

    ON_TRACK = "on_track"
    WARNING = "warning"
    """Past the warning threshold, not yet due."""
    BREACHED = "breached"
    """Still open and past its due time."""
    MET = "met"
    """Finished by its due time."""
    MISSED = "missed"
    """Finished after its due time."""


def scheduled_status(
    due_at: datetime | None, next_check_at: datetime | None, now: datetime
) -> SlaStatus:
    """The running stage's status at ``now`` from a stored schedule alone (no claim read).

    ``next_check_at`` is the schedule's: the stage's warning instant while
    that warning is still to be recorded, then its due time. So a check
    before ``now``, or one at the due time, means the warning threshold is
    behind; ``due_at`` behind ``now`` is a breach.
    """
    if due_at is None:
        return SlaStatus.ON_TRACK
    if due_at <= now:
        return SlaStatus.BREACHED
    warned = next_check_at is not None and (next_check_at <= now or next_check_at >= due_at)
    return SlaStatus.WARNING if warned else SlaStatus.ON_TRACK


class CrossingKind(enum.StrEnum):
    """What a clock crossed."""

    WARNING = "warning"
    BREACH = "breach"

    @property
    def event_type(self) -> EventType:
        """The event that records this kind of crossing."""
        return EventType.SLA_WARNING if self is CrossingKind.WARNING else EventType.SLA_BREACHED


def _positive(_: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValidationError.at(attribute.name, f"must be longer than zero, got {value}")


@attrs.frozen
class Target:
    """A promised duration, counted on ``calendar`` (clock time by default).

    Raises :class:`~reimbursement.errors.ValidationError` for a duration of zero or less.
    """

    within: timedelta = attrs.field(validator=_positive)
    calendar: WorkingTime = AROUND_THE_CLOCK


@attrs.frozen
class StageSla:
    """One cycle of one stage's clock, measured against its target at ``ClaimSla.at``.

    ``remaining`` is ``target - elapsed`` and turns negative once overdue.
    ``due`` is None while the clock is paused before its due time (it
    depends on when the customer answers); for a met cycle it is when it
    would have been due.
    ``warning_at`` is when the warning threshold is (or was) reached.
    """

    stage: SlaStage
    cycle: int
    status: SlaStatus
    target: timedelta
    elapsed: timedelta
    remaining: timedelta
    started_at: datetime
    due: datetime | None
    warning_at: datetime | None
    stopped_at: datetime | None
    paused: bool

    @property
    def open(self) -> bool:
        """True until the stage's clock stops."""
        return self.stopped_at is None


@attrs.frozen
class ClaimSla:
    """Where a claim stands against its policy at instant ``at``.

    ``stages`` holds every cycle of every stage with a target, in stage
    order. ``expected_completion`` is when the claim should be paid (or
    decided, if rejected), assuming every stage ahead takes its full target;
    while the claim waits on the customer it assumes they answer at ``at``.
    It is None for a draft, and the final event's time once the claim is done.
    """

    claim_id: str
    at: datetime
    stages: tuple[StageSla, ...]
    expected_completion: datetime | None
    waiting_on_customer: bool

    def current(self, stage: SlaStage) -> StageSla | None:
        """The latest cycle of ``stage``, or None when its clock never started."""
        found = [s for s in self.stages if s.stage is stage]
        return found[-1] if found else None


@attrs.frozen
class SlaCrossing:
    """A warning threshold or a due time that one cycle of a stage's clock crossed.

    ``at`` is when it was crossed; ``active`` is False when the stage had
    already finished when the crossing was found (a late run of the sweeper):
    record it, but there is nobody left to escalate to.
    """

    claim_id: str
    stage: SlaStage
    cycle: int
    kind: CrossingKind
    at: datetime
    due: datetime | None
    active: bool

    @property
    def event_type(self) -> EventType:
        """``SLA_WARNING`` or ``SLA_BREACHED``."""
        return self.kind.event_type

    @property
    def key(self) -> tuple[SlaStage, CrossingKind, int]:
        """What makes the crossing unique on its claim: stage, kind, cycle."""
        return (self.stage, self.kind, self.cycle)

    def event_data(self) -> Mapping[str, str]:
        """The ``data`` of the event that records it; :func:`recorded_crossings` reads it back."""
        data = {
            "stage": self.stage.value,
            "cycle": str(self.cycle),
            "crossed_at": self.at.isoformat(),
        }
        if self.due is not None:
            data["due"] = self.due.isoformat()
        return data
