"""Business calendars around DST switches against a minute-by-minute reference.

The reference knows nothing of ``fold`` or offsets: it reads the wall clock
of every UTC minute of a three-day window and takes each boundary as the
first minute whose wall clock reads the boundary or later, which is the rule
of docs/sla.md. The calendar must agree with it on ``is_working``,
``between``, ``next_opening`` and ``add``, in zones whose clocks move by an
hour, by half an hour, at midnight, and on both hemispheres.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from reimbursement.domain.sla import BusinessCalendar

ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # moves by 30 minutes
    "America/Santiago",  # moves at midnight
    "America/Havana",  # skips its midnight hour
    "Australia/Sydney",
)
MINUTE = timedelta(minutes=1)


@cache
def switches(zone: str) -> tuple[datetime, ...]:
    """The UTC instants, to the minute, at which ``zone`` changed offset in 2024-2026."""
    tz, found = ZoneInfo(zone), []
    t, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    step = timedelta(hours=1)
    while t < end:
        if t.astimezone(tz).utcoffset() != (t + step).astimezone(tz).utcoffset():
            lo = t
            while (lo + MINUTE).astimezone(tz).utcoffset() == t.astimezone(tz).utcoffset():
                lo += MINUTE
            found.append(lo + MINUTE)
        t += step
    return tuple(found)


def wall(t: datetime, tz: ZoneInfo) -> datetime:
    return t.astimezone(tz).replace(tzinfo=None)


@st.composite
def nights(draw: st.DrawFn) -> tuple[str, datetime, list[tuple[time, time]]]:
    """A zone, one of its switches, and a day's hours with boundaries near it."""
    zone = draw(st.sampled_from(ZONES))
    switch = draw(st.sampled_from(switches(zone)))
    near = wall(switch, ZoneInfo(zone))
    near_minute = near.hour * 60 + near.minute
    minutes = st.one_of(
        st.integers(0, 24 * 60 - 1),
        st.integers(-90, 90).map(lambda d: (near_minute + d) % (24 * 60)),
    )
    cuts = sorted(draw(st.lists(minutes, min_size=2, max_size=4, unique=True)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    pairs = list(zip(cuts[::2], cuts[1::2], strict=True))
    if len(pairs) == 1 and draw(st.booleans()):
        pairs = [(pairs[0][1], pairs[0][0])]  # a night shift over midnight
    hours = [(time(a // 60, a % 60), time(b // 60, b % 60)) for a, b in pairs]
    return zone, switch, hours


def reference(tz: ZoneInfo, hours: list[tuple[time, time]], window: list[datetime]) -> list[bool]:
    """Whether each minute of ``window`` is working time, by the rule of docs/sla.md."""
    walls = [wall(t, tz) for t in window]

    def first_at_or_after(boundary: datetime) -> int:
        return next((i for i, w in enumerate(walls) if w >= boundary), len(window))

    working = [False] * len(window)
    days = sorted({w.date() for w in walls})
    for day in [days[0] - timedelta(days=1), *days]:
        for start, end in hours:
            end_day = day if end > start else day + timedelta(days=1)
            s = first_at_or_after(datetime.combine(day, start))
            e = first_at_or_after(datetime.combine(end_day, end))
            for i in range(s, e):
                working[i] = True
    return working


@given(nights(), st.data())
def test_the_calendar_agrees_with_the_wall_clock_minute_by_minute(
    night: tuple[str, datetime, list[tuple[time, time]]], data: st.DataObject
) -> None:
    zone, switch, hours = night
    tz = ZoneInfo(zone)
    cal = BusinessCalendar(zone, dict.fromkeys(range(7), hours))
    first = switch - timedelta(hours=36)
    window = [first + i * MINUTE for i in range(72 * 60)]
    expected = reference(tz, hours, window)

    assert [cal.is_working(t) for t in window] == expected
    a = data.draw(st.integers(0, len(window) - 1), label="a")
    b = data.draw(st.integers(a, len(window) - 1), label="b")
    assert cal.between(window[a], window[b]) == sum(expected[a:b]) * MINUTE
    assert cal.between(window[b], window[a]) == -sum(expected[a:b]) * MINUTE

    opening = next((i for i in range(a, len(window)) if expected[i]), None)
    if opening is not None:
        assert cal.next_opening(window[a]).astimezone(UTC) == window[opening]
    worked = [i for i in range(a, len(window)) if expected[i]]
    if worked:
        k = data.draw(st.integers(1, len(worked)), label="minutes of work")
        # The earliest instant after k minutes of work: the end of the k-th.
        assert cal.add(window[a], k * MINUTE).astimezone(UTC) == window[worked[k - 1]] + MINUTE


def test_the_reference_sees_every_kind_of_switch() -> None:
    # Guards the property's reach: each zone switches twice a year, both ways.
    for zone in ZONES:
        found = switches(zone)
        assert len(found) >= 4, zone
        moves = {
            (t.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0))
            - ((t - MINUTE).astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0))
            for t in found
        }
        assert any(m > timedelta(0) for m in moves)
        assert any(m < timedelta(0) for m in moves)
    new_york = ZoneInfo("America/New_York")
    assert date(2025, 3, 9) in {t.astimezone(new_york).date() for t in switches(new_york.key)}
