"""Payment runs as finance and the bank rely on them, beyond ``test_runs.py``: what a run
holds, when cut-offs fall in the calendar's own zone, what a closed day's file says, and
that a run reads every page of open claims and never sends a payment twice.

Zone rules are tested in Pacific/Pago_Pago (UTC-11): there a cut-off's date differs from
the date in UTC and in nearly every zone a test machine runs in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.payments.bank import INSURER_IBAN, OnePerPage, assert_valid
from tests.support import ANA, FINANCE, PROFILES, REVIEWER, submitted

from reimbursement import Actor, Money, ReimbursementDesk
from reimbursement.adapters.memory import ManualClock
from reimbursement.bootstrap import in_memory_desk
from reimbursement.payments import PaymentRuns, RunOutcome, RunSchedule, target2_calendar
from reimbursement.payments.bankfile import BankFileGateway
from reimbursement.payments.iso20022 import Debtor, PostalAddress

BERLIN = ZoneInfo("Europe/Berlin")
PAGO = ZoneInfo("Pacific/Pago_Pago")
TUESDAY = datetime(2026, 12, 1, 10, tzinfo=BERLIN)
SATURDAY = datetime(2026, 12, 5, 10, tzinfo=BERLIN)


def _desk(gateway: BankFileGateway | None = None) -> ReimbursementDesk:
    clock = ManualClock(datetime(2026, 12, 1, 9, tzinfo=BERLIN))
    return in_memory_desk(reviewers=["rev-1"], customers=PROFILES, clock=clock, payments=gateway)


def _approved(desk: ReimbursementDesk, count: int, amount: str = "42.50") -> list[str]:
    ids = []
    for _ in range(count):
        claim = desk.approve(REVIEWER, submitted(desk, ANA, amount).id)
        desk.approve_payment(FINANCE, claim.id)
        ids.append(claim.id)
    return ids


def test_a_payment_of_exactly_the_review_threshold_is_approved_with_the_run() -> None:
    desk = _desk()
    at_limit = desk.approve(REVIEWER, submitted(desk, ANA, "500.00").id).id
    above = desk.approve(REVIEWER, submitted(desk, ANA, "500.01").id).id
    run = PaymentRuns(desk, review_above=Money("500.00", "EUR")).collect(TUESDAY)
    assert (run.to_approve, run.one_by_one, run.to_send) == ((at_limit,), (above,), ())


def test_a_run_lists_what_it_sends_and_a_later_run_finds_nothing_to_do() -> None:
    gateway = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN))
    desk = _desk(gateway)
    ids = _approved(desk, 2)
    runs = PaymentRuns(desk)
    run = runs.collect(TUESDAY)
    assert (run.to_send, run.to_approve, run.one_by_one) == (tuple(ids), (), ())
    assert (run.execution_date, run.instant) == (date(2026, 12, 1), False)
    assert set(runs.release(run).done) == set(ids)
    # sent, not yet settled by the bank's camt: in no later run, and not sent again
    later = runs.collect(TUESDAY + timedelta(hours=5))
    assert (later.to_send, later.to_approve) == ((), ())
    assert runs.run_at(TUESDAY + timedelta(hours=5)) == RunOutcome()
    assert gateway.queued() == []
    assert len(gateway.files) == 1


def test_a_refused_claim_is_listed_with_the_desks_reason() -> None:
    desk = _desk()
    claim = desk.approve(REVIEWER, submitted(desk).id).id
    runs = PaymentRuns(desk)
    outcome = runs.approve(Actor.finance("rev-1"), runs.collect(TUESDAY))
    ((refused, reason),) = outcome.refused
    assert refused == claim
    assert "rev-1" in reason
    assert "approved" in reason


def test_a_closed_days_run_is_an_instant_file_with_each_payees_own_address() -> None:
    gateway = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN))
    desk = _desk(gateway)
    ids = _approved(desk, 2)
    towns = {ids[0]: "Lisboa", ids[1]: "Porto"}
    runs = PaymentRuns(desk, address_of=lambda claim: PostalAddress(towns[claim.id], "PT"))
    outcome = runs.run_at(SATURDAY)
    assert outcome.file is not None
    assert (outcome.file.execution_date, outcome.file.instant) == (date(2026, 12, 5), True)
    document = assert_valid(outcome.file.content, "pain.001.001.09")
    assert document.findtext(".//{*}PmtTpInf/{*}LclInstrm/{*}Cd") == "INST"
    assert sorted(e.text for e in document.iterfind(".//{*}Cdtr/{*}PstlAdr/{*}TwnNm")) == [
        "Lisboa",
        "Porto",
    ]


def test_a_run_reads_every_page_of_open_claims() -> None:
    gateway = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN))
    desk = _desk(gateway)
    ids = _approved(desk, 3)
    waiting = desk.approve(REVIEWER, submitted(desk).id).id
    runs = PaymentRuns(OnePerPage(desk))  # type: ignore[arg-type]
    run = runs.collect(TUESDAY)
    assert (run.to_send, run.to_approve) == (tuple(ids), (waiting,))
    outcome = runs.release(run)
    assert set(outcome.done) == set(ids)
    assert outcome.file is not None
    assert len(outcome.file.end_to_end_ids) == 3


def _pago_pago() -> RunSchedule:
    return RunSchedule(target2_calendar("Pacific/Pago_Pago"), (time(10), time(23)))


def test_cut_offs_and_run_ids_are_in_the_calendars_zone_whatever_zone_they_are_given_in() -> None:
    schedule = _pago_pago()
    evening = datetime(2026, 12, 1, 22, tzinfo=PAGO)  # Wednesday 09:00 in UTC
    given_in_utc = evening.astimezone(UTC)
    assert schedule.next_cutoff(given_in_utc) == datetime(2026, 12, 1, 23, tzinfo=PAGO)
    late = datetime(2026, 12, 1, 23, tzinfo=PAGO).astimezone(UTC)
    assert schedule.execution(late) == (date(2026, 12, 1), False)
    run = PaymentRuns(_desk(), schedule).collect(late)
    assert (run.id, run.execution_date) == ("RUN-20261201-2300", date(2026, 12, 1))


def test_a_cut_off_at_the_end_of_the_span_is_in_it() -> None:
    schedule = RunSchedule()
    end = datetime(2026, 12, 1, 15, tzinfo=BERLIN)
    assert list(schedule.cutoffs_between(end - timedelta(hours=6), end)) == [
        datetime(2026, 12, 1, 10, tzinfo=BERLIN),
        end,
    ]
    assert list(schedule.cutoffs_between(end, end + timedelta(hours=1))) == []


@pytest.mark.parametrize(
    "cutoffs",
    [(), (time(10, tzinfo=UTC),), (time(10), time(15, tzinfo=UTC)), ("10:00",), (time(9), "15")],
    ids=["none", "aware", "one-aware", "text", "one-text"],
)
def test_a_schedule_needs_one_or_more_naive_times_of_day(cutoffs: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match=r"naive datetime\.time"):
        RunSchedule(cutoffs=cutoffs)
