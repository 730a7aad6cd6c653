"""The chart helpers draw what they say on the axes given (headless: matplotlib picks Agg)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from reimbursement.analytics import (
    FeedbackTable,
    feedback_report,
    kpi_by_period,
    paid_within_kpi,
    plots,
    process_kpis,
    timelines,
)
from reimbursement.errors import ValidationError

from .test_kpis import claims
from .test_report import RECORDS

CASES = timelines(claims())
REPORT = feedback_report(FeedbackTable.from_records(RECORDS), "period")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_stage_durations_has_a_bar_per_stage_and_statistic():
    ax = plots.plot_stage_durations(process_kpis(CASES))
    # intake, review, correction, payment, end to end; three statistics each
    assert len(ax.patches) == 15
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "end to end"


def test_kpi_over_time_in_percent_on_given_axes():
    _, ax = plt.subplots()
    series = kpi_by_period(paid_within_kpi(), CASES, period="day")
    assert plots.plot_kpi_over_time(series, ax, label="paid in 24 h") is ax
    line = ax.get_lines()[0]
    assert line.get_label() == "paid in 24 h"
    assert list(line.get_ydata()) == [e.value * 100 for _, e in series if e.n]


def test_feedback_trend_needs_a_report_by_period():
    ax = plots.plot_feedback_trend(REPORT, ["nps", "csat[review]", "ces"])
    assert [line.get_label() for line in ax.get_lines()] == ["nps", "csat[review]", "ces"]
    with pytest.raises(ValidationError):
        plots.plot_feedback_trend(feedback_report(FeedbackTable.from_records(RECORDS)))
    with pytest.raises(ValidationError):
        plots.plot_feedback_trend(REPORT, ["speed"])


def test_pareto_ends_at_one_hundred_percent():
    ax = plots.plot_problem_pareto(REPORT)
    assert [p.get_height() for p in ax.patches] == [3, 2]
    twin = ax.figure.axes[-1]
    assert twin.get_lines()[0].get_ydata()[-1] == pytest.approx(100)
