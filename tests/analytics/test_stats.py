"""Intervals and comparisons: hand-computed values and statsmodels as the reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from reimbursement.analytics import stats
from reimbursement.errors import ValidationError


@given(n=st.integers(1, 5000), data=st.data(), confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_matches_statsmodels(n, data, confidence):
    successes = data.draw(st.integers(0, n))
    ours = stats.wilson(successes, n, confidence)
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    assert ours.low == pytest.approx(low, abs=1e-12)
    assert ours.high == pytest.approx(high, abs=1e-12)
    assert ours.value == successes / n


def test_wilson_by_hand():
    # 8 of 10, z = 1.959964: centre (0.8 + 0.19207)/1.38415, half-width 0.24713.
    e = stats.wilson(8, 10)
    assert (round(e.low, 4), round(e.high, 4)) == (0.4902, 0.9433)
    assert math.isnan(stats.wilson(0, 0).value)
    with pytest.raises(ValidationError):
        stats.wilson(3, 2)
    with pytest.raises(ValidationError):
        stats.wilson(1, 2, confidence=1.0)


def test_nps_by_hand():
    # 5 promoters, 3 passives, 2 detractors: NPS = 100 * (5 - 2) / 10 = 30.
    e = stats.nps_interval(5, 3, 2)
    assert e.value == 30
    # adjusted: n' = 13, p' = 5.75/13, d' = 2.75/13
    p, d = 5.75 / 13, 2.75 / 13
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / 13)
    assert e.low == pytest.approx(100 * (p - d - half))
    assert e.high == pytest.approx(100 * (p - d + half))
    assert stats.nps_interval(10, 0, 0).high == 100


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_nps_interval_is_within_the_scale_and_holds_its_centre(p, m, d):
    e = stats.nps_interval(p, m, d)
    if p + m + d == 0:
        assert e.n == 0
        return
    assert -100 <= e.low <= e.high <= 100
    assert e.low <= 100 * ((p + 0.75) - (d + 0.75)) / (p + m + d + 3) <= e.high


def test_mean_interval_by_hand():
    values = [1, 2, 3, 4, 5]
    e = stats.mean_interval(5, sum(values), sum(v * v for v in values))
    # s = sqrt(2.5), half = 1.959964 * sqrt(2.5 / 5)
    assert e.value == 3
    assert e.high - 3 == pytest.approx(1.959963984540054 * math.sqrt(0.5))
    assert math.isnan(stats.mean_interval(1, 4, 16).low)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60), st.floats(0, 1))
def test_quantile_is_numpys_linear_method(values, p):
    ours = stats.quantile(sorted(values), p)
    assert ours == pytest.approx(float(np.quantile(values, p)), rel=1e-9, abs=1e-6)


@given(
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_matches_statsmodels(before, after):
    d = stats.compare_proportions(before, after)
    # statsmodels compares the first sample minus the second: after − before.
    low, high = confint_proportions_2indep(*after, *before, method="newcomb", compare="diff")
    assert d.low == pytest.approx(low, abs=1e-9)
    assert d.high == pytest.approx(high, abs=1e-9)
    assert d.difference == pytest.approx(after[0] / after[1] - before[0] / before[1])


def test_welch_by_hand_and_significance():
    a, b = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    d = stats.compare_means(a, b)
    half = 1.959963984540054 * math.sqrt(1 / 3 + 1 / 3)
    assert (d.difference, d.low, d.high) == pytest.approx((3, 3 - half, 3 + half))
    assert d.significant
    assert not stats.compare_means(a, [1.5, 2.0, 2.5]).significant
    with pytest.raises(ValidationError):
        stats.compare_means([1.0], b)


def test_compare_nps_adds_the_variances():
    d = stats.compare_nps((50, 30, 20), (70, 20, 10))
    assert d.difference == pytest.approx(30)
    assert d.low < 30 < d.high
    assert d.significant is (d.low > 0)


def test_quantile_bootstrap_is_seeded_and_finds_a_real_shift():
    before = [float(x) for x in range(100)]
    after = [x + 50 for x in before]
    d1 = stats.compare_quantiles(before, after, 0.5, seed=3)
    d2 = stats.compare_quantiles(before, after, 0.5, seed=3)
    assert d1 == d2
    assert d1.difference == 50
    assert d1.low <= 50 <= d1.high
    assert d1.significant
    same = stats.compare_quantiles(before, before, 0.5, seed=3)
    assert not same.significant
