"""pandas DataFrames for analysts: the event log, KPIs and reports. Needs ``[analytics]``.

The event log follows the process-mining (XES) naming that ``pm4py`` and
similar tools read without mapping: ``case:concept:name`` (claim id),
``concept:name`` (event type), ``time:timestamp`` (UTC), ``org:resource``
(actor id), plus ``org:role`` and the claim's attributes as ``case:*``
columns. pandas is imported when a function here is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .._extras import require
from ..domain.claim import Claim, main_category
from ..domain.feedback import FeedbackStage
from .compare import Kpi
from .feedback import FeedbackTable
from .kpis import Backlog, Durations, ProcessKpis, Throughput
from .report import FeedbackReport
from .stats import Estimate
from .timeline import CaseTimeline, ProcessStage

DataFrame = Any
"""``pandas.DataFrame`` (typed loosely: pandas ships no type stubs)."""

__all__ = [
    "backlog_frame",
    "event_log_frame",
    "feedback_frame",
    "feedback_report_frame",
    "kpi_frame",
    "kpi_series_frame",
    "problems_frame",
    "throughput_frame",
    "timelines_frame",
    "trend_frame",
]


def _pd() -> Any:
    # Through importlib: pandas ships no stubs, and the core must not import it at load time.
    return require("pandas", "analytics", "data frames")


def _case_attributes(claim: Claim) -> dict[str, object]:
    return {
        "case:number": claim.number or "",
        "case:customer": claim.claimant.customer_id,
        "case:category": main_category(claim) or "",  # a claim without lines: no category
        "case:currency": claim.currency,
        # Decimal, never float: money keeps its exact value in the frame too.
        "case:claimed": claim.claimed_total.amount,
        "case:approved": claim.approved_total.amount,
        "case:state": claim.state.value,
    }


def event_log_frame(
    claims: Iterable[Claim],
    *,
    attributes: Callable[[Claim], Mapping[str, object]] | None = None,
    internal: bool = True,
) -> DataFrame:
    """One row per event of ``claims``, sorted by case, time and sequence number.

    ``attributes`` adds case columns (their names get a ``case:`` prefix when
    they lack one); ``internal=False`` leaves staff-only events out.
    """
    pd = _pd()
    names = (
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "org:resource",
        "org:role",
        "event:id",
        "event:seq",
        "from_state",
        "to_state",
    )
    rows: dict[str, list[object]] = {name: [] for name in names}
    cases: list[dict[str, object]] = []
    case_of_row: list[int] = []
    for claim in claims:
        extra = _case_attributes(claim)
        if attributes is not None:
            for name, value in attributes(claim).items():
                extra[name if name.startswith("case:") else f"case:{name}"] = value
        for event in claim.events:
            if not internal and not event.customer_visible:
                continue
            for name, value in zip(
                names,
                (
                    claim.id,
                    event.type.value,
                    event.at,
                    event.actor,
                    event.role.value,
                    event.id,
                    event.seq,
                    event.from_state.value,
                    event.to_state.value,
                ),
                strict=True,
            ):
                rows[name].append(value)
            case_of_row.append(len(cases))
        cases.append(extra)
    events = pd.DataFrame(rows)
    events["time:timestamp"] = pd.to_datetime(events["time:timestamp"], utc=True)
    case_frame = pd.DataFrame.from_records(cases).iloc[case_of_row].reset_index(drop=True)
    frame = pd.concat([events, case_frame], axis=1)
    frame = frame.sort_values(["case:concept:name", "time:timestamp", "event:seq"])
    return frame.reset_index(drop=True)


def timelines_frame(cases: Sequence[CaseTimeline]) -> DataFrame:
    """One row per claim: instants, counts, hours per stage and end to end."""
    pd = _pd()
    records = []
    for c in cases:
        row: dict[str, object] = {
            "claim_id": c.claim_id,
            "category": c.category,
            "assignee": c.assignee,
            "state": c.state.value,
            "submitted_at": c.submitted_at,
            "decided_at": c.decided_at,
            "approved_at": c.approved_at,
            "paid_at": c.paid_at,
            "ended_at": c.ended_at,
            "returns": c.returns,
            "resubmissions": c.resubmissions,
            "end_to_end_hours": c.end_to_end_hours,
            "approval_to_paid_hours": c.approval_to_paid_hours,
        }
        row.update({f"{s.value}_hours": c.stage_hours(s) for s in ProcessStage})
        row.update(c.attributes)
        records.append(row)
    return pd.DataFrame.from_records(records)


def _estimate_row(estimate: Estimate) -> dict[str, object]:
    return {
        "value": estimate.value,
        "low": estimate.low,
        "high": estimate.high,
        "n": estimate.n,
        "method": estimate.method,
    }


def kpi_frame(kpis: ProcessKpis) -> DataFrame:
    """The KPIs in long form: kpi, stage, statistic, value, low, high, n, method."""
    pd = _pd()
    rows: list[dict[str, object]] = []
    summaries: list[tuple[str, str | None, Durations]] = [
        *(("stage_hours", s.value, d) for s, d in kpis.stage_hours.items()),
        ("end_to_end_hours", None, kpis.end_to_end_hours),
    ]
    for name, stage, d in summaries:
        for statistic in ("mean", "median", "p90", "p95"):
            rows.append(
                {
                    "kpi": name,
                    "stage": stage,
                    "statistic": statistic,
                    "value": getattr(d, statistic),
                    "n": d.n,
                }
            )
    shares: list[tuple[str, str | None, Estimate]] = [
        (
            f"paid_within_{kpis.paid_within.total_seconds() / 3600:g}h",
            None,
            kpis.paid_within_target,
        ),
        ("first_time_right", None, kpis.first_time_right),
        ("returns_per_claim", None, kpis.returns_per_claim),
        *(("sla_attainment", s.value, e) for s, e in kpis.sla_attainment.items()),
    ]
    for name, stage, estimate in shares:
        rows.append(
            {"kpi": name, "stage": stage, "statistic": "estimate", **_estimate_row(estimate)}
        )
    rows.append(
        {"kpi": "resubmissions", "stage": None, "statistic": "total", "value": kpis.resubmissions}
    )
    rows.append(
        {
            "kpi": "resubmissions_per_claim",
            "stage": None,
            "statistic": "mean",
            "value": kpis.resubmissions_per_claim,
            "n": kpis.submitted,
        }
    )
    return pd.DataFrame.from_records(rows)


def kpi_series_frame(kpi: Kpi, series: Sequence[tuple[str, Estimate]]) -> DataFrame:
    """A KPI per period (from :func:`~.compare.kpi_by_period`): period, value, low, high, n."""
    pd = _pd()
    rows = [{"period": label, "kpi": kpi.name, **_estimate_row(e)} for label, e in series]
    return pd.DataFrame.from_records(
        rows, columns=["period", "kpi", "value", "low", "high", "n", "method"]
    )


def feedback_frame(table: FeedbackTable) -> DataFrame:
    """The table's records, one row each (scores ``<NA>`` when not given, problems as a list)."""
    pd = _pd()
    np = require("numpy", "analytics", "data frames")

    data: dict[str, Any] = {
        "claim_id": table.claim_ids,
        "given_at": pd.to_datetime(
            np.frombuffer(table.given_at, dtype=np.int64), unit="s", utc=True
        ),
    }
    for name, (codes, labels) in table.dimensions.items():
        data[name] = pd.Categorical.from_codes(np.frombuffer(codes, dtype=np.int32), labels)
    frame = pd.DataFrame(data)
    columns = {f"csat_{s.value}": (table.csat[s], 0) for s in FeedbackStage}
    columns.update({"ces": (table.ces, 0), "nps": (table.nps, 1)})
    for name, (values, shift) in columns.items():
        # Stored codes are score + shift with 0 for "not given": back to scores and <NA>.
        series = pd.Series(np.frombuffer(values, dtype=np.int8), dtype="Int8")
        frame[name] = (series - shift).mask(series == 0)
    problems: list[list[str]] = [[] for _ in range(len(table))]
    for row, code in zip(table.problem_rows, table.problem_codes, strict=True):
        problems[row].append(table.problem_labels[code])
    frame["problems"] = problems
    frame["text"] = table.texts
    return frame


