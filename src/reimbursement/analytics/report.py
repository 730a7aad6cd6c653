"""The feedback report: satisfaction, effort, NPS and problems, per group, with intervals.

Definitions (also in ``docs/analytics.md``): CSAT of a stage is the share
of that stage's ratings that are 4 or 5; CES is the mean effort score; NPS
is % promoters (9–10) − % detractors (0–6) among those who answered. A
record that leaves a score out is not counted for that score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from math import prod
from typing import Any

import attrs

from ..domain.feedback import FeedbackStage
from ..domain.feedback_rules import ProblemCatalogue
from ..domain.frozen import frozen_map
from ..errors import ValidationError
from . import stats
from ._engine import EngineName, engine
from .feedback import FeedbackTable
from .periods import Period, period_grid

__all__ = [
    "Comment",
    "FeedbackGroup",
    "FeedbackReport",
    "ProblemTrend",
    "compare_groups",
    "feedback_report",
]

_CSAT_K, _CES_K, _NPS_K = 6, 8, 12  # value codes 0 (not given) .. top


@attrs.frozen
class FeedbackGroup:
    """The figures of one group of feedback records (``key`` names the group).

    ``csat[stage]`` is the share of ratings 4–5 (``.n`` ratings given),
    ``ces`` the mean effort score, ``nps`` the Net Promoter Score
    (−100…100); ``nps_counts`` is (promoters, passives, detractors);
    ``problems`` counts each ticked problem code, most frequent first.
    """

    key: tuple[str, ...]
    count: int
    csat: Mapping[FeedbackStage, stats.Estimate] = attrs.field(converter=frozen_map)
    satisfied: Mapping[FeedbackStage, int] = attrs.field(converter=frozen_map)
    ces: stats.Estimate
    ces_variance: float
    nps: stats.Estimate
    nps_counts: tuple[int, int, int]
    problems: Mapping[str, int] = attrs.field(converter=frozen_map)


@attrs.frozen
class ProblemTrend:
    """A problem code's count in the latest period against the period before."""

    code: str
    label: str
    current: int
    previous: int
    current_period: str
    previous_period: str

    @property
    def change(self) -> int:
        """``current - previous``."""
        return self.current - self.previous


@attrs.frozen
class Comment:
    """A free-text item from a low (1–2) rating of the worst-rated stage."""

    claim_id: str
    given_at: datetime
    rating: int
    text: str


@attrs.frozen
class FeedbackReport:
    """Everything :func:`feedback_report` computed; ``groups`` are ordered by key codes."""

    by: tuple[str, ...]
    period: Period
    confidence: float
    overall: FeedbackGroup
    groups: tuple[FeedbackGroup, ...]
    worst_stage: FeedbackStage | None
    comments: tuple[Comment, ...]
    trend: tuple[ProblemTrend, ...]
    engine: str


def _group(
    key: tuple[str, ...],
    count: int,
    csat: Mapping[FeedbackStage, Sequence[int]],
    ces: Sequence[int],
    nps: Sequence[int],
    problems: Mapping[str, int],
    confidence: float,
) -> FeedbackGroup:
    estimates, satisfied = {}, {}
    for stage in FeedbackStage:
        h = csat[stage]
        satisfied[stage] = h[4] + h[5]
        estimates[stage] = stats.wilson(satisfied[stage], sum(h[1:]), confidence)
    n_ces = sum(ces[1:])
    total = sum(v * ces[v] for v in range(1, _CES_K))
    squares = sum(v * v * ces[v] for v in range(1, _CES_K))
    ces_estimate = stats.mean_interval(n_ces, total, squares, confidence)
    variance = (squares - n_ces * ces_estimate.value**2) / (n_ces - 1) if n_ces > 1 else 0.0
    # nps codes are score + 1: detractors 0–6 are codes 1–7, passives 7–8 are 8–9.
    counts = (nps[10] + nps[11], nps[8] + nps[9], sum(nps[1:8]))
    ordered = dict(sorted(((c, k) for c, k in problems.items() if k), key=lambda i: -i[1]))
    return FeedbackGroup(
        key,
        count,
        estimates,
        satisfied,
        ces_estimate,
        variance,
        stats.nps_interval(*counts, confidence),
        counts,
        ordered,
    )


