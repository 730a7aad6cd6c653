"""Estimates with confidence intervals, and two-sample comparisons, in pure Python.

Every method is named in the result's ``method`` and defined in
``docs/analytics.md``:

- proportions: Wilson score interval;
- means: normal approximation, mean ± z·s/√n with the sample standard deviation;
- NPS: adjusted Wald interval (add ¾ of a respondent to promoters and to
  detractors, 1½ to passives, then the Wald interval of the difference of
  two multinomial proportions), reported on the −100…100 scale;
- quantiles: linear interpolation between order statistics (Hyndman–Fan
  type 7, numpy's default);
- differences: Newcombe's hybrid score interval for two proportions,
  Welch's normal interval for two means, the sum of the variances for two
  NPS, a seeded percentile bootstrap for two quantiles.

A difference is *significant* when its interval does not contain zero.
Durations and rates are floats here: this is statistics, not money.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from statistics import NormalDist

import attrs

from ..errors import ValidationError

__all__ = [
    "Difference",
    "Estimate",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "compare_quantiles",
    "mean_interval",
    "nps_interval",
    "quantile",
    "welch",
    "wilson",
    "z_value",
]

NAN = math.nan


@attrs.frozen
class Estimate:
    """A value with its confidence interval ``[low, high]`` from ``n`` observations.

    ``value``, ``low`` and ``high`` are NaN when there is nothing to
    estimate from (``n == 0``, or ``n < 2`` for an interval of a mean).
    """

    value: float
    low: float
    high: float
    n: int
    method: str

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low


@attrs.frozen
class Difference:
    """``after - before`` for one statistic, with its interval and significance."""

    before: float
    after: float
    difference: float
    low: float
    high: float
    confidence: float
    method: str

    @property
    def significant(self) -> bool:
        """True when the interval excludes zero (both bounds on the same side)."""
        return self.low > 0 or self.high < 0


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.959964 for 0.95).

    Raises :class:`~reimbursement.errors.ValidationError` unless 0 < confidence < 1.
    """
    if not 0 < confidence < 1:
        raise ValidationError.at("confidence", f"must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if value < 0:
            raise ValidationError.at(name, f"a count cannot be negative, got {value}")


def wilson(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """The share ``successes / n`` with its Wilson score interval.

    Raises :class:`~reimbursement.errors.ValidationError` for negative counts or
    ``successes > n``.
    """
    _check_counts(successes=successes, n=n)
    if successes > n:
        raise ValidationError.at("successes", f"{successes} successes out of {n} trials")
    z = z_value(confidence)
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0, "wilson")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n, "wilson")


def mean_interval(n: int, total: float, sum_squares: float, confidence: float = 0.95) -> Estimate:
    """The mean of ``n`` values from their sum and sum of squares, with a normal interval.

    The interval is mean ± z·s/√n with s the sample standard deviation
    (``n - 1`` in the denominator); NaN bounds below two values.
    """
    _check_counts(n=n)
    z = z_value(confidence)
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0, "normal")
    mean = total / n
    if n < 2:
        return Estimate(mean, NAN, NAN, n, "normal")
    variance = max(0.0, (sum_squares - n * mean * mean) / (n - 1))
    half = z * math.sqrt(variance / n)
    return Estimate(mean, mean - half, mean + half, n, "normal")


def _nps_variance(promoters: int, passives: int, detractors: int) -> tuple[float, float, int]:
    """Adjusted (centre, variance) on the −1…1 scale, and n."""
    n = promoters + passives + detractors
    adjusted = n + 3
    p = (promoters + 0.75) / adjusted
    d = (detractors + 0.75) / adjusted
    return p - d, (p + d - (p - d) ** 2) / adjusted, n


def nps_interval(
    promoters: int, passives: int, detractors: int, confidence: float = 0.95
) -> Estimate:
    """The Net Promoter Score (% promoters − % detractors, −100…100) with its interval.

    The interval is the adjusted Wald interval (see the module docstring),
    clipped to −100…100; the point value is the plain NPS.
    """
    _check_counts(promoters=promoters, passives=passives, detractors=detractors)
    z = z_value(confidence)
    n = promoters + passives + detractors
    if n == 0:
        return Estimate(NAN, NAN, NAN, 0, "adjusted-wald")
    centre, variance, _ = _nps_variance(promoters, passives, detractors)
    half = z * math.sqrt(variance)
    value = 100 * (promoters - detractors) / n
    low = max(-100.0, 100 * (centre - half))
    high = min(100.0, 100 * (centre + half))
    return Estimate(value, low, high, n, "adjusted-wald")


