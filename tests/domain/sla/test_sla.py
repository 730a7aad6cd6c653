"""SLA clocks, statuses, expected completion and crossings, on claims built by the commands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.domain.claim import Claim
from reimbursement.domain.events import EventType, Visibility
from reimbursement.domain.sla import (
    AROUND_THE_CLOCK,
    BusinessCalendar,
    ClockRule,
    CrossingKind,
    SlaPolicy,
    SlaStage,
    SlaStatus,
    Target,
    clock_cycles,
    record_crossings,
    recorded_crossings,
    weekly,
)
from reimbursement.errors import ValidationError
from reimbursement.testing import (
    approved,
    assigned,
    in_review,
    paid,
    rejected,
    resubmitted,
    returned,
    withdrawn,
)

from .strategies import utc

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
# Mon-Fri 09:00-17:00: 8 business hours a day, so 16 hours are two days.
CAL = BusinessCalendar("Europe/Berlin", weekly("09:00-17:00"), holidays=[date(2025, 10, 3)])
POLICY = SlaPolicy.standard(CAL)


def berlin(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=BERLIN)


def test_review_clock_pauses_while_the_claim_is_with_the_customer() -> None:
    claim = in_review("C-1", at=berlin(6, 9))  # Monday
    claim = returned(claim, at=berlin(6, 13))  # 4 h used
    claim = resubmitted(claim, at=berlin(8, 9))  # two days with the customer do not count
    claim = assigned(claim, at=berlin(8, 9))
    [cycle] = clock_cycles(claim.events, SlaStage.REVIEW)
    assert [(s.start, s.end) for s in cycle.segments] == [
        (berlin(6, 9), berlin(6, 13)),
        (berlin(8, 9), None),
    ]
    review = POLICY.evaluate(claim, berlin(8, 12)).current(SlaStage.REVIEW)
    assert review is not None
    assert review.elapsed == 7 * H
    assert review.remaining == 9 * H
    assert review.due == berlin(9, 13)  # 12 h left on Wednesday 09:00: 8 h Wed, 4 h Thu


def test_statuses_over_the_life_of_a_review() -> None:
    claim = in_review("C-1", at=berlin(6, 9))  # due Tue 17:00; warning at 80 % = 12.8 h: Tue 13:48

    def status(now: datetime, c: Claim = claim) -> SlaStatus:
        sla = POLICY.evaluate(c, now).current(SlaStage.REVIEW)
        assert sla is not None
        return sla.status

    assert status(berlin(6, 10)) is SlaStatus.ON_TRACK
    assert status(berlin(7, 13, 47)) is SlaStatus.ON_TRACK
    assert status(berlin(7, 13, 48)) is SlaStatus.WARNING
    assert status(berlin(7, 17)) is SlaStatus.BREACHED
    assert status(berlin(7, 20), approved(claim, at=berlin(7, 17))) is SlaStatus.MET
    assert status(berlin(8, 20), approved(claim, at=berlin(8, 9))) is SlaStatus.MISSED
    # Decided on the evening of the due day: the promise was broken at 17:00.
    assert status(berlin(7, 20), approved(claim, at=berlin(7, 18))) is SlaStatus.MISSED


def test_a_paused_clock_has_no_due_time_until_the_customer_answers() -> None:
    claim = returned(in_review("C-1", at=berlin(6, 9)), at=berlin(6, 10))
    sla = POLICY.evaluate(claim, berlin(7, 12))
    review = sla.current(SlaStage.REVIEW)
    assert review is not None
    assert review.paused
    assert review.due is None
    assert review.status is SlaStatus.ON_TRACK
    assert sla.waiting_on_customer
    # If the customer answered now (Tue 12:00), 15 h remain: 5 h Tue, 8 h Wed, 2 h Thu,
    # so Thursday 11:00; then 24 h to pay.
    assert sla.expected_completion == berlin(10, 11)


def test_payment_is_due_24_real_hours_after_approval_across_dst() -> None:
    claim = in_review("C-1", at=berlin(24, 9))
    claim = approved(claim, at=berlin(25, 12))  # Saturday before clocks go back
    payment = POLICY.evaluate(claim, berlin(25, 13)).current(SlaStage.PAYMENT)
    assert payment is not None
    assert payment.due is not None
    assert utc(payment.due) - utc(berlin(25, 12)) == 24 * H
    assert payment.due.replace(fold=0) == berlin(26, 11)


def test_payment_met_when_paid_in_time() -> None:
    claim = approved(in_review("C-1", at=berlin(6, 9)), at=berlin(6, 15))
    claim = paid(claim, requested=berlin(6, 16), at=berlin(7, 10))
    sla = POLICY.evaluate(claim, berlin(8, 9))
    payment = sla.current(SlaStage.PAYMENT)
    assert payment is not None
    assert payment.status is SlaStatus.MET
    assert sla.expected_completion == berlin(7, 10)


def test_expected_completion_through_the_life_of_a_claim() -> None:
    claim = in_review("C-1", at=berlin(2, 16))  # Thursday before the 3 Oct holiday
    # Review: 1 h Thu, 8 h Mon, 7 h Tue -> Tue 16:00; then 24 clock hours.
    assert POLICY.evaluate(claim, berlin(2, 16)).expected_completion == berlin(8, 16)
    decided = approved(claim, at=berlin(6, 10))
    assert POLICY.evaluate(decided, berlin(6, 11)).expected_completion == berlin(7, 10)
    late = POLICY.evaluate(decided, berlin(9, 10))  # payment overdue: no date in the past
    assert late.expected_completion == berlin(9, 10)
    no = rejected(claim, at=berlin(6, 10))
    assert POLICY.evaluate(no, berlin(7, 10)).expected_completion == berlin(6, 10)
    gone = withdrawn(claim, at=berlin(6, 11))
    assert POLICY.evaluate(gone, berlin(7, 10)).expected_completion == berlin(6, 11)


def test_history_can_be_replayed_at_any_instant() -> None:
    claim = returned(in_review("C-1", at=berlin(6, 9)), at=berlin(6, 10))
    claim = assigned(resubmitted(claim, at=berlin(7, 9)), at=berlin(7, 9))
    claim = approved(claim, at=berlin(7, 12))
    before = POLICY.evaluate(claim, berlin(6, 11))
    assert before.waiting_on_customer
    assert before.current(SlaStage.PAYMENT) is None
    review = before.current(SlaStage.REVIEW)
    assert review is not None
    assert review.paused
    assert review.elapsed == H


def test_every_cycle_is_kept() -> None:
    # A desk that restarts the review clock on every resubmission: one cycle per round.
    per_round = ClockRule(
        start=frozenset({EventType.SUBMITTED, EventType.RESUBMITTED}),
        stop=frozenset({EventType.RETURNED, EventType.APPROVED}),
    )
    claim = in_review("C-1", at=berlin(6, 9))
    for back, again in ((berlin(6, 10), berlin(6, 11)), (berlin(6, 12), berlin(6, 14))):
        claim = assigned(resubmitted(returned(claim, at=back), at=again), at=again)
    claim = approved(claim, at=berlin(6, 15))
    cycles = clock_cycles(claim.events, SlaStage.REVIEW, rule=per_round)
    assert [(c.cycle, c.started_at, c.stopped_at) for c in cycles] == [
        (1, berlin(6, 9), berlin(6, 10)),
        (2, berlin(6, 11), berlin(6, 12)),
        (3, berlin(6, 14), berlin(6, 15)),
    ]
    assert cycles[-1].stopped_by is EventType.APPROVED


def test_variants_by_priority_and_classifier() -> None:
    fast = {SlaStage.REVIEW: Target(4 * H, CAL)}
    policy = SlaPolicy.standard(
        CAL, variants={"vip": fast}, classify=lambda c: "vip" if c.id.startswith("V") else None
    )
    monday = berlin(6, 9)
    vip = policy.evaluate(in_review("V-1", at=monday), monday).current(SlaStage.REVIEW)
    plain = policy.evaluate(in_review("C-1", at=monday), monday).current(SlaStage.REVIEW)
    assert vip is not None
    assert vip.due == berlin(6, 13)
    assert plain is not None
    assert plain.due == berlin(7, 17)
    forced = policy.evaluate(in_review("C-2", at=monday), monday, variant="vip")
    assert forced.current(SlaStage.REVIEW).due == berlin(6, 13)  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="no SLA variant 'gold'; known: vip"):
        policy.evaluate(in_review("C-1", at=monday), monday, variant="gold")


def test_finance_approval_stage_is_optional() -> None:
    policy = SlaPolicy({SlaStage.FINANCE_APPROVAL: Target(2 * H, AROUND_THE_CLOCK)})
    claim = approved(in_review("C-1", at=berlin(6, 9)), at=berlin(6, 10))
    claim = paid(claim, requested=berlin(6, 11), at=berlin(6, 12))
    [finance] = policy.evaluate(claim, berlin(6, 12)).stages
    assert finance.stage is SlaStage.FINANCE_APPROVAL
    assert finance.status is SlaStatus.MET


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"warn_at": "1.2"}, "between 0 and 1"), ({"warn_at": "soon"}, "not a number")],
)
def test_bad_policies_are_refused(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SlaPolicy({}, **kwargs)  # type: ignore[arg-type]


def test_targets_must_be_positive_and_times_aware() -> None:
    with pytest.raises(ValidationError, match="longer than zero"):
        Target(timedelta(0))
    with pytest.raises(ValidationError, match="no time zone"):
        POLICY.evaluate(in_review("C-1", at=berlin(6, 9)), datetime(2025, 10, 6, 10))
    assert SlaPolicy({}, warn_at=0.9).warn_at == Fraction(9, 10)


def test_crossings_found_once_and_recorded_idempotently() -> None:
    claim = in_review("C-1", at=berlin(6, 9))  # warning Tue 13:48, due Tue 17:00
    assert POLICY.crossings(claim, berlin(7, 13)) == ()
    first = POLICY.crossings(claim, berlin(7, 14), since=berlin(7, 13))
    assert [(c.kind, c.at) for c in first] == [(CrossingKind.WARNING, berlin(7, 13, 48))]
    claim = record_crossings(claim, first, berlin(7, 14))
    event = claim.events[-1]
    assert event.type is EventType.SLA_WARNING
    assert event.visibility is Visibility.INTERNAL
    assert event.data["stage"] == "review"
    assert event.data["cycle"] == "1"
    assert recorded_crossings(claim.events) == {(SlaStage.REVIEW, CrossingKind.WARNING, 1)}
    # A second sweeper over the same window finds nothing new.
    assert POLICY.crossings(claim, berlin(7, 14), since=berlin(7, 13)) == ()
    with pytest.raises(ValidationError, match="already recorded"):
        record_crossings(claim, first, berlin(7, 14))
    breach = POLICY.crossings(claim, berlin(7, 18))
    assert [(c.kind, c.at, c.active) for c in breach] == [
        (CrossingKind.BREACH, berlin(7, 17), True)
    ]
    assert breach[0].event_type is EventType.SLA_BREACHED


def test_a_late_sweep_catches_up_without_escalating_finished_stages() -> None:
    claim = approved(in_review("C-1", at=berlin(6, 9)), at=berlin(8, 10))
    found = POLICY.crossings(claim, berlin(8, 11))
    assert [(c.kind, c.active) for c in found] == [
        (CrossingKind.WARNING, False),
        (CrossingKind.BREACH, False),
    ]
    met = approved(in_review("C-1", at=berlin(6, 9)), at=berlin(6, 10))
    met = paid(met, requested=berlin(6, 11), at=berlin(6, 12))
    assert POLICY.crossings(met, berlin(9, 10)) == ()
    # review met, payment late
    unpaid = approved(in_review("C-1", at=berlin(6, 9)), at=berlin(6, 10))
    assert {c.stage for c in POLICY.crossings(unpaid, berlin(9, 10))} == {SlaStage.PAYMENT}


def test_a_warning_reached_before_a_pause_is_still_reported() -> None:
    claim = in_review("C-1", at=berlin(6, 9))
    claim = returned(claim, at=berlin(7, 15))  # 14 h used: past 12.8 h
    [warning] = POLICY.crossings(claim, berlin(8, 9))
    assert warning.kind is CrossingKind.WARNING
    assert warning.due is None
    assert "due" not in warning.event_data()


@given(
    st.integers(0, 5 * 24 * 60),
    st.integers(0, 5 * 24 * 60),
    st.integers(0, 5 * 24 * 60),
)
def test_pausing_never_makes_the_due_time_earlier(start: int, pause: int, gap: int) -> None:
    t0 = datetime(2025, 10, 20, tzinfo=UTC) + timedelta(minutes=start)
    t1, t2 = t0 + timedelta(minutes=pause), t0 + timedelta(minutes=pause + gap)
    now = t2 + timedelta(minutes=1)
    straight = POLICY.evaluate(in_review("C-1", at=t0), now).current(SlaStage.REVIEW)
    paused_claim = returned(in_review("C-1", at=t0), at=t1)
    paused_claim = assigned(resubmitted(paused_claim, at=t2), at=t2)
    paused = POLICY.evaluate(paused_claim, now).current(SlaStage.REVIEW)
    assert straight is not None
    assert paused is not None
    assert straight.due is not None
    assert paused.due is not None
    assert utc(paused.due) >= utc(straight.due)
    assert paused.elapsed <= straight.elapsed
    assert paused.elapsed + CAL.between(t1, t2) == straight.elapsed


def test_a_policy_s_promises_are_made_in_its_first_calendar_zone_else_utc() -> None:
    tokyo = BusinessCalendar("Asia/Tokyo", weekly("09:00-17:00"))
    clock_only = SlaPolicy({SlaStage.PAYMENT: Target(24 * H, AROUND_THE_CLOCK)})
    assert clock_only.zone is UTC
    both = SlaPolicy(
        {SlaStage.PAYMENT: Target(24 * H, AROUND_THE_CLOCK), SlaStage.REVIEW: Target(H, tokyo)}
    )
    assert both.zone == ZoneInfo("Asia/Tokyo")
