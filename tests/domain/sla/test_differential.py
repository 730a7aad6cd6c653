"""Differential test: our business calendar against ``businesstimedelta`` 1.0.1.

Both libraries see the same calendars, instants and durations, drawn by a
seeded ``random.Random`` (10,000 additions, 2,000 differences), on the
calendars both can express: one working interval a day with an optional
lunch break, on chosen weekdays, in a zone, with a set of holidays, hours
away from the DST switch. Every difference is either zero or explained:

* adding zero: ``businesstimedelta`` moves an instant outside working time
  to the next opening; ``add(t, 0)`` is ``t`` by definition (so that
  ``between(t, add(t, d)) == d`` holds for every ``d``). We compare the
  reference with ``next_opening(t)`` instead.

Cases it gets wrong are kept out and tested against hand-computed answers
in ``test_calendar.py``: shifts that cross midnight, and subtracting from an
aware datetime (which can loop forever there). Its ``HolidayRule`` also
fails when no holiday follows within five years, so the holidays here
repeat every year past the instants drawn.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import businesstimedelta as btd
import pytest
import pytz

from reimbursement.domain.sla import BusinessCalendar

ADDITIONS = 10_000
DIFFERENCES = 2_000

# (zone, working weekdays, start, end, lunch or None)
SETUPS = [
    ("Europe/Berlin", (0, 1, 2, 3, 4), time(9), time(18), (time(12), time(13, 30))),
    ("America/New_York", (0, 1, 2, 3, 4), time(8, 30), time(17), None),
    ("Asia/Shanghai", (0, 1, 2, 3, 4, 5), time(9), time(17, 30), (time(12), time(13))),
    ("Australia/Sydney", (1, 2, 3, 4), time(7, 15), time(15, 45), (time(11, 40), time(12, 5))),
    ("UTC", (0, 2, 4, 6), time(6), time(22), (time(10), time(10, 30))),
]


def _holidays(rng: random.Random) -> set[date]:
    days = {date(2024, 1, 1) + timedelta(days=rng.randrange(366)) for _ in range(15)}
    return {
        d.replace(year=y) for d in days if (d.month, d.day) != (2, 29) for y in range(2023, 2036)
    }


def _pair(
    setup: tuple[str, tuple[int, ...], time, time, tuple[time, time] | None], rng: random.Random
):
    zone, days, start, end, lunch = setup
    holidays = _holidays(rng)
    intervals = [(start, end)] if lunch is None else [(start, lunch[0]), (lunch[1], end)]
    ours = BusinessCalendar(zone, dict.fromkeys(days, intervals), holidays=holidays)
    tz = pytz.timezone(zone)
    rules = [
        btd.WorkDayRule(start_time=start, end_time=end, working_days=list(days), tz=tz),
        btd.HolidayRule(holidays, tz=tz),
    ]
    if lunch is not None:
        rules.append(
            btd.LunchTimeRule(
                start_time=lunch[0], end_time=lunch[1], working_days=list(days), tz=tz
            )
        )
    return ours, btd.Rules(rules), tz


def _instant(rng: random.Random, tz: pytz.BaseTzInfo) -> datetime:
    naive = datetime(2024, 1, 1) + timedelta(seconds=rng.randrange(8 * 366 * 86_400))
    # Whole minutes half of the time, so that interval boundaries are hit exactly.
    if rng.random() < 0.5:
        naive = naive.replace(second=0)
    return tz.normalize(pytz.utc.localize(naive).astimezone(tz))


def _duration(rng: random.Random) -> timedelta:
    roll = rng.random()
    if roll < 0.05:
        return timedelta(0)
    if roll < 0.5:
        return timedelta(minutes=rng.randrange(1, 8 * 60))
    return timedelta(seconds=rng.randrange(1, 3 * 10 * 3600))


@pytest.mark.parametrize("index", range(len(SETUPS)))
def test_additions_agree_with_businesstimedelta(index: int) -> None:
    rng = random.Random(4000 + index)
    ours, rules, tz = _pair(SETUPS[index], rng)
    for _ in range(ADDITIONS // len(SETUPS)):
        start, duration = _instant(rng, tz), _duration(rng)
        theirs = start + btd.BusinessTimeDelta(rules, timedelta=duration)
        if duration:
            assert ours.add(start, duration) == theirs, (start, duration)
        else:
            # Explained: the reference moves to the next opening; add(t, 0) is t.
            assert ours.add(start, duration) == start
            assert ours.next_opening(start) == theirs, start


@pytest.mark.parametrize("index", range(len(SETUPS)))
def test_differences_agree_with_businesstimedelta(index: int) -> None:
    rng = random.Random(5000 + index)
    ours, rules, tz = _pair(SETUPS[index], rng)
    for _ in range(DIFFERENCES // len(SETUPS)):
        a = _instant(rng, tz)
        b = a + timedelta(seconds=rng.randrange(0, 4 * 86_400))
        theirs = rules.difference(a, b).timedelta
        assert ours.between(a, b) == theirs, (a, b)
        assert ours.between(b, a) == -theirs
