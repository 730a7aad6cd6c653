"""Any KPI, estimated, tracked per period, and compared before/after or between variants.

A :class:`Kpi` reads one value per claim timeline (a yes/no, a number or a
duration) and says how to summarise it: a share, a mean or a quantile.
That is enough to estimate it with an interval, to follow it period by
period, and to compare two sets of claims with the right test.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

import attrs

from ..errors import ValidationError
from . import stats
from .kpis import SlaSource, sla_met
from .periods import Period, period_grid
from .timeline import CaseTimeline, ProcessStage

__all__ = [
    "Kpi",
    "KpiKind",
    "compare_kpi",
    "estimate_kpi",
    "kpi_by_period",
    "paid_within_kpi",
    "sla_kpi",
    "split_at",
    "split_by",
    "stage_hours_kpi",
    "standard_kpis",
]

Value = bool | float | None


class KpiKind(enum.StrEnum):
    """How a KPI summarises its per-claim values, and so which interval and test it uses."""

    SHARE = "share"
    """Yes/no per claim; the KPI is the share of yes (Wilson; Newcombe)."""
    MEAN = "mean"
    """A number per claim; the KPI is the mean (normal; Welch)."""
    QUANTILE = "quantile"
    """A number per claim; the KPI is its ``p`` quantile (order statistics; bootstrap)."""


@attrs.frozen
class Kpi:
    """A named KPI: ``value_of`` gives a claim's value, ``None`` when the claim does not count."""

    name: str
    kind: KpiKind
    value_of: Callable[[CaseTimeline], Value]
    p: float = 0.5

    def values(self, cases: Iterable[CaseTimeline]) -> list[float]:
        """The values of the claims that count (booleans as 0.0/1.0)."""
        result = []
        for case in cases:
            value = self.value_of(case)
            if value is not None:
                result.append(float(value))
        return result


def stage_hours_kpi(stage: ProcessStage, p: float = 0.5) -> Kpi:
    """The ``p`` quantile of the hours spent in ``stage``."""
    return Kpi(
        f"{stage.value}_hours_p{round(p * 100)}",
        KpiKind.QUANTILE,
        lambda c: c.stage_hours(stage),
        p,
    )


def paid_within_kpi(limit: timedelta = timedelta(hours=24)) -> Kpi:
    """The share of paid claims paid within ``limit`` of approval."""
    hours = limit.total_seconds() / 3600

    def value(case: CaseTimeline) -> Value:
        taken = case.approval_to_paid_hours
        return None if taken is None else taken <= hours

    return Kpi(f"paid_within_{hours:g}h", KpiKind.SHARE, value)


def sla_kpi(stage: ProcessStage, sla: SlaSource) -> Kpi:
    """The share of claims that met the SLA of ``stage`` (see :func:`~.kpis.sla_met`)."""
    return Kpi(f"sla_{stage.value}", KpiKind.SHARE, lambda c: sla_met(c, stage, sla))


def standard_kpis() -> dict[str, Kpi]:
    """The library's KPIs by name: end-to-end and stage quantiles, 24 h payment, FTR, returns."""
    kpis = [
        Kpi("end_to_end_hours_p50", KpiKind.QUANTILE, lambda c: c.end_to_end_hours, 0.5),
        Kpi("end_to_end_hours_p90", KpiKind.QUANTILE, lambda c: c.end_to_end_hours, 0.9),
        paid_within_kpi(),
        Kpi("first_time_right", KpiKind.SHARE, lambda c: c.first_time_right),
        Kpi(
            "returns_per_claim",
            KpiKind.MEAN,
            lambda c: None if c.submitted_at is None else float(c.returns),
        ),
        *(stage_hours_kpi(stage) for stage in ProcessStage),
    ]
    return {k.name: k for k in kpis}


