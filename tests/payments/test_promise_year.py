"""A simulated year with the default payment runs keeps the 24-hour promise (>= 99 %)."""

from __future__ import annotations

from datetime import timedelta

from reimbursement.analytics.simulate import SimulationSettings, simulate_year
from reimbursement.payments import RunSchedule, payment_timing, promise_summary

# the whole year, weekends and bank holidays included, at a fifth of the default volume
SETTINGS = SimulationSettings(claims_per_day=3.0)


def test_a_simulated_year_sends_99_percent_within_24_hours_of_approval() -> None:
    year = simulate_year(3, SETTINGS)
    timings = [payment_timing(c) for c in year.claims]
    sent = [t for t in timings if t.to_sent is not None]
    assert len(sent) > 800
    kept = sum(bool(t.kept()) for t in sent) / len(sent)
    assert kept >= 0.99, f"{kept:.2%} sent within 24 hours"
    schedule = RunSchedule()
    zone = schedule.calendar.zone
    closed = [t for t in sent if not schedule.is_bank_day(t.sent_at.astimezone(zone).date())]  # type: ignore[union-attr]
    assert len(closed) > 20, "approvals before weekends and bank holidays are paid then"
    assert all(t.kept() for t in closed)
    summary = promise_summary(year.claims)
    assert summary.sent == len(sent)
    assert summary.sent_in_time == kept
    assert summary.worst is not None
    assert summary.worst <= timedelta(hours=24)
    assert 0 < summary.confirmed_in_time < summary.sent_in_time  # the bank confirms later


def test_without_weekend_runs_the_promise_breaks_on_weekends() -> None:
    banks_only = SimulationSettings(
        days=60, claims_per_day=3.0, payment_runs=RunSchedule(instant_on_closed_days=False)
    )
    sent = [t for t in map(payment_timing, simulate_year(3, banks_only).claims) if t.to_sent]
    late = [t for t in sent if not t.kept()]
    assert late, "Friday-evening approvals wait for Monday"
    assert all(t.to_sent is not None and t.to_sent > timedelta(hours=24) for t in late)
