"""The desk with an SLA policy: due times in track(), and the sweeper."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reimbursement import Actor, Claim, ReimbursementDesk
from reimbursement.adapters.memory import InMemoryNotifier, ManualClock
from reimbursement.claims import EventType
from reimbursement.domain import commands as cmd
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.sla import BusinessCalendar, SlaCrossing, SlaPolicy, SlaStatus, weekly
from reimbursement.errors import ValidationError
from support import ANA, REVIEWER, submitted

BERLIN = ZoneInfo("Europe/Berlin")
CALENDAR = BusinessCalendar(BERLIN, weekly((time(9), time(17))))
POLICY = SlaPolicy.standard(CALENDAR, review=timedelta(hours=16))


class Reassign:
    """An escalation that hands the claim to a team lead and records it."""

    def __init__(self) -> None:
        self.calls: list[SlaCrossing] = []

    def escalate(
        self, claim: Claim, crossing: SlaCrossing, at: datetime, loads: Mapping[str, int]
    ) -> Claim:
        self.calls.append(crossing)
        return cmd.post_message(claim, SYSTEM, at, f"escalated {crossing.stage} to the lead")


@pytest.fixture
def sla_desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    return make_desk(sla=POLICY, escalation=Reassign())


def test_track_shows_due_time_and_expected_completion(
    sla_desk: ReimbursementDesk, clock: ManualClock
) -> None:
    # Monday 2 March 2026, 10:00 in Berlin
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    claim = submitted(sla_desk)
    view = sla_desk.track(ANA, claim.id)
    assert view.on_time is SlaStatus.ON_TRACK
    # 16 business hours from Monday 10:00 on a 9-17 calendar: Wednesday 10:00
    assert view.due == datetime(2026, 3, 4, 10, 0, tzinfo=BERLIN)
    assert view.expected_completion == datetime(2026, 3, 4, 10, 0, tzinfo=BERLIN) + timedelta(
        hours=24
    )


def test_sweep_records_each_crossing_once_and_tells_the_customer(
    sla_desk: ReimbursementDesk, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    claim = submitted(sla_desk)
    clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))  # past due
    report = sla_desk.sweep()
    assert [(c.kind.value, c.stage.value) for c in report.recorded] == [
        ("warning", "review"),
        ("breach", "review"),
    ]
    assert report.escalated == (claim.id,)
    again = sla_desk.sweep()
    assert again.recorded == ()
    stored = sla_desk.get(REVIEWER, claim.id)
    kinds = [e.type for e in stored.events]
    assert kinds.count(EventType.SLA_WARNING) == 1
    assert kinds.count(EventType.SLA_BREACHED) == 1
    assert all(not e.customer_visible for e in stored.events if e.type is EventType.SLA_BREACHED)
    notifier = sla_desk.adapters.notifier
    assert isinstance(notifier, InMemoryNotifier)
    breach = [n for n in notifier.sent if n.event is EventType.SLA_BREACHED]
    assert len(breach) == 1
    assert "taking longer than we promised. It has been escalated." in breach[0].body
    assert "We now expect to finish by" in breach[0].body
    assert sla_desk.track(ANA, claim.id).on_time is SlaStatus.BREACHED


def test_a_breach_notice_says_the_expected_time_on_the_calendar_s_clock(
    sla_desk: ReimbursementDesk, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    claim = submitted(sla_desk)
    clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    sla_desk.sweep()
    notifier = sla_desk.adapters.notifier
    assert isinstance(notifier, InMemoryNotifier)
    (breach,) = [n for n in notifier.sent if n.event is EventType.SLA_BREACHED]
    expected = sla_desk.track(ANA, claim.id).expected_completion
    assert expected is not None
    local = expected.astimezone(BERLIN)
    assert local.utcoffset() != timedelta(0)  # Berlin's clock is not UTC's in March
    assert f"We now expect to finish by {local:%d %b %Y %H:%M} CET." in breach.body
    assert "UTC" not in breach.body


def test_two_desks_sweeping_one_store_record_once(
    make_desk: Callable[..., ReimbursementDesk], clock: ManualClock
) -> None:
    first = make_desk(sla=POLICY)
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    claim = submitted(first)
    second = ReimbursementDesk(first.adapters, router=first.router, sla=POLICY)
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    total = len(first.sweep().recorded) + len(second.sweep().recorded)
    assert total == 2
    events = first.get(REVIEWER, claim.id).events
    assert sum(e.type is EventType.SLA_BREACHED for e in events) == 1


def test_sweep_leaves_decided_claims_alone(
    sla_desk: ReimbursementDesk, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    claim = submitted(sla_desk)
    sla_desk.reject(REVIEWER, claim.id, "not_covered")
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    assert sla_desk.sweep().recorded == ()


def test_sweep_needs_a_policy(desk: ReimbursementDesk) -> None:
    with pytest.raises(ValidationError, match="no SLA policy"):
        desk.sweep()


def test_returned_claim_pauses_the_review_clock(
    sla_desk: ReimbursementDesk, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    claim = submitted(sla_desk)
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    sla_desk.return_for_correction(Actor.reviewer("rev-1"), claim.id, ["receipt unreadable"])
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))  # the customer takes two weeks
    assert sla_desk.sweep().recorded == ()
    view = sla_desk.track(ANA, claim.id)
    assert view.due is None  # waiting on the customer: no deadline runs


def test_a_sweep_racing_another_process_skips_instead_of_recording_twice(
    make_desk: Callable[..., ReimbursementDesk], clock: ManualClock
) -> None:
    other: list[ReimbursementDesk] = []

    class SweepsTheOtherDeskMidway:
        def escalate(
            self, claim: Claim, crossing: SlaCrossing, at: datetime, loads: Mapping[str, int]
        ) -> Claim:
            # the other process commits its sweep while this one is still working
            other[0].sweep(at)
            return claim

    first = make_desk(sla=POLICY, escalation=SweepsTheOtherDeskMidway())
    other.append(ReimbursementDesk(first.adapters, router=first.router, sla=POLICY))
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    claim = submitted(first)
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    report = first.sweep()
    assert report.skipped == (claim.id,)
    assert report.recorded == ()
    events = first.get(REVIEWER, claim.id).events
    assert sum(e.type is EventType.SLA_BREACHED for e in events) == 1
    assert first.sweep().recorded == ()
