"""The synthetic year: made through the desk, reproducible, and showing the process change."""

from __future__ import annotations

from collections import Counter

import pytest

from reimbursement.analytics import process_kpis, split_by, timelines
from reimbursement.analytics.simulate import SimulationSettings, simulate_year
from reimbursement.domain.events import EventType
from reimbursement.domain.lifecycle import ClaimState

SETTINGS = SimulationSettings(days=70, claims_per_day=12, change_after_days=35)


@pytest.fixture(scope="module")
def year():
    return simulate_year(7, SETTINGS)


def test_same_seed_same_year(year):
    again = simulate_year(7, SETTINGS)
    assert [c.events for c in again.claims] == [c.events for c in year.claims]
    other = simulate_year(8, SETTINGS)
    assert [c.events for c in other.claims] != [c.events for c in year.claims]


def test_claims_went_through_the_desk(year):
    assert len(year.claims) > 500
    states = Counter(c.state for c in year.claims)
    assert states[ClaimState.PAID] > states[ClaimState.REJECTED] > 0
    stored = year.desk.adapters.unit_of_work().claims
    assert all(stored.get(c.id) == c for c in year.claims[:50])
    assert year.desk.adapters.notifier.sent
    for claim in year.claims:
        times = [e.at for e in claim.events]
        assert times == sorted(times)
        assert year.start <= times[0] < year.end
        assert claim.number is not None


def test_feedback_is_valid_and_follows_experience(year):
    given = [c for c in year.claims if c.feedback is not None]
    assert 0.2 < len(given) / len(year.claims) < 0.5
    for claim in given:
        assert claim.state in (ClaimState.PAID, ClaimState.REJECTED)
        assert claim.events[-1].type is EventType.FEEDBACK_GIVEN
        assert year.region_of(claim) in {"north", "south", "east", "west"}
    returned = [
        c.feedback.nps for c in given if any(e.type is EventType.RETURNED for e in c.events)
    ]
    smooth = [
        c.feedback.nps for c in given if all(e.type is not EventType.RETURNED for e in c.events)
    ]
    assert sum(returned) / len(returned) < sum(smooth) / len(smooth)


def test_the_process_change_shows_in_the_kpis(year):
    groups = split_by(
        timelines(year.claims), lambda t: "after" if t.submitted_at >= year.change_at else "before"
    )
    before, after = process_kpis(groups["before"]), process_kpis(groups["after"])
    assert after.first_time_right.value > before.first_time_right.value
    assert after.paid_within_target.value > before.paid_within_target.value
    assert year.team_of("reviewer-1") == "team-a"
    assert {year.variant_of(c) for c in year.claims} == {"before", "after"}
    assert year.team_of("someone") == "unknown"
