"""DataFrames for analysts: the event log's columns, and the reports and KPIs as tables."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest

from reimbursement.analytics import (
    FeedbackTable,
    backlog,
    export,
    feedback_report,
    kpi_by_period,
    paid_within_kpi,
    process_kpis,
    throughput,
    timelines,
)

from .test_kpis import claims
from .test_report import RECORDS

CLAIMS = claims()


def test_the_core_never_imports_pandas_matplotlib_or_numpy():
    code = (
        "import sys, reimbursement, reimbursement.analytics, reimbursement.analytics.simulate;"
        "import reimbursement.analytics.export, reimbursement.analytics.plots;"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_event_log_in_the_process_mining_convention():
    log = export.event_log_frame(CLAIMS, attributes=lambda c: {"region": "north", "case:x": 1})
    assert list(log.columns[:4]) == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "org:resource",
    ]
    assert str(log["time:timestamp"].dtype).startswith("datetime64")
    assert str(log["time:timestamp"].dt.tz) == "UTC"
    a = log[log["case:concept:name"] == "A"]
    assert list(a["concept:name"])[:4] == ["draft_started", "submitted", "assigned", "approved"]
    assert set(a["case:region"]) == {"north"}
    assert set(a["case:x"]) == {1}
    assert a["case:claimed"].iloc[0] == Decimal("42.50")
    assert set(log["case:state"]) == {"paid", "rejected", "in_review", "draft"}
    assert (
        log.groupby("case:concept:name")["time:timestamp"]
        .apply(lambda s: s.is_monotonic_increasing)
        .all()
    )


def test_internal_events_can_be_left_out():
    from reimbursement.domain import commands as cmd
    from reimbursement.domain.actors import Actor
    from reimbursement.domain.events import Visibility
    from reimbursement.testing import after

    reviewer = Actor.reviewer("rev-1")
    noted = cmd.post_message(CLAIMS[0], reviewer, after(hours=30), "note", Visibility.INTERNAL)
    full = export.event_log_frame([noted])
    public = export.event_log_frame([noted], internal=False)
    assert len(full) == len(public) + 1


def test_kpis_and_flows_as_frames():
    cases = timelines(CLAIMS)
    kpis = export.kpi_frame(process_kpis(cases))
    row = kpis[
        (kpis.kpi == "stage_hours") & (kpis.stage == "review") & (kpis.statistic == "median")
    ]
    assert row["value"].item() == 6
    assert kpis[kpis.kpi == "first_time_right"]["n"].item() == 3
    flows = export.throughput_frame(throughput(cases))
    assert list(flows.columns) == ["day", "submitted", "decided", "paid", "ended"]
    assert flows["submitted"].sum() == 4
    queue = export.backlog_frame(backlog(cases))
    assert list(queue["review"]) == [1, 2, 1, 1]
    series = export.kpi_series_frame(paid_within_kpi(), kpi_by_period(paid_within_kpi(), cases))
    assert series["n"].sum() == 2
    table = export.timelines_frame(cases)
    assert table.set_index("claim_id").loc["B", "correction_hours"] == 24


def test_feedback_frames():
    table = FeedbackTable.from_records(RECORDS)
    raw = export.feedback_frame(table)
    assert len(raw) == 5
    assert raw.loc[0, "nps"] == 10
    assert pd.isna(raw.loc[2, "csat_payment"])
    assert raw.loc[1, "problems"] == ["slow_review", "payment_late"]
    report = feedback_report(table, "channel")
    frame = export.feedback_report_frame(report)
    assert list(frame["channel"]) == ["app", "web"]
    assert frame.loc[0, "count"] == 3
    assert frame.loc[0, "nps"] == pytest.approx(100 * (2 - 1) / 3)
    problems = export.problems_frame(report)
    assert problems["count"].sum() == 5
    trend = export.trend_frame(report)
    assert set(trend["change"]) == {-1, 0}
    overall = export.feedback_report_frame(feedback_report(table))
    assert overall.loc[0, "count"] == 5
