"""matplotlib charts of the KPIs and the feedback report. Needs ``[analytics]``.

Each helper draws on the ``ax`` given (or a new figure's) and returns the
axes, so charts compose into the analyst's own figures. matplotlib is
imported when a helper is called; the backend is the caller's choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .._extras import require
from ..domain.feedback import FeedbackStage
from ..errors import ValidationError
from .kpis import ProcessKpis
from .report import FeedbackGroup, FeedbackReport
from .stats import Estimate

__all__ = [
    "plot_feedback_trend",
    "plot_kpi_over_time",
    "plot_problem_pareto",
    "plot_stage_durations",
]

Axes = Any
"""``matplotlib.axes.Axes``."""


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    pyplot = require("matplotlib.pyplot", "analytics", "plots")
    _, new = pyplot.subplots(figsize=(8, 4))
    return new


def plot_stage_durations(kpis: ProcessKpis, ax: Axes | None = None) -> Axes:
    """Median, p90 and p95 hours per stage and end to end, as grouped bars."""
    ax = _axes(ax)
    rows = [(s.value, d) for s, d in kpis.stage_hours.items() if d.n]
    rows.append(("end to end", kpis.end_to_end_hours))
    width = 0.27
    for i, (name, attr) in enumerate((("median", "median"), ("p90", "p90"), ("p95", "p95"))):
        xs = [j + (i - 1) * width for j in range(len(rows))]
        ax.bar(xs, [getattr(d, attr) for _, d in rows], width, label=name)
    ax.set_xticks(range(len(rows)), [name for name, _ in rows])
    ax.set_ylabel("hours")
    ax.set_title("Time per stage")
    ax.legend()
    return ax


def _series(ax: Axes, labels: Sequence[str], estimates: Sequence[Estimate], name: str) -> None:
    xs = range(len(labels))
    values = [e.value for e in estimates]
    ax.plot(xs, values, marker="o", label=name)
    ax.fill_between(xs, [e.low for e in estimates], [e.high for e in estimates], alpha=0.2)
    step = max(1, len(labels) // 12)
    ax.set_xticks(list(xs)[::step], list(labels)[::step], rotation=45, ha="right")


def plot_kpi_over_time(
    series: Sequence[tuple[str, Estimate]],
    ax: Axes | None = None,
    *,
    title: str = "",
    label: str = "",
    percent: bool = True,
) -> Axes:
    """A KPI per period (from :func:`~.compare.kpi_by_period`) with its interval band.

    Use it for SLA attainment over time (``sla_kpi``) or any other KPI;
    ``label`` names the line in the legend (call ``ax.legend()``).
    """
    ax = _axes(ax)
    kept = [(label, e) for label, e in series if e.n and not math.isnan(e.value)]
    scale = 100.0 if percent else 1.0
    scaled = [
        Estimate(e.value * scale, e.low * scale, e.high * scale, e.n, e.method) for _, e in kept
    ]
    _series(ax, [period for period, _ in kept], scaled, label or title or "KPI")
    ax.set_ylabel("%" if percent else "value")
    if title:
        ax.set_title(title)
    return ax


def _figure(group: FeedbackGroup, metric: str) -> Estimate:
    if metric == "nps":
        return group.nps
    if metric == "ces":
        return group.ces
    if metric.startswith("csat[") and metric.endswith("]"):
        e = group.csat[FeedbackStage(metric[5:-1])]
        return Estimate(e.value * 100, e.low * 100, e.high * 100, e.n, e.method)
    raise ValidationError.at("metric", f"{metric!r}: use nps, ces or csat[<stage>]")


def plot_feedback_trend(
    report: FeedbackReport, metrics: Sequence[str] = ("nps",), ax: Axes | None = None
) -> Axes:
    """CSAT (``csat[<stage>]``, %), CES or NPS per period, each with its interval band.

    ``report`` must be grouped by ``period`` alone. Raises
    :class:`~reimbursement.errors.ValidationError` otherwise, or for an unknown metric.
    """
    if report.by != ("period",):
        raise ValidationError.at("report", "group the report by period alone for a trend")
    ax = _axes(ax)
    labels = [g.key[0] for g in report.groups]
    for metric in metrics:
        _series(ax, labels, [_figure(g, metric) for g in report.groups], metric)
    ax.set_title("Feedback by " + report.period.value)
    ax.legend()
    return ax


def plot_problem_pareto(report: FeedbackReport, ax: Axes | None = None, *, top: int = 10) -> Axes:
    """The problem categories, most frequent first, with the cumulative share as a line."""
    ax = _axes(ax)
    items = list(report.overall.problems.items())[:top]
    total = sum(report.overall.problems.values()) or 1
    names = [code for code, _ in items]
    counts = [count for _, count in items]
    ax.bar(range(len(items)), counts)
    ax.set_xticks(range(len(items)), names, rotation=45, ha="right")
    ax.set_ylabel("feedback mentioning it")
    running, cumulative = 0, []
    for count in counts:
        running += count
        cumulative.append(100 * running / total)
    twin = ax.twinx()
    twin.plot(range(len(items)), cumulative, color="black", marker="o")
    twin.set_ylim(0, 105)
    twin.set_ylabel("cumulative %")
    ax.set_title("Problems (Pareto)")
    return ax
