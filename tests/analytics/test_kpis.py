"""Process KPIs on a handful of claims whose every timing is known."""

from __future__ import annotations

import gc
import math
from datetime import timedelta

import attrs
import pytest

from reimbursement.analytics import (
    ProcessStage,
    backlog,
    process_kpis,
    throughput,
    timelines,
)
from reimbursement.analytics.kpis import durations, sla_attainment
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.events import Event, EventType
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.domain.sla import AROUND_THE_CLOCK, SlaPolicy
from reimbursement.errors import ValidationError
from reimbursement.testing import (
    AT,
    after,
    approved,
    assigned,
    draft,
    paid,
    rejected,
    resubmitted,
    returned,
    submitted,
)

IN, RV, CO, PA = (
    ProcessStage.INTAKE,
    ProcessStage.REVIEW,
    ProcessStage.CORRECTION,
    ProcessStage.PAYMENT,
)


def breach(claim, stage, hours):
    event = Event(
        len(claim.events) + 1,
        EventType.SLA_BREACHED,
        claim.id,
        SYSTEM.id,
        SYSTEM.role,
        after(hours=hours),
        claim.state,
        claim.state,
        data={"stage": stage},
    )
    return attrs.evolve(claim, events=(*claim.events, event))


def claims():
    a = submitted(draft("A"), at=AT)
    a = paid(approved(assigned(a, at=after(hours=1)), at=after(hours=5)), at=after(hours=20))
    b = returned(assigned(submitted(draft("B"), at=AT), at=after(hours=2)), at=after(hours=10))
    b = breach(b, "review", 9)
    b = assigned(resubmitted(b, at=after(hours=34)), at=after(hours=35))
    b = paid(approved(b, at=after(hours=45)), at=after(hours=75))
    c = submitted(draft("C", at=after(hours=3)), at=after(hours=3))
    c = rejected(assigned(c, at=after(hours=4)), at=after(hours=10))
    d = submitted(draft("D", at=after(hours=5)), at=after(hours=5))
    d = assigned(d, at=after(hours=6))
    e = draft("E", at=after(hours=7))
    return [a, b, c, d, e]


CASES = timelines(claims())


def test_timeline_of_a_returned_claim():
    b = CASES[1]
    assert (b.returns, b.resubmissions) == (1, 1)
    assert b.stage_seconds == {IN: 3 * 3600, RV: 18 * 3600, CO: 24 * 3600, PA: 30 * 3600}
    assert b.end_to_end_hours == 75
    assert b.approval_to_paid_hours == 30
    assert b.first_time_right is False
    assert b.sla_breaches == frozenset({RV})
    assert b.state is ClaimState.PAID


def test_open_and_unsubmitted_claims():
    d, e = CASES[3], CASES[4]
    assert d.stage_seconds == {IN: 3600}
    assert d.visits[-1].end is None
    assert d.end_to_end_hours is None
    assert d.first_time_right is None
    assert e.submitted_at is None
    assert e.visits == ()


def test_kpis_by_hand():
    k = process_kpis(CASES, sla={RV: timedelta(hours=8)})
    assert (k.cases, k.submitted) == (5, 4)
    intake = k.stage_hours[IN]
    assert (intake.n, intake.median, intake.p90, intake.p95) == (
        4,
        1,
        pytest.approx(2.4),
        pytest.approx(2.7),
    )
    assert intake.mean == 1.5
    review = k.stage_hours[RV]
    assert (review.n, review.median, review.p90) == (3, 6, pytest.approx(15.6))
    assert (k.stage_hours[CO].n, k.stage_hours[CO].median) == (1, 24)
    assert (k.stage_hours[PA].median, k.stage_hours[PA].n) == (22.5, 2)
    assert (k.end_to_end_hours.n, k.end_to_end_hours.median) == (3, 20)
    assert (k.paid_within_target.value, k.paid_within_target.n) == (0.5, 2)
    assert (k.first_time_right.value, k.first_time_right.n) == (pytest.approx(2 / 3), 3)
    assert (k.returns_per_claim.value, k.returns_per_claim.n) == (0.25, 4)
    assert (k.resubmissions, k.resubmissions_per_claim) == (1, 0.25)
    assert set(k.sla_attainment) == {RV}
    assert (k.sla_attainment[RV].value, k.sla_attainment[RV].n) == (pytest.approx(2 / 3), 3)


def test_sla_from_the_claims_events():
    k = process_kpis(CASES, sla="events")
    assert (k.sla_attainment[RV].value, k.sla_attainment[RV].n) == (pytest.approx(2 / 3), 3)
    assert k.sla_attainment[IN].value == 1
    assert process_kpis(CASES).sla_attainment == {}


def test_paid_within_is_configurable():
    k = process_kpis(CASES, paid_within=timedelta(hours=30))
    assert k.paid_within_target.value == 1


def test_backlog_at_the_end_of_each_day():
    b = backlog(CASES)
    assert b.days == ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05")
    assert b.counts[RV] == (1, 2, 1, 1)
    assert b.counts[PA] == (1, 0, 1, 0)
    assert b.counts[CO] == (1, 0, 0, 0)
    assert b.counts[IN] == (0, 0, 0, 0)


def test_throughput_per_day():
    t = throughput(CASES)
    assert t.submitted == (4, 0, 0, 0)
    assert t.decided == (2, 0, 1, 0)
    assert t.paid == (0, 1, 0, 1)
    assert t.ended == (1, 1, 0, 1)
    with pytest.raises(ValidationError):
        throughput(timelines([draft("X")]))


def test_durations_of_nothing_are_nan():
    d = durations([])
    assert d.n == 0
    assert math.isnan(d.median)


def test_sla_attainment_with_the_sla_policy():
    policy = SlaPolicy.standard(AROUND_THE_CLOCK, review=timedelta(hours=8))
    result = sla_attainment(claims(), policy, after(hours=200))
    # review clock (paused while returned): A 5 h, B 10 + 11 = 21 h, C 7 h; D still open
    assert (result["review"].value, result["review"].n) == (pytest.approx(2 / 3), 3)
    # payment: A 15 h, B 30 h
    assert (result["payment"].value, result["payment"].n) == (0.5, 2)


def test_sla_stage_names_of_the_sla_part_are_understood():
    claim = approved(assigned(submitted(draft("F"), at=AT), at=after(hours=1)), at=after(hours=2))
    claim = breach(paid(claim, at=after(hours=3)), "finance_approval", 3)
    assert timelines([claim])[0].sla_breaches == frozenset({PA})


def test_timelines_leave_the_garbage_collector_to_the_host():
    # code the host runs meanwhile (here: the attributes callback) sees the
    # collector as the host set it, on or off
    seen = []

    def attributes(claim):
        seen.append(gc.isenabled())
        return {}

    was = gc.isenabled()
    try:
        for host_setting in (True, False):
            (gc.enable if host_setting else gc.disable)()
            timelines(claims(), attributes=attributes)
            assert seen == [host_setting] * len(claims())
            assert gc.isenabled() is host_setting
            seen.clear()
    finally:
        (gc.enable if was else gc.disable)()
