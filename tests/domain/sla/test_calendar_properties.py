"""Invariants of business calendars, over random calendars, instants and durations."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reimbursement.domain.sla import BusinessCalendar

from .strategies import calendars, durations, instants, utc


@given(calendars(), instants(), durations())
def test_adding_then_measuring_gives_back_the_duration(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = cal.add(start, duration)
    assert utc(end) >= utc(start)
    assert cal.between(start, end) == duration
    assert cal.between(end, start) == -duration


@given(calendars(), instants(), durations(max_days=20))
def test_counting_back_then_measuring_gives_back_the_duration(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    earlier = cal.add(start, -duration)
    assert utc(earlier) <= utc(start)
    assert cal.between(earlier, start) == duration


@given(calendars(), instants(), instants(), durations())
def test_result_is_monotonic_in_the_start(
    cal: BusinessCalendar, a: datetime, b: datetime, duration: timedelta
) -> None:
    early, late = sorted((a, b), key=utc)
    assert utc(cal.add(early, duration)) <= utc(cal.add(late, duration))


@given(calendars(), instants(), durations(), durations())
def test_result_is_monotonic_in_the_duration(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    short, long = sorted((d1, d2))
    assert utc(cal.add(start, short)) <= utc(cal.add(start, long))


@given(calendars(), st.lists(instants(), min_size=3, max_size=3))
def test_between_adds_up_and_never_exceeds_clock_time(
    cal: BusinessCalendar, points: list[datetime]
) -> None:
    a, b, c = sorted(points, key=utc)
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert timedelta(0) <= cal.between(a, b) <= utc(b) - utc(a)


@given(calendars(), instants())
def test_next_opening_is_the_first_working_instant(cal: BusinessCalendar, t: datetime) -> None:
    opening = cal.next_opening(t)
    assert utc(opening) >= utc(t)
    assert cal.is_working(opening)
    assert cal.between(t, opening) == timedelta(0)
    assert (utc(opening) == utc(t)) == cal.is_working(t)


@given(calendars(), instants(), st.integers(1, 10))
def test_intervals_are_disjoint_working_time_that_sums_to_between(
    cal: BusinessCalendar, start: datetime, days: int
) -> None:
    end = start + timedelta(days=days)
    found = list(cal.intervals(start, end))
    assert sum((utc(e) - utc(s) for s, e in found), timedelta(0)) == cal.between(start, end)
    for (_, e1), (s2, _) in itertools.pairwise(found):
        assert utc(e1) < utc(s2)
    for s, e in found:
        assert cal.is_working(s)
        assert utc(e) == utc(end) or not cal.is_working(e)  # clipped, or a real closing
