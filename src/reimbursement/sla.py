"""Service levels: business calendars, stage clocks, targets, crossings and the sweep.

:class:`BusinessCalendar` (or :data:`AROUND_THE_CLOCK`) measures time,
:class:`SlaPolicy` sets targets per stage, :class:`ClaimSla` says where a
claim stands, and the desk's sweep records crossings and returns a
:class:`SweepReport`, escalating breaches through a
:class:`BreachEscalation`. See ``docs/sla.md``.
"""

from .domain.sla import (
    AROUND_THE_CLOCK,
    CLOCK_RULES,
    MON_FRI,
    AroundTheClock,
    BusinessCalendar,
    ClaimSla,
    ClockCycle,
    ClockRule,
    ClockSegment,
    CrossingKind,
    HolidaySource,
    Interval,
    SlaCrossing,
    SlaPolicy,
    SlaStage,
    SlaStatus,
    StageSla,
    Target,
    WorkingTime,
    clock_cycles,
    record_crossings,
    recorded_crossings,
    weekly,
)
from .service.sweeper import BreachEscalation, SweepReport

__all__ = [
    "AROUND_THE_CLOCK",
    "CLOCK_RULES",
    "MON_FRI",
    "AroundTheClock",
    "BreachEscalation",
    "BusinessCalendar",
    "ClaimSla",
    "ClockCycle",
    "ClockRule",
    "ClockSegment",
    "CrossingKind",
    "HolidaySource",
    "Interval",
    "SlaCrossing",
    "SlaPolicy",
    "SlaStage",
    "SlaStatus",
    "StageSla",
    "SweepReport",
    "Target",
    "WorkingTime",
    "clock_cycles",
    "record_crossings",
    "recorded_crossings",
    "weekly",
]
