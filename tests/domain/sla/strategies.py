"""Hypothesis strategies for business calendars, instants and durations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import YEARLY, rrule
from hypothesis import strategies as st

from reimbursement.domain.sla import BusinessCalendar

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Santiago",
    "Asia/Shanghai",
)

# Instants just around DST switches, where calendars are most easily wrong.
_SWITCHES = tuple(
    datetime(y, m, d, h, tzinfo=UTC)
    for y in (2024, 2025, 2026)
    for m, d, h in ((3, 31, 1), (10, 27, 1), (3, 10, 7), (11, 3, 6), (4, 6, 3), (9, 7, 4))
)


def _minutes(m: int) -> time:
    return time(m // 60, m % 60)


@st.composite
def day_hours(draw: st.DrawFn) -> list[tuple[time, time]]:
    """0 to 3 intervals between 06:00 and 22:00, and sometimes a night shift past midnight."""
    cuts = draw(
        st.lists(st.integers(24, 88), max_size=6, unique=True).map(sorted)
    )  # quarter hours
    if len(cuts) % 2:
        cuts = cuts[:-1]
    hours = [
        (_minutes(a * 15), _minutes(b * 15)) for a, b in zip(cuts[::2], cuts[1::2], strict=False)
    ]
    if draw(st.booleans()) and draw(st.booleans()):
        start = draw(st.integers(88, 95))
        end = draw(st.integers(0, 24))
        hours.append((_minutes(start * 15), _minutes(end * 15)))
    return hours


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """A calendar in a DST zone or not, with holidays (dates and a rule) and make-up days."""
    week = {day: draw(day_hours()) for day in range(7)}
    if not any(week.values()):
        week[draw(st.integers(0, 6))] = [(time(9), time(17))]
    days = st.dates(date(2023, 6, 1), date(2027, 6, 1))
    holidays: list[date | rrule] = draw(st.lists(days, max_size=12))
    if draw(st.booleans()):
        holidays.append(rrule(YEARLY, bymonth=12, bymonthday=25, dtstart=datetime(2000, 1, 1)))
    extra = draw(st.lists(days, max_size=3))
    return BusinessCalendar(draw(st.sampled_from(ZONES)), week, holidays, extra)


def instants() -> st.SearchStrategy[datetime]:
    """Aware instants in 2024-2026, often close to a DST switch."""
    anywhere = st.datetimes(datetime(2024, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
    near_switch = st.builds(
        lambda base, minutes: base + timedelta(minutes=minutes),
        st.sampled_from(_SWITCHES),
        st.integers(-36 * 60, 36 * 60),
    )
    return st.one_of(anywhere, near_switch).map(lambda t: t.astimezone(ZoneInfo("Europe/Berlin")))


def durations(max_days: int = 90) -> st.SearchStrategy[timedelta]:
    """Zero, minutes, hours and up to ``max_days`` of business time, to the microsecond."""
    return st.one_of(
        st.just(timedelta(0)),
        st.integers(1, 600).map(lambda m: timedelta(minutes=m)),
        st.integers(0, max_days * 86_400 * 10**6).map(lambda us: timedelta(microseconds=us)),
    )


def utc(t: datetime) -> datetime:
    """``t`` in UTC: Python compares and subtracts two datetimes of one DST zone
    by their wall clocks, so tests compare instants in UTC."""
    return t.astimezone(UTC)