def _quantile_estimate(values: list[float], p: float, confidence: float) -> stats.Estimate:
    values.sort()
    n = len(values)
    if n == 0:
        return stats.Estimate(math.nan, math.nan, math.nan, 0, "order-statistics")
    half = stats.z_value(confidence) * math.sqrt(n * p * (1 - p))
    low = max(0, math.floor(n * p - half) - 1)
    high = min(n - 1, math.ceil(n * p + half) - 1)
    return stats.Estimate(
        stats.quantile(values, p), values[low], values[high], n, "order-statistics"
    )


def estimate_kpi(
    kpi: Kpi, cases: Iterable[CaseTimeline], confidence: float = 0.95
) -> stats.Estimate:
    """The KPI's value over ``cases`` with its interval.

    Shares use Wilson, means the normal interval, quantiles the
    distribution-free order-statistics interval (ranks n·p ± z·√(n·p·(1−p))).
    """
    values = kpi.values(cases)
    if kpi.kind is KpiKind.SHARE:
        return stats.wilson(round(math.fsum(values)), len(values), confidence)
    if kpi.kind is KpiKind.MEAN:
        total = math.fsum(values)
        squares = math.fsum(v * v for v in values)
        return stats.mean_interval(len(values), total, squares, confidence)
    return _quantile_estimate(values, kpi.p, confidence)


def compare_kpi(
    kpi: Kpi,
    before: Iterable[CaseTimeline],
    after: Iterable[CaseTimeline],
    confidence: float = 0.95,
    *,
    seed: int = 0,
) -> stats.Difference:
    """``KPI(after) − KPI(before)`` with its interval and significance.

    Shares: Newcombe; means: Welch (normal); quantiles: seeded bootstrap.
    Raises :class:`~reimbursement.errors.ValidationError` when a side has too few claims.
    """
    a, b = kpi.values(before), kpi.values(after)
    if kpi.kind is KpiKind.SHARE:
        return stats.compare_proportions(
            (round(math.fsum(a)), len(a)), (round(math.fsum(b)), len(b)), confidence
        )
    if kpi.kind is KpiKind.MEAN:
        return stats.compare_means(a, b, confidence)
    return stats.compare_quantiles(a, b, kpi.p, confidence, seed=seed)


def split_at(
    cases: Iterable[CaseTimeline], cut: datetime
) -> tuple[list[CaseTimeline], list[CaseTimeline]]:
    """Claims first submitted before ``cut``, and at or after it (unsubmitted ones left out)."""
    if cut.tzinfo is None or cut.utcoffset() is None:
        raise ValidationError.at("cut", "give an aware datetime")
    before: list[CaseTimeline] = []
    after: list[CaseTimeline] = []
    for case in cases:
        if case.submitted_at is not None:
            (before if case.submitted_at < cut else after).append(case)
    return before, after


def split_by(
    cases: Iterable[CaseTimeline], key: Callable[[CaseTimeline], Hashable]
) -> dict[Hashable, list[CaseTimeline]]:
    """Claims grouped by ``key`` (a process variant, a region, a team…)."""
    groups: dict[Hashable, list[CaseTimeline]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case)
    return dict(groups)


def kpi_by_period(
    kpi: Kpi,
    cases: Sequence[CaseTimeline],
    *,
    period: Period | str = Period.MONTH,
    tz: tzinfo = UTC,
    confidence: float = 0.95,
) -> list[tuple[str, stats.Estimate]]:
    """The KPI for the claims first submitted in each period, as ``(label, estimate)``."""
    submitted = [c for c in cases if c.submitted_at is not None]
    if not submitted:
        return []
    instants = [c.submitted_at for c in submitted if c.submitted_at is not None]
    grid = period_grid(period, tz, min(instants), max(instants))
    buckets: list[list[CaseTimeline]] = [[] for _ in range(len(grid))]
    for case, at in zip(submitted, instants, strict=True):
        buckets[grid.index(int(at.timestamp()))].append(case)
    return [
        (label, estimate_kpi(kpi, bucket, confidence))
        for label, bucket in zip(grid.labels, buckets, strict=True)
    ]
