"""Contact preferences: quiet hours in the customer's zone, channels, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.adapters.memory import InMemoryCustomerDirectory
from reimbursement.errors import CustomerNotFoundError, ValidationError
from reimbursement.notify import Channel, ContactPreferences, InMemoryPreferences, QuietHours
from reimbursement.ports import CustomerProfile

ZONES = ["UTC", "Europe/Berlin", "Asia/Shanghai", "America/New_York", "Australia/Lord_Howe"]


@given(
    start=st.times(),
    end=st.times(),
    now=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
def test_quiet_hours_end_after_now_within_a_day_at_the_end_time(
    start: time, end: time, now: datetime, zone: str
) -> None:
    start, end = start.replace(microsecond=0), end.replace(microsecond=0)
    if start == end:
        return
    quiet = ContactPreferences("c", time_zone=zone, quiet_hours=QuietHours(start, end))
    until = quiet.quiet_until(now)
    if until is None:
        return
    assert now < until <= now + timedelta(days=1, hours=2)  # a DST day may be longer
    assert until.tzinfo is not None
    local = until.astimezone(quiet.zone)
    # the wall-clock end, unless that time does not exist that day (a DST gap)
    wall = datetime.combine(local.date(), end, tzinfo=quiet.zone)
    exists = wall.astimezone(UTC).astimezone(quiet.zone).time() == end
    assert local.time() == end or not exists


def test_quiet_hours_over_midnight_in_the_customers_zone() -> None:
    berlin = ContactPreferences(
        "c", time_zone="Europe/Berlin", quiet_hours=QuietHours(time(22), time(7))
    )
    # 21:30 UTC in March is 22:30 in Berlin: quiet until 07:00 Berlin = 06:00 UTC
    assert berlin.quiet_until(datetime(2026, 3, 2, 21, 30, tzinfo=UTC)) == datetime(
        2026, 3, 3, 6, 0, tzinfo=UTC
    )
    # 05:00 UTC is 06:00 in Berlin: the same night
    assert berlin.quiet_until(datetime(2026, 3, 3, 5, 0, tzinfo=UTC)) == datetime(
        2026, 3, 3, 6, 0, tzinfo=UTC
    )
    assert berlin.quiet_until(datetime(2026, 3, 3, 6, 0, tzinfo=UTC)) is None
    assert berlin.quiet_until(datetime(2026, 3, 2, 20, 59, tzinfo=UTC)) is None


def test_quiet_hours_within_a_day() -> None:
    lunch = ContactPreferences("c", quiet_hours=QuietHours(time(12), time(13, 30)))
    assert lunch.quiet_until(datetime(2026, 3, 2, 12, 15, tzinfo=UTC)) == datetime(
        2026, 3, 2, 13, 30, tzinfo=UTC
    )
    assert lunch.quiet_until(datetime(2026, 3, 2, 13, 30, tzinfo=UTC)) is None


def test_no_quiet_hours_is_never_quiet() -> None:
    assert ContactPreferences("c").quiet_until(datetime(2026, 3, 2, 3, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: ContactPreferences("c", time_zone="Mars/Olympus"), "preferences.time_zone"),
        (lambda: ContactPreferences("c", time_zone="../../etc/passwd"), "preferences.time_zone"),
        (lambda: ContactPreferences("c", channels=["pigeon"]), "preferences.channels"),
        (lambda: QuietHours(time(7), time(7)), "quiet_hours"),
        (lambda: QuietHours("22:00", time(7)), "quiet_hours.start"),  # type: ignore[arg-type]
        (lambda: ContactPreferences("c", email=None), "preferences.email"),  # type: ignore[arg-type]
    ],
)
def test_bad_preferences_are_refused_with_the_field(build: object, path: str) -> None:
    with pytest.raises(ValidationError) as error:
        build()  # type: ignore[operator]
    assert error.value.problems[0].path == path


def test_channels_are_kept_in_order_once() -> None:
    chosen = ContactPreferences("c", channels=["sms", Channel.EMAIL, "sms"])
    assert chosen.channels == (Channel.SMS, Channel.EMAIL)


def test_a_customer_without_stored_preferences_gets_the_profile_and_the_defaults() -> None:
    directory = InMemoryCustomerDirectory(
        [CustomerProfile("c1", "Ana", "P1", "EUR", email="ana@example.org", language="pt-BR")]
    )
    default = ContactPreferences("", channels=["email"], time_zone="Europe/Lisbon")
    preferences = InMemoryPreferences(directory=directory, default=default)
    derived = preferences.preferences("c1")
    assert (derived.email, derived.language, derived.time_zone) == (
        "ana@example.org",
        "pt-BR",
        "Europe/Lisbon",
    )
    preferences.set(ContactPreferences("c1", channels=["inbox"]))
    assert preferences.preferences("c1").channels == (Channel.INBOX,)
    with pytest.raises(CustomerNotFoundError):
        preferences.preferences("nobody")
    with pytest.raises(CustomerNotFoundError):
        InMemoryPreferences().preferences("c1")
