"""Working-hours boundaries on the nights the clocks change, computed by hand.

The rule (docs/sla.md): a boundary is the first instant at or after its
wall-clock time. Inside the hour skipped in spring that is the instant the
clocks jump; inside the hour repeated in autumn it is the first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reimbursement.domain.sla import BusinessCalendar

H = timedelta(hours=1)


def every_day(interval: str, zone: str) -> BusinessCalendar:
    return BusinessCalendar(zone, {day: [interval] for day in range(7)})


def local(tz: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# zone, the spring night (the day the clocks go forward at 02:00), and the
# UTC instant of the jump.
SPRING = [
    ("America/New_York", date(2025, 3, 9), utc(2025, 3, 9, 7)),
    ("Europe/Berlin", date(2025, 3, 30), utc(2025, 3, 30, 1)),
]


@pytest.mark.parametrize(("zone", "day", "jump"), SPRING)
def test_a_shift_ending_in_the_skipped_hour_ends_when_the_clocks_jump(
    zone: str, day: date, jump: datetime
) -> None:
    cal, tz = every_day("22:00-02:30", zone), ZoneInfo(zone)
    evening = local(tz, day - timedelta(days=1), 22)
    assert not cal.is_working(local(tz, day, 3, 15))
    assert cal.is_working(jump - timedelta(microseconds=1))
    assert not cal.is_working(jump)
    night = (evening - H, evening + 8 * H)
    assert cal.between(*night) == 4 * H  # 22:00 until 02:00, when 03:00 begins
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in cal.intervals(*night)] == [
        (evening.astimezone(UTC), jump)
    ]
    assert cal.add(evening, 4 * H).astimezone(UTC) == jump


@pytest.mark.parametrize(("zone", "day", "jump"), SPRING)
def test_a_shift_starting_in_the_skipped_hour_starts_when_the_clocks_jump(
    zone: str, day: date, jump: datetime
) -> None:
    cal, tz = every_day("02:30-05:00", zone), ZoneInfo(zone)
    midnight = local(tz, day, 0)
    assert cal.is_working(local(tz, day, 3, 15))
    assert cal.is_working(jump)
    assert not cal.is_working(jump - timedelta(microseconds=1))
    assert cal.next_opening(midnight).astimezone(UTC) == jump
    assert cal.between(midnight - 2 * H, midnight + 7 * H) == 2 * H  # 03:00 to 05:00
    assert cal.add(midnight, timedelta(minutes=1)).astimezone(UTC) == jump + timedelta(minutes=1)


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin"])
def test_a_shift_wholly_inside_the_skipped_hour_has_no_time(zone: str) -> None:
    cal = BusinessCalendar(zone, {day: ["02:10-02:50", "09:00-10:00"] for day in range(7)})
    day = {z: d for z, d, _ in SPRING}[zone]
    tz = ZoneInfo(zone)
    midnight = local(tz, day, 0)
    assert cal.between(midnight, midnight + 12 * H) == H
    assert cal.next_opening(midnight) == local(tz, day, 9)


# zone, the autumn night, the repeated hour (wall clock), and the UTC instants
# of the first and the second occurrence of its half past.
AUTUMN = [
    ("America/New_York", date(2025, 11, 2), 1, utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30)),
    ("Europe/Berlin", date(2025, 10, 26), 2, utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 1, 30)),
]


@pytest.mark.parametrize(("zone", "day", "hour", "first", "second"), AUTUMN)
def test_a_shift_ending_in_the_repeated_hour_ends_at_its_first_occurrence(
    zone: str, day: date, hour: int, first: datetime, second: datetime
) -> None:
    cal, tz = every_day(f"22:00-{hour:02d}:30", zone), ZoneInfo(zone)
    evening = local(tz, day - timedelta(days=1), 22)
    quarter = local(tz, day, hour, 15)
    assert cal.is_working(quarter)  # the first 01:15 (New York), 02:15 (Berlin)
    assert not cal.is_working(quarter.replace(fold=1))  # the second one: the shift is over
    assert not cal.is_working(first)
    assert cal.is_working(first - timedelta(microseconds=1))
    assert cal.between(evening - H, evening + 9 * H) == first - evening.astimezone(UTC)
    assert cal.add(evening, first - evening.astimezone(UTC)).astimezone(UTC) == first


@pytest.mark.parametrize(("zone", "day", "hour", "first", "second"), AUTUMN)
def test_a_shift_starting_in_the_repeated_hour_starts_at_its_first_occurrence(
    zone: str, day: date, hour: int, first: datetime, second: datetime
) -> None:
    cal, tz = every_day(f"{hour:02d}:30-05:00", zone), ZoneInfo(zone)
    midnight = local(tz, day, 0)
    quarter = local(tz, day, hour, 15)
    five = local(tz, day, 5)
    assert not cal.is_working(quarter)
    assert cal.is_working(quarter.replace(fold=1))  # the second 01:15 comes after the start
    assert cal.is_working(first)
    assert cal.next_opening(midnight).astimezone(UTC) == first
    # The shift runs through the repeated hour: one hour longer than it reads.
    assert cal.between(midnight, midnight + 8 * H) == five.astimezone(UTC) - first
    assert five.astimezone(UTC) - first == (5 - hour) * H - H / 2 + H
    assert second - first == H


def test_the_hours_around_a_change_read_as_usual_for_a_whole_day_shift() -> None:
    # A boundary on the exact start of the skipped hour was always right; it stays so.
    cal = every_day("02:00-04:00", "America/New_York")
    ny = ZoneInfo("America/New_York")
    assert cal.between(datetime(2025, 3, 9, tzinfo=ny), datetime(2025, 3, 9, 6, tzinfo=ny)) == H
    assert (
        cal.between(datetime(2025, 3, 8, tzinfo=ny), datetime(2025, 3, 8, 6, tzinfo=ny)) == 2 * H
    )
