"""KPIs as objects: estimated, followed per period, compared before/after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reimbursement.analytics import (
    Kpi,
    KpiKind,
    ProcessStage,
    compare_kpi,
    estimate_kpi,
    kpi_by_period,
    paid_within_kpi,
    sla_kpi,
    split_at,
    split_by,
    standard_kpis,
    stats,
    timelines,
)
from reimbursement.errors import ValidationError
from reimbursement.testing import (
    after,
    approved,
    assigned,
    draft,
    paid,
    resubmitted,
    returned,
    submitted,
)


def fast(claim_id, start):
    """Approved 2 h and paid 10 h after submission: right first time."""
    claim = submitted(draft(claim_id, at=after(hours=start)), at=after(hours=start))
    claim = approved(assigned(claim, at=after(hours=start + 1)), at=after(hours=start + 2))
    return paid(claim, at=after(hours=start + 12))


def slow(claim_id, start):
    """Returned once; paid 40 h after approval."""
    claim = submitted(draft(claim_id, at=after(hours=start)), at=after(hours=start))
    claim = returned(assigned(claim, at=after(hours=start + 1)), at=after(hours=start + 5))
    claim = assigned(resubmitted(claim, at=after(hours=start + 20)), at=after(hours=start + 21))
    return paid(approved(claim, at=after(hours=start + 30)), at=after(hours=start + 70))


BEFORE = timelines([slow(f"S{i}", i) for i in range(30)] + [fast(f"F{i}", i) for i in range(10)])
AFTER = timelines(
    [slow(f"s{i}", 800 + i) for i in range(5)] + [fast(f"f{i}", 800 + i) for i in range(35)]
)


def test_shares_use_wilson_and_newcombe():
    kpi = paid_within_kpi()
    assert estimate_kpi(kpi, BEFORE) == stats.wilson(10, 40)
    d = compare_kpi(kpi, BEFORE, AFTER)
    assert d == stats.compare_proportions((10, 40), (35, 40))
    assert d.significant
    assert d.difference == pytest.approx(0.625)


def test_means_use_welch():
    kpi = standard_kpis()["returns_per_claim"]
    assert kpi.kind is KpiKind.MEAN
    d = compare_kpi(kpi, BEFORE, AFTER)
    assert (d.before, d.after) == (0.75, 0.125)
    assert d.method == "welch-normal"
    assert d.significant


def test_quantiles_use_the_bootstrap_and_order_statistics():
    kpi = standard_kpis()["end_to_end_hours_p50"]
    e = estimate_kpi(kpi, BEFORE)
    assert e.value == 70
    assert e.low <= e.value <= e.high
    assert e.method == "order-statistics"
    d = compare_kpi(kpi, BEFORE, AFTER, seed=1)
    assert d.difference == 12 - 70
    assert d.significant
    assert d == compare_kpi(kpi, BEFORE, AFTER, seed=1)


def test_sla_kpi_and_custom_kpis():
    kpi = sla_kpi(ProcessStage.REVIEW, {ProcessStage.REVIEW: timedelta(hours=5)})
    # fast: 1 h review; slow: 4 + 9 = 13 h
    assert estimate_kpi(kpi, BEFORE).value == 0.25
    paid_late = Kpi(
        "late", KpiKind.SHARE, lambda c: None if c.paid_at is None else c.paid_at.hour > 12
    )
    assert estimate_kpi(paid_late, BEFORE).n == 40


def test_split_at_and_split_by():
    earlier, later = split_at(BEFORE + AFTER, after(hours=400))
    assert (len(earlier), len(later)) == (40, 40)
    groups = split_by(BEFORE, lambda c: c.returns)
    assert {k: len(v) for k, v in groups.items()} == {1: 30, 0: 10}
    with pytest.raises(ValidationError):
        split_at(BEFORE, datetime(2026, 1, 1))


def test_kpi_by_period():
    series = kpi_by_period(paid_within_kpi(), BEFORE + AFTER, period="week", tz=UTC)
    labels = [label for label, _ in series]
    assert labels[0] == "2026-W10"
    assert series[0][1] == stats.wilson(10, 40)
    assert sum(e.n for _, e in series) == 80
    assert kpi_by_period(paid_within_kpi(), []) == []


def test_compare_needs_data_on_both_sides():
    with pytest.raises(ValidationError):
        compare_kpi(paid_within_kpi(), BEFORE, [])
