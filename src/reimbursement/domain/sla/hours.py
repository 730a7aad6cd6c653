"""Working hours: the intervals of a day and a week, as a business calendar takes them.

Intervals are ``"HH:MM-HH:MM"`` strings or ``(time, time)`` pairs; an end at
or before the start is on the next day (a night shift). :func:`week_hours`
and :func:`day_hours` parse and check them for
:class:`~reimbursement.domain.sla.BusinessCalendar`; :func:`weekly` writes a
week in one line.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import time

from ...errors import CalendarError

__all__ = ["MON_FRI", "Interval", "day_hours", "week_hours", "weekly"]

Interval = tuple[time, time] | str
"""Working hours of a day: ``(time(9), time(12))`` or ``"09:00-12:00"``.
An end at or before the start is on the next day (``"22:00-06:00"``)."""

MON_FRI = range(5)
"""Monday to Friday, as ``date.weekday()`` numbers."""

_DAY_US = 86_400_000_000
_WEEK_US = 7 * _DAY_US


def _parse_interval(value: object, path: str) -> tuple[time, time]:
    if isinstance(value, str):
        parts = value.split("-")
        try:
            if len(parts) != 2:
                raise ValueError
            start, end = time.fromisoformat(parts[0].strip()), time.fromisoformat(parts[1].strip())
        except ValueError:
            raise CalendarError(f'{path}: {value!r} is not like "09:00-12:30"') from None
    elif (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], time)
        and isinstance(value[1], time)
    ):
        start, end = value
    else:
        raise CalendarError(f'{path}: {value!r} is not a (time, time) pair or "09:00-12:30"')
    if start.tzinfo is not None or end.tzinfo is not None:
        raise CalendarError(
            f"{path}: give wall-clock times without tzinfo; the zone is the calendar's"
        )
    return start, end


def _offset(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _check_overlaps(spans: list[tuple[int, int, str]], period: int | None) -> None:
    """Refuse overlapping spans; with ``period``, spans past its end wrap to its start."""
    spans = sorted(spans)
    if period is not None:
        spans += [(s - period, e - period, name) for s, e, name in spans if e > period]
        spans.sort()
    for (_, prev_end, prev), (start, _, name) in itertools.pairwise(spans):
        if start < prev_end:
            raise CalendarError(f"working hours overlap: {prev} and {name}; merge or shorten them")


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def week_hours(
    hours: Mapping[int, Sequence[Interval]],
) -> tuple[tuple[tuple[time, time], ...], ...]:
    """The seven days' shifts (Monday first) of ``hours``, a weekday number -> intervals map.

    Raises :class:`~reimbursement.errors.CalendarError` for a bad weekday, a malformed
    interval, overlapping shifts (across midnight and Sunday night too) or
    an empty week.
    """
    week: list[tuple[tuple[time, time], ...]] = [() for _ in range(7)]
    spans: list[tuple[int, int, str]] = []
    for day, intervals in hours.items():
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise CalendarError(f"hours: {day!r} is not a weekday number 0 (Monday) to 6 (Sunday)")
        parsed = tuple(
            _parse_interval(v, f"hours[{day}][{i}]") for i, v in enumerate(_listify(intervals))
        )
        week[day] = parsed
        for start, end in parsed:
            s = day * _DAY_US + _offset(start)
            e = day * _DAY_US + _offset(end) + (0 if end > start else _DAY_US)
            spans.append((s, e, f"{_WEEKDAYS[day]} {start:%H:%M}-{end:%H:%M}"))
    if not spans:
        raise CalendarError("the week has no working hours; give hours for at least one weekday")
    _check_overlaps(spans, _WEEK_US)
    return tuple(week)


def _listify(intervals: object) -> list[object]:
    if isinstance(intervals, str) or (
        isinstance(intervals, tuple) and len(intervals) == 2 and isinstance(intervals[0], time)
    ):
        return [intervals]
    if not isinstance(intervals, Iterable):
        raise CalendarError(f"hours: {intervals!r} is not a list of intervals")
    return list(intervals)


def day_hours(value: Sequence[Interval], path: str) -> tuple[tuple[time, time], ...]:
    """One day's shifts; ``path`` names the field in the :class:`CalendarError`."""
    parsed = tuple(_parse_interval(v, f"{path}[{i}]") for i, v in enumerate(_listify(value)))
    spans = [
        (_offset(s), _offset(e) + (0 if e > s else _DAY_US), f"{path} {s:%H:%M}-{e:%H:%M}")
        for s, e in parsed
    ]
    _check_overlaps(spans, None)
    return parsed


def weekly(*intervals: Interval, days: Iterable[int] = MON_FRI) -> dict[int, tuple[Interval, ...]]:
    """The same intervals on each of ``days``: ``weekly("09:00-12:00", "13:30-18:00")``."""
    return dict.fromkeys(days, intervals)
