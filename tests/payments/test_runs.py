"""Payment runs at cut-off times, approved as a whole under four-eyes, and the 24-hour promise."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.payments.bank import INSURER_IBAN, assert_valid
from tests.support import ANA, FINANCE, PROFILES, REVIEWER, submitted

from reimbursement import Actor, Money
from reimbursement.adapters.memory import ManualClock
from reimbursement.bootstrap import in_memory_desk
from reimbursement.payments import (
    PaymentRuns,
    RunSchedule,
    claims_at_risk,
    payment_timing,
    target2_calendar,
)
from reimbursement.payments.bankfile import BankFileGateway
from reimbursement.payments.iso20022 import Debtor, PostalAddress
from reimbursement.payments.ledger import InMemoryBankLedger, LedgerEntry

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_EVENING = datetime(2026, 4, 2, 16, tzinfo=BERLIN)  # Maundy Thursday, before Easter


def test_the_t2_calendar_closes_on_weekends_and_bank_holidays() -> None:
    schedule = RunSchedule()
    assert schedule.is_bank_day(date(2026, 4, 2))
    assert not schedule.is_bank_day(date(2026, 4, 3))  # Good Friday
    assert not schedule.is_bank_day(date(2026, 4, 4))  # Saturday
    assert not schedule.is_bank_day(date(2026, 4, 6))  # Easter Monday
    assert not schedule.is_bank_day(date(2026, 12, 26))
    assert schedule.is_bank_day(date(2026, 4, 7))


def test_runs_close_every_day_and_are_instant_on_closed_days() -> None:
    schedule = RunSchedule()
    runs = list(schedule.cutoffs_between(FRIDAY_EVENING, FRIDAY_EVENING + timedelta(days=2)))
    assert [r.strftime("%a %H:%M") for r in runs] == [
        "Fri 10:00",
        "Fri 15:00",
        "Sat 10:00",
        "Sat 15:00",
    ]
    assert schedule.execution(runs[0]) == (date(2026, 4, 3), True)
    assert schedule.execution(datetime(2026, 4, 7, 10, tzinfo=BERLIN)) == (date(2026, 4, 7), False)
    banks_only = RunSchedule(instant_on_closed_days=False)
    assert banks_only.next_cutoff(FRIDAY_EVENING) == datetime(2026, 4, 7, 10, tzinfo=BERLIN)


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)))
def test_no_approval_waits_more_than_19_hours_for_a_run(naive: datetime) -> None:
    at = naive.replace(tzinfo=BERLIN)
    wait = RunSchedule().next_cutoff(at) - at
    assert timedelta(0) < wait <= timedelta(hours=19, minutes=1)  # 15:00 to 10:00, DST aside


def _desk(clock: ManualClock, gateway: BankFileGateway | None = None):  # type: ignore[no-untyped-def]
    return in_memory_desk(reviewers=["rev-1"], customers=PROFILES, clock=clock, payments=gateway)


def test_finance_approves_a_run_as_a_whole_with_four_eyes_per_claim_and_big_ones_alone() -> None:
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    gateway = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN))
    desk = _desk(clock, gateway)
    small = [desk.approve(REVIEWER, submitted(desk).id).id for _ in range(3)]
    big = desk.approve(REVIEWER, submitted(desk, ANA, "900.00").id).id
    runs = PaymentRuns(
        desk,
        review_above=Money("500", "EUR"),
        address_of=lambda claim: PostalAddress("Lisboa", "PT", "Rua Augusta", "10"),
    )
    run = runs.collect(datetime(2026, 12, 1, 10, tzinfo=BERLIN))
    assert set(run.to_approve) == set(small)
    assert run.one_by_one == (big,)
    assert run.to_send == ()
    # the reviewer who approved the claims may not approve their payment, even in a run
    refused = runs.approve(Actor.finance("rev-1"), run)
    assert refused.done == ()
    assert {c for c, _ in refused.refused} == set(small)
    outcome = runs.approve(FINANCE, run)
    assert set(outcome.done) == set(small)
    released = runs.release(run)
    assert set(released.done) == set(small)
    assert released.file is not None
    assert_valid(released.file.content, "pain.001.001.09")
    assert len(released.file.end_to_end_ids) == 3
    assert released.file.content.count(b"<TwnNm>Lisboa</TwnNm>") == 3
    assert desk.get(FINANCE, big).state.value == "payment_requested"  # waits for finance alone
    desk.approve_payment(FINANCE, big)
    later = runs.run_at(datetime(2026, 12, 1, 15, tzinfo=BERLIN))
    assert later.done == (big,)
    assert runs.run_at(datetime(2026, 12, 2, 10, tzinfo=BERLIN)).file is None  # nothing left


def test_the_promise_is_measured_per_claim_and_at_risk_claims_are_listed_first() -> None:
    clock = ManualClock(datetime(2026, 12, 4, 16, tzinfo=BERLIN))  # a Friday after the last run
    desk = _desk(clock)
    late = desk.approve(REVIEWER, submitted(desk).id)
    clock.advance(timedelta(hours=18))  # Saturday 10:00, before the morning run
    desk.approve_payment(FINANCE, late.id)
    fresh = desk.approve(REVIEWER, submitted(desk).id)
    claims = [desk.get(FINANCE, c) for c in (late.id, fresh.id)]
    risky = claims_at_risk(claims, clock.now(), margin=timedelta(hours=6))
    assert [r.claim_id for r in risky] == [late.id]
    assert risky[0].due_at == payment_timing(claims[0]).approved_at + timedelta(hours=24)  # type: ignore[operator]
    desk.pay(FINANCE, late.id)
    timing = payment_timing(desk.get(FINANCE, late.id))
    assert timing.to_sent == timedelta(hours=18)
    assert timing.kept() is True
    assert timing.to_confirmed == timedelta(hours=18)  # the in-memory gateway settles at once
    assert payment_timing(desk.get(FINANCE, fresh.id)).kept() is None


def test_a_custom_schedule_uses_the_insurers_calendar_and_times() -> None:
    schedule = RunSchedule(target2_calendar("Asia/Shanghai"), (time(9, 30),))
    start = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert schedule.next_cutoff(start) == start + timedelta(days=1)


class CountingLedger(InMemoryBankLedger):
    """The in-memory ledger, counting the calls that write (what a database pays for)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        self.writes.append("add")
        return super().add(entry)

    def add_many(self, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        self.writes.append(f"add_many({len(entries)})")
        return super().add_many(entries)

    def withdraw(self, keys: Sequence[str]) -> list[str]:
        self.writes.append(f"withdraw({len(keys)})")
        return super().withdraw(keys)


def test_a_run_takes_its_keys_in_one_ledger_write_and_gives_back_what_the_desk_refused() -> None:
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    ledger = CountingLedger()
    gateway = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN), ledger=ledger)
    desk = _desk(clock, gateway)
    ids = [desk.approve(REVIEWER, submitted(desk).id).id for _ in range(4)]
    for claim_id in ids:
        desk.approve_payment(FINANCE, claim_id)
    runs = PaymentRuns(desk)
    at = datetime(2026, 12, 1, 10, tzinfo=BERLIN)
    # an actor who may not send payments: every claim refused, and no key left to pay
    refused = runs.run_at(at, REVIEWER)
    assert (refused.done, refused.file) == ((), None)
    assert {c for c, _ in refused.refused} == set(ids)
    assert ledger.writes == ["add_many(4)", "withdraw(4)"]
    assert ledger.receipts() == []
    assert gateway.queued() == []
    assert [desk.get(FINANCE, c).state.value for c in ids] == ["payment_approved"] * 4
    ledger.writes.clear()
    outcome = runs.run_at(at)
    assert set(outcome.done) == set(ids)
    assert ledger.writes == ["add_many(4)", "withdraw(0)"]  # no write per claim
    assert outcome.file is not None
    assert len(outcome.file.end_to_end_ids) == 4
    payments = [desk.get(FINANCE, c).payment for c in ids]
    assert {p.gateway_reference for p in payments if p} == set(outcome.file.end_to_end_ids)
    assert gateway.queued() == []


# T2's closing days in years from the calendar's first (2000) on: New Year, Good Friday,
# Easter Monday, Labour Day, Christmas and the day after
_T2_CLOSED = {
    2000: [(1, 1), (4, 21), (4, 24), (5, 1), (12, 25), (12, 26)],
    2001: [(1, 1), (4, 13), (4, 16), (5, 1), (12, 25), (12, 26)],
    2025: [(1, 1), (4, 18), (4, 21), (5, 1), (12, 25), (12, 26)],
    2027: [(1, 1), (3, 26), (3, 29), (5, 1), (12, 25), (12, 26)],
}


@pytest.mark.parametrize("year", sorted(_T2_CLOSED))
def test_the_t2_calendar_closes_on_each_holiday_of_every_year_and_on_no_other_weekday(
    year: int,
) -> None:
    """Every day of the year: open exactly when it is Monday to Friday and no T2 holiday
    (the same rules in 2000, the calendar's first year, as in later ones)."""
    schedule = RunSchedule()
    closed = {date(year, month, day) for month, day in _T2_CLOSED[year]}
    day = date(year, 1, 1)
    while day.year == year:
        expected = day.weekday() < 5 and day not in closed
        assert schedule.is_bank_day(day) is expected, day
        day += timedelta(days=1)
