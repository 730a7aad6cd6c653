"""Service levels: business calendars, stage clocks, targets and where a claim stands.

Pure domain, no I/O, no clock read: ``now`` is always passed in. The pieces:

- :mod:`.calendar`: :class:`BusinessCalendar` (working hours in a time zone,
  holidays, make-up days), :data:`AROUND_THE_CLOCK` for plain clock time,
  and the :class:`WorkingTime` protocol both follow;
- :mod:`.hours`: working hours of a day and a week (:func:`weekly`);
- :mod:`.worktime`: the exact, DST-correct engine behind business calendars;
- :mod:`.clock`: stage clocks replayed from a claim's events
  (:func:`clock_cycles`, :data:`CLOCK_RULES`);
- :mod:`.records`: targets, statuses, standings and crossings;
- :mod:`.policy`: :class:`SlaPolicy` (targets per stage, warnings,
  variants) and :func:`record_crossings`, the sweeper's command.

See ``docs/sla.md``.
"""

from .calendar import (
    AROUND_THE_CLOCK,
    AroundTheClock,
    BusinessCalendar,
    HolidaySource,
    WorkingTime,
)
from .clock import CLOCK_RULES, ClockCycle, ClockRule, ClockSegment, SlaStage, clock_cycles
from .hours import MON_FRI, Interval, weekly
from .policy import SlaPolicy, record_crossings, recorded_crossings
from .records import ClaimSla, CrossingKind, SlaCrossing, SlaStatus, StageSla, Target

__all__ = [
    "AROUND_THE_CLOCK",
    "CLOCK_RULES",
    "MON_FRI",
    "AroundTheClock",
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
    "Target",
    "WorkingTime",
    "clock_cycles",
    "record_crossings",
    "recorded_crossings",
    "weekly",
]