def _add(rows: Sequence[Sequence[int]]) -> list[int]:
    return [sum(column) for column in zip(*rows, strict=True)]


def _check_by(by: str | Sequence[str], table: FeedbackTable) -> tuple[str, ...]:
    names = (by,) if isinstance(by, str) else tuple(by)
    known = ("period", *table.dimensions)
    unknown = [n for n in names if n not in known]
    if unknown or len(set(names)) != len(names):
        raise ValidationError.at(
            "by", f"{', '.join(names)}: group by distinct names among {', '.join(known)}"
        )
    return names


def _group_codes(
    eng: Any, table: FeedbackTable, names: Sequence[str], period_codes: Any, periods: Any
) -> tuple[Any, list[Any]]:
    """Each row's group code over ``names``, and the labels of each name."""
    key_codes, key_labels = None, []
    for name in names:
        if name == "period":
            codes, labels = period_codes, periods
        else:
            column, labels = table.dimensions[name]
            codes = eng.column(column)
        key_codes = codes if key_codes is None else eng.combine(key_codes, codes, len(labels))
        key_labels.append(labels)
    return (eng.zeros(len(table)) if key_codes is None else key_codes), key_labels


def _key_of(group: int, key_labels: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The labels of group code ``group`` (the last name varies fastest)."""
    key, rest = [], group
    for labels in reversed(key_labels):
        rest, code = divmod(rest, len(labels))
        key.append(labels[code])
    return tuple(reversed(key))


def _comments(
    eng: Any, table: FeedbackTable, worst: FeedbackStage | None, comments: int
) -> tuple[Comment, ...]:
    """The newest free-text comments of those who rated the worst stage 1 or 2."""
    if worst is None or comments <= 0:
        return ()
    rows = [r for r in eng.rows_between(eng.column(table.csat[worst]), 1, 2) if table.texts[r]]
    rows.sort(key=lambda r: -table.given_at[r])
    return tuple(
        Comment(table.claim_ids[r], table.timestamp(r), table.csat[worst][r], table.texts[r])
        for r in rows[:comments]
    )


def _trend(
    eng: Any,
    table: FeedbackTable,
    period_codes: Any,
    periods: Sequence[str],
    catalogue: ProblemCatalogue | None,
) -> tuple[ProblemTrend, ...]:
    """Each problem in the latest period against the one before, most reported first."""
    codes = table.problem_labels
    by_period = eng.histogram(
        eng.take(period_codes, eng.column(table.problem_rows)),
        len(periods),
        eng.column(table.problem_codes),
        max(1, len(codes)),
    )
    label = catalogue.label if catalogue is not None else (lambda code: code)
    latest = len(periods) - 1
    previous = by_period[latest - 1] if latest > 0 else [0] * len(by_period[latest])
    trend = (
        ProblemTrend(
            code,
            label(code),
            by_period[latest][i],
            previous[i],
            periods[latest],
            periods[latest - 1] if latest > 0 else "",
        )
        for i, code in enumerate(codes)
    )
    return tuple(sorted(trend, key=lambda t: (-t.current, -t.change, t.code)))


@attrs.frozen
class _Tallies:
    """Per group code: its rows, the histogram of each score and of the problems ticked."""

    counts: list[int]
    csat: Mapping[FeedbackStage, list[list[int]]]
    ces: list[list[int]]
    nps: list[list[int]]
    problems: list[list[int]]
    problem_labels: Sequence[str]

    def group(self, g: int, key: tuple[str, ...], confidence: float) -> FeedbackGroup:
        """The figures of group code ``g``, named ``key``."""
        return _group(
            key,
            self.counts[g],
            {s: self.csat[s][g] for s in FeedbackStage},
            self.ces[g],
            self.nps[g],
            dict(zip(self.problem_labels, self.problems[g], strict=False)),
            confidence,
        )

    def overall(self, confidence: float) -> FeedbackGroup:
        """The figures of all groups together."""
        return _group(
            (),
            sum(self.counts),
            {s: _add(self.csat[s]) for s in FeedbackStage},
            _add(self.ces),
            _add(self.nps),
            dict(zip(self.problem_labels, _add(self.problems), strict=False)),
            confidence,
        )


def _tally(eng: Any, table: FeedbackTable, groups_of: Any, n_groups: int) -> _Tallies:
    """The tallies of every group code (``groups_of`` holds each row's)."""

    def histogram(values: Any, n_values: int) -> list[list[int]]:
        result: list[list[int]] = eng.histogram(groups_of, n_groups, eng.column(values), n_values)
        return result

    def problems() -> list[list[int]]:
        # the group of each problem tick, made last: it is as long as the ticks
        ticks = eng.take(groups_of, eng.column(table.problem_rows))
        n_codes = max(1, len(table.problem_labels))
        result: list[list[int]] = eng.histogram(
            ticks, n_groups, eng.column(table.problem_codes), n_codes
        )
        return result

    return _Tallies(
        eng.counts(groups_of, n_groups),
        {s: histogram(table.csat[s], _CSAT_K) for s in FeedbackStage},
        histogram(table.ces, _CES_K),
        histogram(table.nps, _NPS_K),
        problems(),
        table.problem_labels,
    )


def feedback_report(
    table: FeedbackTable,
    by: str | Sequence[str] = (),
    *,
    period: Period | str = Period.MONTH,
    tz: tzinfo = UTC,
    confidence: float = 0.95,
    comments: int = 20,
    catalogue: ProblemCatalogue | None = None,
    engine_name: EngineName = "auto",
) -> FeedbackReport:
    """The feedback report of ``table``, grouped by the names in ``by``.

    ``by`` names any of ``period`` (in ``tz``, of length ``period``) and the
    table's dimensions (``channel``, ``region``, ``category``, ``team``);
    ``()`` gives the overall figures only. The problem trend compares the
    latest ``period`` with the one before it; ``comments`` caps the
    free-text items. Raises :class:`~reimbursement.errors.ValidationError` for an
    unknown name, period or engine, or an empty table.
    """
    names = _check_by(by, table)
    if not len(table):
        raise ValidationError.at("table", "there is no feedback to report on")
    eng = engine(engine_name)
    given = eng.column(table.given_at)
    first, last = eng.extent(given)
    grid = period_grid(
        period, tz, datetime.fromtimestamp(first, UTC), datetime.fromtimestamp(last, UTC)
    )
    period_codes = eng.bucket(given, grid.bounds)
    groups_of, key_labels = _group_codes(eng, table, names, period_codes, grid.labels)
    tallies = _tally(eng, table, groups_of, prod(len(labels) for labels in key_labels))
    groups = tuple(
        tallies.group(g, _key_of(g, key_labels), confidence)
        for g, count in enumerate(tallies.counts)
        if count
    )
    overall = tallies.overall(confidence)
    rated = [s for s in FeedbackStage if overall.csat[s].n]
    worst = min(rated, key=lambda s: overall.csat[s].value) if rated else None
    return FeedbackReport(
        names,
        grid.period,
        confidence,
        overall,
        groups,
        worst,
        _comments(eng, table, worst, comments),
        _trend(eng, table, period_codes, grid.labels, catalogue),
        eng.name,
    )


def compare_groups(
    before: FeedbackGroup, after: FeedbackGroup, confidence: float = 0.95
) -> dict[str, stats.Difference]:
    """``after − before`` for each CSAT, CES and NPS both groups have enough data for.

    Keys: ``csat[<stage>]``, ``ces``, ``nps``. A figure missing from either
    group (no ratings, or fewer than two effort scores) is left out.
    """
    result = {}
    for stage in FeedbackStage:
        a, b = before.csat[stage], after.csat[stage]
        if a.n and b.n:
            result[f"csat[{stage.value}]"] = stats.compare_proportions(
                (before.satisfied[stage], a.n), (after.satisfied[stage], b.n), confidence
            )
    if before.ces.n > 1 and after.ces.n > 1:
        result["ces"] = stats.welch(
            (before.ces.n, before.ces.value, before.ces_variance),
            (after.ces.n, after.ces.value, after.ces_variance),
            confidence,
        )
    if before.nps.n and after.nps.n:
        result["nps"] = stats.compare_nps(before.nps_counts, after.nps_counts, confidence)
    return result