def feedback_report_frame(report: FeedbackReport) -> DataFrame:
    """One row per group: keys, count, each CSAT, CES and NPS with ``_low``/``_high``/``_n``."""
    pd = _pd()
    rows = []
    for group in (*report.groups,) if report.by else (report.overall,):
        row: dict[str, object] = dict(zip(report.by, group.key, strict=True))
        row["count"] = group.count
        figures: list[tuple[str, Estimate]] = [
            *((f"csat_{s.value}", group.csat[s]) for s in FeedbackStage),
            ("ces", group.ces),
            ("nps", group.nps),
        ]
        for name, e in figures:
            row.update(
                {name: e.value, f"{name}_low": e.low, f"{name}_high": e.high, f"{name}_n": e.n}
            )
        rows.append(row)
    return pd.DataFrame.from_records(rows)


def problems_frame(report: FeedbackReport) -> DataFrame:
    """Problem counts per group in long form: keys, ``problem``, ``count``."""
    pd = _pd()
    rows: list[dict[str, object]] = []
    for group in (*report.groups,) if report.by else (report.overall,):
        keys = dict(zip(report.by, group.key, strict=True))
        rows.extend({**keys, "problem": code, "count": n} for code, n in group.problems.items())
    return pd.DataFrame.from_records(rows, columns=[*report.by, "problem", "count"])


def trend_frame(report: FeedbackReport) -> DataFrame:
    """The problem trend: code, label, current, previous, change, and the two periods."""
    pd = _pd()
    rows = [
        {
            "problem": t.code,
            "label": t.label,
            "current": t.current,
            "previous": t.previous,
            "change": t.change,
            "current_period": t.current_period,
            "previous_period": t.previous_period,
        }
        for t in report.trend
    ]
    return pd.DataFrame.from_records(rows)


def backlog_frame(backlog: Backlog) -> DataFrame:
    """The backlog: one row per day, one column per stage."""
    pd = _pd()
    data: dict[str, list[str] | list[int]] = {"day": list(backlog.days)}
    data.update({s.value: list(v) for s, v in backlog.counts.items()})
    return pd.DataFrame(data)


def throughput_frame(flow: Throughput) -> DataFrame:
    """Throughput: one row per day with submitted, decided, paid and ended counts."""
    pd = _pd()
    return pd.DataFrame(
        {
            "day": list(flow.days),
            "submitted": list(flow.submitted),
            "decided": list(flow.decided),
            "paid": list(flow.paid),
            "ended": list(flow.ended),
        }
    )
