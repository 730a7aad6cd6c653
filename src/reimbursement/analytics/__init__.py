"""Analytics: feedback reports, process KPIs, comparisons, event-log export.

Everything imported here is pure Python. pandas and matplotlib (the
``[analytics]`` extra) are imported only when a function of
:mod:`reimbursement.analytics.export` or :mod:`reimbursement.analytics.plots`
is called, and numpy only inside the counting kernel, when installed.
:mod:`reimbursement.analytics.simulate` makes a synthetic year of claims.
"""

from __future__ import annotations

from .compare import (
    Kpi,
    KpiKind,
    compare_kpi,
    estimate_kpi,
    kpi_by_period,
    paid_within_kpi,
    sla_kpi,
    split_at,
    split_by,
    stage_hours_kpi,
    standard_kpis,
)
from .feedback import FeedbackRecord, FeedbackTable, feedback_records
from .kpis import (
    Backlog,
    Durations,
    ProcessKpis,
    Throughput,
    backlog,
    process_kpis,
    sla_attainment,
    throughput,
)
from .periods import Period
from .report import (
    Comment,
    FeedbackGroup,
    FeedbackReport,
    ProblemTrend,
    compare_groups,
    feedback_report,
)
from .stats import Difference, Estimate
from .timeline import CaseTimeline, ProcessStage, timeline, timelines

__all__ = [
    "Backlog",
    "CaseTimeline",
    "Comment",
    "Difference",
    "Durations",
    "Estimate",
    "FeedbackGroup",
    "FeedbackRecord",
    "FeedbackReport",
    "FeedbackTable",
    "Kpi",
    "KpiKind",
    "Period",
    "ProblemTrend",
    "ProcessKpis",
    "ProcessStage",
    "Throughput",
    "backlog",
    "compare_groups",
    "compare_kpi",
    "estimate_kpi",
    "feedback_records",
    "feedback_report",
    "kpi_by_period",
    "paid_within_kpi",
    "process_kpis",
    "sla_attainment",
    "sla_kpi",
    "split_at",
    "split_by",
    "stage_hours_kpi",
    "standard_kpis",
    "throughput",
    "timeline",
    "timelines",
]
