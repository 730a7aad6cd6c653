"""Process KPIs from claims' timelines: durations, payment speed, SLA, first-time-right, flow.

Every definition is in ``docs/analytics.md``. Durations are clock hours
(floats), measured between the events' timestamps.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

import attrs

from ..domain.claim import Claim
from ..domain.frozen import frozen_map
from ..domain.sla import SlaPolicy, SlaStatus
from ..errors import ValidationError
from . import stats
from .periods import Period, PeriodGrid, period_grid
from .timeline import CaseTimeline, ProcessStage, all_visits

__all__ = [
    "Backlog",
    "Durations",
    "ProcessKpis",
    "Throughput",
    "backlog",
    "durations",
    "process_kpis",
    "sla_attainment",
    "sla_met",
    "throughput",
]

SlaSource = Mapping[ProcessStage, timedelta] | Literal["events"] | None


@attrs.frozen
class Durations:
    """Summary of durations in hours: count, mean, median, 90th and 95th percentiles.

    Percentiles are type 7 (see :func:`~reimbursement.analytics.stats.quantile`);
    NaN when ``n == 0``.
    """

    n: int
    mean: float
    median: float
    p90: float
    p95: float


def durations(hours: Sequence[float]) -> Durations:
    """The :class:`Durations` of ``hours``."""
    ordered = sorted(hours)
    n = len(ordered)
    mean = math.fsum(ordered) / n if n else math.nan
    q = stats.quantile
    return Durations(n, mean, q(ordered, 0.5), q(ordered, 0.9), q(ordered, 0.95))


def sla_met(case: CaseTimeline, stage: ProcessStage, sla: SlaSource) -> bool | None:
    """Whether ``case`` met the SLA of ``stage``; ``None`` when it does not count.

    With targets (clock time per stage): a case counts once it has left the
    stage at least once, and meets it when its total time there is within
    the target. With ``"events"``: a case counts once it has left the
    stage, and meets it unless an ``SLA_BREACHED`` event names the stage.
    """
    seconds = case.seconds_in(stage)
    if seconds is None or sla is None:
        return None
    if sla == "events":
        return not case.breached(stage)
    target = sla.get(stage)
    return None if target is None else seconds <= target.total_seconds()


@attrs.frozen
class ProcessKpis:
    """The process KPIs of a set of claims (see :func:`process_kpis`)."""

    cases: int
    submitted: int
    stage_hours: Mapping[ProcessStage, Durations] = attrs.field(converter=frozen_map)
    end_to_end_hours: Durations
    paid_within: timedelta
    paid_within_target: stats.Estimate
    sla_attainment: Mapping[ProcessStage, stats.Estimate] = attrs.field(converter=frozen_map)
    first_time_right: stats.Estimate
    returns_per_claim: stats.Estimate
    resubmissions: int
    resubmissions_per_claim: float


def process_kpis(
    cases: Sequence[CaseTimeline],
    *,
    sla: SlaSource = None,
    paid_within: timedelta = timedelta(hours=24),
    confidence: float = 0.95,
) -> ProcessKpis:
    """The KPIs of ``cases``.

    ``sla`` is a clock-time target per stage, ``"events"`` to use the SLA
    events the claims carry, or ``None`` for no SLA figures.
    ``paid_within`` is the approval-to-paid target (24 hours).
    """
    hours: dict[ProcessStage, list[float]] = {s: [] for s in ProcessStage}
    e2e: list[float] = []
    on_time = paid = decided = right = submitted = returns = returns_sq = resubmissions = 0
    sla_counts = {s: [0, 0] for s in ProcessStage}
    limit = paid_within.total_seconds() / 3600
    stages = tuple(ProcessStage)
    for case in cases:
        for stage in stages:
            seconds = case.seconds_in(stage)
            if seconds is None:
                continue  # never left: counts for neither
            hours[stage].append(seconds / 3600)
            met = None if sla is None else sla_met(case, stage, sla)
            if met is not None:
                sla_counts[stage][0] += met
                sla_counts[stage][1] += 1
        total = case.end_to_end_hours
        if total is not None:
            e2e.append(total)
        to_paid = case.approval_to_paid_hours
        if to_paid is not None:
            paid += 1
            on_time += to_paid <= limit
        if case.decided_at is not None:
            decided += 1
            right += case.returns == 0
        if case.submitted_at is not None:
            submitted += 1
            returns += case.returns
            returns_sq += case.returns * case.returns
            resubmissions += case.resubmissions
    return ProcessKpis(
        len(cases),
        submitted,
        {s: durations(hours[s]) for s in ProcessStage},
        durations(e2e),
        paid_within,
        stats.wilson(on_time, paid, confidence),
        {s: stats.wilson(m, n, confidence) for s, (m, n) in sla_counts.items() if n},
        stats.wilson(right, decided, confidence),
        stats.mean_interval(submitted, returns, returns_sq, confidence),
        resubmissions,
        resubmissions / submitted if submitted else math.nan,
    )


def sla_attainment(
    claims: Iterable[Claim], policy: SlaPolicy, at: datetime, confidence: float = 0.95
) -> dict[str, stats.Estimate]:
    """Per SLA stage, the share of finished clock cycles that met their target at ``at``.

    Uses the SLA part itself (:meth:`~reimbursement.domain.sla.SlaPolicy.evaluate`):
    business calendars, clocks paused while the customer corrects, one cycle
    per payment attempt. A cycle counts once its clock has stopped; it met
    the SLA when it stopped by its due time. Keys are the SLA stage names
    (``review``, ``finance_approval``, ``payment``).
    """
    counts: dict[str, list[int]] = {}
    for claim in claims:
        for cycle in policy.evaluate(claim, at).stages:
            if cycle.open:
                continue
            tally = counts.setdefault(cycle.stage.value, [0, 0])
            tally[0] += cycle.status is SlaStatus.MET
            tally[1] += 1
    return {stage: stats.wilson(m, n, confidence) for stage, (m, n) in counts.items()}


def _days(
    cases: Sequence[CaseTimeline], tz: tzinfo, first: datetime | None, last: datetime | None
) -> PeriodGrid:
    if first is None or last is None:
        instants = [c.submitted_at for c in cases if c.submitted_at is not None]
        instants += [c.ended_at for c in cases if c.ended_at is not None]
        if not instants:
            raise ValidationError.at("cases", "no claim was ever submitted: there is no flow")
        first = first or min(instants)
        last = last or max(instants)
    return period_grid(Period.DAY, tz, first, last)


@attrs.frozen
class Backlog:
    """How many claims sit in each stage at the end of each local day.

    ``counts[stage][i]`` is the count at the end of ``days[i]`` (the next
    local midnight).
    """

    days: tuple[str, ...]
    counts: Mapping[ProcessStage, tuple[int, ...]] = attrs.field(converter=frozen_map)


def backlog(
    cases: Sequence[CaseTimeline],
    *,
    tz: tzinfo = UTC,
    first: datetime | None = None,
    last: datetime | None = None,
) -> Backlog:
    """The backlog by stage at the end of every day from ``first`` to ``last`` (in ``tz``).

    The days default to the span of the claims' submissions and ends. A
    claim is in a stage at an instant when one of its visits there started
    at or before it and had not ended.
    """
    grid = _days(cases, tz, first, last)
    ends = grid.bounds[1:]
    size = len(ends)
    deltas = {s: [0] * (size + 1) for s in ProcessStage}
    for stage, start, end in all_visits(cases):
        d0 = bisect_left(ends, start)
        d1 = size if end is None else bisect_left(ends, end)
        if d0 < d1:
            deltas[stage][d0] += 1
            deltas[stage][d1] -= 1
    counts = {}
    for stage, delta in deltas.items():
        running, series = 0, []
        for change in delta[:size]:
            running += change
            series.append(running)
        counts[stage] = tuple(series)
    return Backlog(grid.labels, counts)


@attrs.frozen
class Throughput:
    """Claims per local day: submitted (first submission), decided, paid, and ended."""

    days: tuple[str, ...]
    submitted: tuple[int, ...]
    decided: tuple[int, ...]
    paid: tuple[int, ...]
    ended: tuple[int, ...]


def throughput(
    cases: Sequence[CaseTimeline],
    *,
    tz: tzinfo = UTC,
    first: datetime | None = None,
    last: datetime | None = None,
) -> Throughput:
    """How many claims were submitted, decided, paid and ended on each day (in ``tz``)."""
    grid = _days(cases, tz, first, last)
    columns = {name: [0] * len(grid) for name in ("submitted", "decided", "paid", "ended")}
    for case in cases:
        for name, at in (
            ("submitted", case.submitted_at),
            ("decided", case.decided_at),
            ("paid", case.paid_at),
            ("ended", case.ended_at),
        ):
            if at is not None:
                i = grid.index(int(at.timestamp()))
                if i >= 0:
                    columns[name][i] += 1
    return Throughput(
        grid.labels,
        tuple(columns["submitted"]),
        tuple(columns["decided"]),
        tuple(columns["paid"]),
        tuple(columns["ended"]),
    )
