"""pm4py reads the exported event log as it is: counts and case durations agree with ours."""

from __future__ import annotations

import warnings

import pm4py
import pytest
from pm4py.statistics.traces.generic.pandas import case_statistics

from reimbursement.analytics import timelines
from reimbursement.analytics.export import event_log_frame

from .test_kpis import claims

CLAIMS = claims()


@pytest.fixture(scope="module")
def log():
    return event_log_frame(CLAIMS)


def test_pm4py_counts_cases_and_events(log):
    assert len(log) == sum(len(c.events) for c in CLAIMS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pm4py.get_event_attribute_values(log, "case:concept:name") == {
            c.id: len(c.events) for c in CLAIMS
        }
        variants = pm4py.get_variants(log)
    assert sum(variants.values()) == len(CLAIMS)
    assert pm4py.get_start_activities(log) == {"draft_started": len(CLAIMS)}


def test_pm4py_case_durations_are_ours(log):
    ours = {t.claim_id: t.span_hours * 3600 for t in timelines(CLAIMS)}
    theirs = {
        case: figures["caseDuration"]
        for case, figures in case_statistics.get_cases_description(log).items()
    }
    assert theirs == pytest.approx(ours)
    assert sorted(pm4py.get_all_case_durations(log)) == pytest.approx(sorted(ours.values()))


def test_pm4py_submission_to_payment_is_our_end_to_end(log):
    between = pm4py.filter_between(log, "submitted", "paid")
    theirs = sorted(pm4py.get_all_case_durations(between))
    ours = sorted(
        t.end_to_end_hours * 3600
        for t in timelines(CLAIMS)
        if t.paid_at is not None and t.end_to_end_hours is not None
    )
    assert theirs == pytest.approx(ours)
