"""Business calendars: hand-computed answers for the cases users meet."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import DAILY, YEARLY, rrule

from reimbursement.domain.sla import (
    AROUND_THE_CLOCK,
    BusinessCalendar,
    WorkingTime,
    weekly,
)
from reimbursement.errors import CalendarError, ValidationError

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
OFFICE = weekly("09:00-12:00", "13:30-18:00")  # 7.5 hours a day


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


@pytest.fixture(scope="module")
def bavaria() -> BusinessCalendar:
    return BusinessCalendar.with_country_holidays("Europe/Berlin", OFFICE, "DE", subdiv="BY")


def test_friday_evening_before_a_public_holiday(bavaria: BusinessCalendar) -> None:
    # Fri 6 June 2025 17:55; Whit Monday 9 June is a holiday: 5 min Fri, 7.5 h Tue,
    # 7.5 h Wed, the last 55 min on Thursday morning.
    due = bavaria.add(berlin(2025, 6, 6, 17, 55), 16 * H)
    assert due == berlin(2025, 6, 12, 9, 55)
    assert bavaria.between(berlin(2025, 6, 6, 17, 55), due) == 16 * H


def test_subdivision_holidays_differ(bavaria: BusinessCalendar) -> None:
    berlin_city = BusinessCalendar.with_country_holidays("Europe/Berlin", OFFICE, "DE", "BE")
    corpus_christi = berlin(2025, 6, 19, 10)
    assert not bavaria.is_working(corpus_christi)
    assert berlin_city.is_working(corpus_christi)


def test_other_countries_from_the_holidays_package() -> None:
    new_york = BusinessCalendar.with_country_holidays(
        "America/New_York", weekly("09:00-17:00"), "US", subdiv="NY"
    )
    hong_kong = BusinessCalendar.with_country_holidays(
        "Asia/Hong_Kong", weekly("09:00-18:00"), "HK"
    )
    assert not new_york.is_working(datetime(2025, 7, 4, 12, tzinfo=ZoneInfo("America/New_York")))
    assert new_york.is_working(datetime(2025, 7, 3, 12, tzinfo=ZoneInfo("America/New_York")))
    assert not hong_kong.is_working(datetime(2025, 10, 1, 12, tzinfo=ZoneInfo("Asia/Hong_Kong")))


def test_make_up_working_days_from_the_holidays_package() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    china = BusinessCalendar.with_country_holidays("Asia/Shanghai", weekly("09:00-18:00"), "CN")
    assert china.is_working(datetime(2024, 2, 4, 10, tzinfo=shanghai))  # a Sunday, worked
    assert not china.is_working(datetime(2024, 2, 12, 10, tzinfo=shanghai))  # Spring Festival
    assert not china.is_working(datetime(2024, 2, 3, 10, tzinfo=shanghai))  # a plain Saturday


def test_unknown_country_or_subdivision_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError, match="XX"):
        BusinessCalendar.with_country_holidays("UTC", OFFICE, "XX")
    with pytest.raises(CalendarError, match="ZZ"):
        BusinessCalendar.with_country_holidays("UTC", OFFICE, "DE", subdiv="ZZ")


def test_explicit_make_up_day_with_its_own_hours_beats_a_holiday() -> None:
    cal = BusinessCalendar(
        "UTC",
        weekly("09:00-17:00"),
        holidays=[date(2025, 5, 2)],
        extra_working_days={date(2025, 5, 2): ["10:00-12:00"], date(2025, 5, 3): ["08:00-09:00"]},
    )
    assert cal.between(datetime(2025, 5, 2, tzinfo=UTC), datetime(2025, 5, 4, tzinfo=UTC)) == 3 * H


def test_plain_make_up_dates_take_the_default_hours() -> None:
    cal = BusinessCalendar("UTC", weekly("09:00-17:00"), extra_working_days=[date(2025, 5, 3)])
    assert cal.next_opening(datetime(2025, 5, 2, 18, tzinfo=UTC)) == datetime(
        2025, 5, 3, 9, tzinfo=UTC
    )


def test_rrule_holidays() -> None:
    christmas = rrule(YEARLY, bymonth=12, bymonthday=25, dtstart=datetime(2000, 1, 1))
    cal = BusinessCalendar("Europe/Berlin", OFFICE, holidays=[christmas])
    assert not cal.is_working(berlin(2030, 12, 25, 10))
    assert cal.is_working(berlin(2030, 12, 24, 10))


def test_rrule_with_an_aware_start() -> None:
    rule = rrule(YEARLY, bymonth=1, bymonthday=2, dtstart=datetime(2000, 1, 1, tzinfo=BERLIN))
    cal = BusinessCalendar("Europe/Berlin", OFFICE, holidays=[rule])
    assert not cal.is_working(berlin(2026, 1, 2, 10))


def test_spring_forward_keeps_a_working_day_whole() -> None:
    # Clocks go forward on Sunday 30 March 2025; Friday 17:00 + 2 h is Monday 10:00 CEST.
    cal = BusinessCalendar("Europe/Berlin", weekly("09:00-18:00"))
    assert cal.add(berlin(2025, 3, 28, 17), 2 * H) == berlin(2025, 3, 31, 10)
    assert cal.between(berlin(2025, 3, 24), berlin(2025, 3, 31)) == 45 * H


def test_night_shift_lasts_seven_hours_when_clocks_go_forward() -> None:
    nights = BusinessCalendar("Europe/Berlin", {key: ["22:00-06:00"] for key in range(7)})
    assert nights.between(berlin(2025, 3, 29, 22), berlin(2025, 3, 30, 6)) == 7 * H
    assert nights.between(berlin(2025, 3, 28, 22), berlin(2025, 3, 29, 6)) == 8 * H


def test_night_shift_lasts_nine_hours_when_clocks_go_back() -> None:
    nights = BusinessCalendar("Europe/Berlin", {key: ["22:00-06:00"] for key in range(7)})
    assert nights.between(berlin(2025, 10, 25, 22), berlin(2025, 10, 26, 6)) == 9 * H
    # 23:00 CEST + 4 real hours is 01:00 UTC: the second 02:00 of the night.
    landed = nights.add(berlin(2025, 10, 25, 23), 4 * H)
    assert landed.astimezone(UTC) == datetime(2025, 10, 26, 1, tzinfo=UTC)
    assert landed.fold == 1


def test_midnight_shift_traps_of_the_reference() -> None:
    # businesstimedelta 1.0.1 answers 0 h and "two days later" here.
    shift = BusinessCalendar("UTC", {key: [(time(22), time(6))] for key in range(7)})
    day = datetime(2025, 1, 8, tzinfo=UTC)
    assert shift.between(day + 22 * H, day + 30 * H) == 8 * H
    assert shift.add(day + 23 * H, 2 * H) == day + 25 * H
    assert shift.add(day + 7 * H, 2 * H) == day + 24 * H  # 22:00 + 2 h
    assert shift.add(day + 23 * H, -2 * H) == day + 5 * H  # back into last night's shift


def test_holiday_takes_the_whole_shift_that_starts_on_it() -> None:
    shift = BusinessCalendar(
        "UTC", {key: ["22:00-06:00"] for key in range(7)}, holidays=[date(2025, 1, 8)]
    )
    assert not shift.is_working(datetime(2025, 1, 9, 3, tzinfo=UTC))
    assert shift.is_working(datetime(2025, 1, 8, 3, tzinfo=UTC))


def test_year_end() -> None:
    cal = BusinessCalendar(
        "Europe/Berlin", OFFICE, holidays=[date(2025, 12, 31), date(2026, 1, 1)]
    )
    assert cal.add(berlin(2025, 12, 30, 17), 2 * H) == berlin(2026, 1, 2, 10)


def test_zero_minutes_and_months() -> None:
    cal = BusinessCalendar("UTC", weekly("09:00-17:00"))
    monday = datetime(2024, 1, 1, 9, tzinfo=UTC)
    saturday = datetime(2024, 1, 6, 12, tzinfo=UTC)
    assert cal.add(saturday, timedelta(0)) == saturday
    assert cal.add(saturday, timedelta(minutes=1)) == datetime(2024, 1, 8, 9, 1, tzinfo=UTC)
    # 20 business days of 8 hours end on Friday 26 January at closing time.
    assert cal.add(monday, 160 * H) == datetime(2024, 1, 26, 17, tzinfo=UTC)
    # A year of 2025: 261 weekdays.
    year = cal.between(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert year == 261 * 8 * H


def test_far_dates_and_long_spans() -> None:
    cal = BusinessCalendar("Europe/Berlin", OFFICE)
    start, end = berlin(1900, 3, 1, 10), berlin(2300, 3, 1, 10)
    middle = berlin(2100, 6, 1, 15)
    assert cal.between(start, end) == cal.between(start, middle) + cal.between(middle, end)
    assert cal.add(start, cal.between(start, end)) == end


def test_next_opening_and_is_working() -> None:
    cal = BusinessCalendar("Europe/Berlin", OFFICE)
    assert cal.is_working(berlin(2025, 6, 2, 9))
    assert not cal.is_working(berlin(2025, 6, 2, 12))  # an interval's end is outside it
    assert cal.next_opening(berlin(2025, 6, 2, 12, 10)) == berlin(2025, 6, 2, 13, 30)
    assert cal.next_opening(berlin(2025, 6, 6, 18)) == berlin(2025, 6, 9, 9)
    assert cal.next_opening(berlin(2025, 6, 2, 10)) == berlin(2025, 6, 2, 10)


def test_results_are_in_the_calendars_zone() -> None:
    cal = BusinessCalendar("Europe/Berlin", OFFICE)
    result = cal.add(datetime(2025, 6, 2, 7, tzinfo=UTC), H)
    assert result.tzinfo == BERLIN
    assert result == berlin(2025, 6, 2, 10)


def test_around_the_clock_counts_real_hours_across_dst() -> None:
    approved = berlin(2025, 10, 25, 12)
    due = AROUND_THE_CLOCK.add(approved, 24 * H)
    assert due.astimezone(UTC) - approved.astimezone(UTC) == 24 * H
    assert due.replace(fold=0) == berlin(2025, 10, 26, 11)
    assert AROUND_THE_CLOCK.between(approved, due) == 24 * H
    assert AROUND_THE_CLOCK.is_working(approved)
    assert isinstance(AROUND_THE_CLOCK, WorkingTime)
    assert isinstance(BusinessCalendar("UTC", OFFICE), WorkingTime)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"zone": "Mars/Olympus", "hours": OFFICE}, "not a known IANA time zone"),
        ({"zone": "UTC", "hours": {}}, "no working hours"),
        ({"zone": "UTC", "hours": {0: []}}, "no working hours"),
        ({"zone": "UTC", "hours": weekly("09:00-12:00", "11:00-13:00")}, "overlap"),
        ({"zone": "UTC", "hours": {0: ["08:00-12:00"], 6: ["20:00-09:00"]}}, "overlap"),
        ({"zone": "UTC", "hours": {0: ["21:00-03:00"], 1: ["02:00-04:00"]}}, "overlap"),
        ({"zone": "UTC", "hours": {7: ["09:00-12:00"]}}, "weekday number"),
        ({"zone": "UTC", "hours": {0: ["9 to 5"]}}, "not like"),
        ({"zone": "UTC", "hours": {0: [(time(9, tzinfo=UTC), time(12))]}}, "without tzinfo"),
        ({"zone": "UTC", "hours": OFFICE, "holidays": ["2025-12-25"]}, "neither a date"),
        ({"zone": "UTC", "hours": OFFICE, "extra_working_days": ["2025-12-25"]}, "not a date"),
    ],
)
def test_bad_calendars_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_a_calendar_without_any_working_time_ahead_says_so() -> None:
    every_day = rrule(DAILY, dtstart=datetime(2000, 1, 1))
    cal = BusinessCalendar("UTC", OFFICE, holidays=[every_day])
    with pytest.raises(CalendarError, match="no working time"):
        cal.add(datetime(2025, 1, 1, tzinfo=UTC), H)


def test_naive_datetimes_are_refused_with_a_validation_error() -> None:
    cal = BusinessCalendar("UTC", OFFICE)
    naive = datetime(2025, 1, 1, 10)
    for call in (
        lambda: cal.add(naive, H),
        lambda: cal.between(naive, datetime(2025, 1, 2, tzinfo=UTC)),
        lambda: cal.is_working(naive),
        lambda: cal.next_opening(naive),
        lambda: AROUND_THE_CLOCK.add(naive, H),
    ):
        with pytest.raises(ValidationError, match="no time zone") as info:
            call()
        assert not isinstance(info.value, CalendarError)