def quantile(sorted_values: Sequence[float], p: float) -> float:
    """The ``p`` quantile of already sorted values, type 7 (numpy's default); NaN if empty."""
    if not 0 <= p <= 1:
        raise ValidationError.at("p", f"must be between 0 and 1, got {p}")
    n = len(sorted_values)
    if n == 0:
        return NAN
    h = (n - 1) * p
    lower = math.floor(h)
    upper = min(lower + 1, n - 1)
    return sorted_values[lower] + (h - lower) * (sorted_values[upper] - sorted_values[lower])


def compare_proportions(
    before: tuple[int, int], after: tuple[int, int], confidence: float = 0.95
) -> Difference:
    """``after − before`` for two shares given as ``(successes, n)``: Newcombe's hybrid score.

    Raises :class:`~reimbursement.errors.ValidationError` when either sample is empty.
    """
    a, b = wilson(*before, confidence), wilson(*after, confidence)
    if a.n == 0 or b.n == 0:
        raise ValidationError.at("n", "both samples need at least one observation")
    d = b.value - a.value
    low = d - math.sqrt((b.value - b.low) ** 2 + (a.high - a.value) ** 2)
    high = d + math.sqrt((b.high - b.value) ** 2 + (a.value - a.low) ** 2)
    return Difference(a.value, b.value, d, low, high, confidence, "newcombe")


def _moments(values: Sequence[float]) -> tuple[int, float, float]:
    n = len(values)
    if n < 2:
        raise ValidationError.at("values", "each sample needs at least two values")
    mean = math.fsum(values) / n
    return n, mean, math.fsum((v - mean) ** 2 for v in values) / (n - 1)


def compare_means(
    before: Sequence[float], after: Sequence[float], confidence: float = 0.95
) -> Difference:
    """``mean(after) − mean(before)`` with Welch's normal interval (unequal variances).

    Raises :class:`~reimbursement.errors.ValidationError` when a sample has fewer than two values.
    """
    return welch(_moments(before), _moments(after), confidence)


def welch(
    before: tuple[int, float, float], after: tuple[int, float, float], confidence: float = 0.95
) -> Difference:
    """:func:`compare_means` from summaries ``(n, mean, sample variance)`` of each sample."""
    (n1, m1, v1), (n2, m2, v2) = before, after
    if n1 < 2 or n2 < 2:
        raise ValidationError.at("n", "each sample needs at least two values")
    half = z_value(confidence) * math.sqrt(v1 / n1 + v2 / n2)
    d = m2 - m1
    return Difference(m1, m2, d, d - half, d + half, confidence, "welch-normal")


def compare_nps(
    before: tuple[int, int, int], after: tuple[int, int, int], confidence: float = 0.95
) -> Difference:
    """``NPS(after) − NPS(before)`` from ``(promoters, passives, detractors)`` counts.

    The interval adds the two adjusted Wald variances (independent samples).
    """
    if sum(before) == 0 or sum(after) == 0:
        raise ValidationError.at("n", "both samples need at least one respondent")
    c1, var1, _ = _nps_variance(*before)
    c2, var2, _ = _nps_variance(*after)
    a = nps_interval(*before, confidence).value
    b = nps_interval(*after, confidence).value
    half = z_value(confidence) * math.sqrt(var1 + var2)
    centre = 100 * (c2 - c1)
    return Difference(
        a, b, b - a, centre - 100 * half, centre + 100 * half, confidence, "adjusted-wald"
    )


def compare_quantiles(
    before: Sequence[float],
    after: Sequence[float],
    p: float = 0.5,
    confidence: float = 0.95,
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> Difference:
    """``q_p(after) − q_p(before)`` with a seeded percentile-bootstrap interval.

    Each of ``resamples`` rounds draws both samples with replacement and
    takes the difference of their type-7 quantiles; the interval is the
    (1−c)/2 and (1+c)/2 quantiles of those differences. Same ``seed``,
    same answer.
    """
    if not before or not after:
        raise ValidationError.at("values", "both samples need at least one value")
    if resamples < 100:
        raise ValidationError.at("resamples", "use at least 100 bootstrap rounds")
    z_value(confidence)
    rng = random.Random(seed)
    a, b = sorted(before), sorted(after)
    diffs = []
    for _ in range(resamples):
        ra = sorted(rng.choices(a, k=len(a)))
        rb = sorted(rng.choices(b, k=len(b)))
        diffs.append(quantile(rb, p) - quantile(ra, p))
    diffs.sort()
    qa, qb = quantile(a, p), quantile(b, p)
    low = quantile(diffs, (1 - confidence) / 2)
    high = quantile(diffs, (1 + confidence) / 2)
    return Difference(qa, qb, qb - qa, low, high, confidence, "bootstrap-percentile")
