"""The full feedback report over 1,000,000 records and the KPIs over 200,000 claims.

Feedback: 1,000,000 synthetic records (seeded) are held as a
``FeedbackTable`` (compact ``array.array`` columns, built once and timed
apart). The *full report* is ``feedback_report`` overall and grouped by
each of month (Europe/Berlin), channel, region, category and team: counts,
CSAT per stage, CES and NPS with intervals, problem counts, the problem
trend and the worst stage's comments. It is timed with the numpy kernel
(the path installed with ``[analytics]``, which the target applies to) and
once with the pure-Python kernel for information. Beside it, the same
figures with a straightforward pandas group-by on a DataFrame of the same
data (dimensions as categoricals, problems as a long table, both built once
and timed apart), in the same process.

KPIs: the events of 200,000 synthetic claims (about 2.2 million events) are
summarised into timelines, then into the process KPIs, backlog and
throughput; ``kpi_s_200k_claims`` is the total.

Memory: tracemalloc's peak while the report runs on 250k, 500k and 1M
records (bytes per record should stay flat: linear growth).

Usage: python benchmarks/analytics.py [--records 1000000] [--claims 200000] [--repeat 3]
The last line printed is one JSON object.
"""

from __future__ import annotations

import os

# One core: keep numpy's helpers (if any) single-threaded.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from array import array  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from reimbursement import Claim, ClaimState, Role  # noqa: E402
from reimbursement.analytics import (  # noqa: E402
    FeedbackTable,
    ProcessStage,
    backlog,
    feedback_report,
    process_kpis,
    throughput,
    timelines,
)
from reimbursement.claims import Claimant, Event, EventType  # noqa: E402
from reimbursement.feedback import DEFAULT_PROBLEMS, FeedbackStage, ProblemCatalogue  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
START = datetime(2025, 1, 1, tzinfo=UTC)
GROUPINGS: tuple[tuple[str, ...], ...] = (
    (),
    ("period",),
    ("channel",),
    ("region",),
    ("category",),
    ("team",),
)
DIMENSIONS = {
    "channel": ("app", "web", "phone"),
    "region": ("north", "south", "east", "west"),
    "category": ("medical", "pharmacy", "dental", "optical", "physiotherapy"),
    "team": ("team-a", "team-b", "team-c"),
}
TEXTS = ("", "Too slow.", "Paid late.", "Asked twice for the same receipt.")


# -- feedback data ------------------------------------------------------------------------


def feedback_columns(n: int, seed: int = 1) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {
        "given_at": (START.timestamp() + rng.integers(0, 365 * 86400, n)).astype(np.int64)
    }
    for name, labels in DIMENSIONS.items():
        cols[name] = rng.integers(0, len(labels), n).astype(np.int32)
    for stage in FeedbackStage:
        scores = rng.choice(6, n, p=[0.15, 0.05, 0.07, 0.13, 0.3, 0.3]).astype(np.int8)
        cols[f"csat_{stage.value}"] = scores
    cols["ces"] = rng.integers(0, 8, n).astype(np.int8)
    cols["nps"] = rng.integers(0, 12, n).astype(np.int8)
    per_row = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    cols["problem_rows"] = np.repeat(np.arange(n, dtype=np.int32), per_row)
    cols["problem_codes"] = rng.integers(
        0, len(DEFAULT_PROBLEMS), len(cols["problem_rows"])
    ).astype(np.int32)
    cols["text"] = rng.choice(len(TEXTS), n, p=[0.85, 0.05, 0.05, 0.05])
    return cols


def _array(code: str, values: Any) -> array[int]:
    result = array(code)
    result.frombytes(values.tobytes())
    return result


def build_table(cols: dict[str, Any]) -> FeedbackTable:
    n = len(cols["given_at"])
    return FeedbackTable(
        [f"C{i}" for i in range(n)],
        _array("q", cols["given_at"]),
        {name: (_array("i", cols[name]), labels) for name, labels in DIMENSIONS.items()},
        {stage: _array("b", cols[f"csat_{stage.value}"]) for stage in FeedbackStage},
        _array("b", cols["ces"]),
        _array("b", cols["nps"]),
        _array("i", cols["problem_rows"]),
        _array("i", cols["problem_codes"]),
        tuple(DEFAULT_PROBLEMS),
        [TEXTS[i] for i in cols["text"].tolist()],
    )


def full_report(table: FeedbackTable, engine: str) -> list[Any]:
    catalogue = ProblemCatalogue.default()
    return [
        feedback_report(table, by, tz=TZ, catalogue=catalogue, engine_name=engine)  # type: ignore[arg-type]
        for by in GROUPINGS
    ]


# -- the pandas baseline ------------------------------------------------------------------


def build_frames(cols: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    data: dict[str, Any] = {
        "claim_id": [f"C{i}" for i in range(len(cols["given_at"]))],
        "given_at": pd.to_datetime(cols["given_at"], unit="s", utc=True),
    }
    for name, labels in DIMENSIONS.items():
        data[name] = pd.Categorical.from_codes(cols[name], labels)
    for stage in FeedbackStage:
        data[f"csat_{stage.value}"] = cols[f"csat_{stage.value}"]
    data["ces"], data["nps"] = cols["ces"], cols["nps"]
    data["text"] = pd.Categorical.from_codes(cols["text"], TEXTS)
    problems = pd.DataFrame(
        {
            "row": cols["problem_rows"],
            "problem": pd.Categorical.from_codes(cols["problem_codes"], tuple(DEFAULT_PROBLEMS)),
        }
    )
    return pd.DataFrame(data), problems


def _wilson(k: pd.Series, n: pd.Series, z: float = 1.959963984540054) -> tuple[Any, Any]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def pandas_report(df: pd.DataFrame, problems: pd.DataFrame) -> list[Any]:
    """The same figures as ``full_report``, the way an analyst would write them in pandas."""
    work = pd.DataFrame({"period": df["given_at"].dt.tz_convert(TZ).dt.strftime("%Y-%m")})
    for name in DIMENSIONS:
        work[name] = df[name]
    work["_all"] = 0
    for stage in FeedbackStage:
        c = df[f"csat_{stage.value}"]
        work[f"sat_{stage.value}"] = c >= 4
        work[f"rated_{stage.value}"] = c > 0
    work["ces"] = df["ces"].where(df["ces"] > 0)
    nps = df["nps"] - 1
    work["promoter"] = nps >= 9
    work["detractor"] = (nps >= 0) & (nps <= 6)
    work["answered"] = nps >= 0
    out = []
    for by in GROUPINGS:
        keys = list(by) if by else ["_all"]
        g = work.groupby(keys, observed=True)
        agg = g.agg(
            count=("_all", "size"),
            ces_mean=("ces", "mean"),
            ces_var=("ces", "var"),
            ces_n=("ces", "count"),
            promoters=("promoter", "sum"),
            detractors=("detractor", "sum"),
            answered=("answered", "sum"),
            **{f"sat_{s.value}": (f"sat_{s.value}", "sum") for s in FeedbackStage},
            **{f"rated_{s.value}": (f"rated_{s.value}", "sum") for s in FeedbackStage},
        )
        for s in FeedbackStage:
            agg[f"csat_{s.value}"] = agg[f"sat_{s.value}"] / agg[f"rated_{s.value}"]
            agg[f"csat_{s.value}_low"], agg[f"csat_{s.value}_high"] = _wilson(
                agg[f"sat_{s.value}"], agg[f"rated_{s.value}"]
            )
        agg["nps"] = 100 * (agg["promoters"] - agg["detractors"]) / agg["answered"]
        half = 1.959963984540054 * np.sqrt(agg["ces_var"] / agg["ces_n"])
        agg["ces_low"], agg["ces_high"] = agg["ces_mean"] - half, agg["ces_mean"] + half
        joined = work.loc[problems["row"], keys].reset_index(drop=True)
        joined["problem"] = problems["problem"].to_numpy()
        counts = joined.groupby([*keys, "problem"], observed=True).size()
        out.append((agg, counts))
    by_period = (
        work.loc[problems["row"], ["period"]]
        .assign(problem=problems["problem"].to_numpy())
        .groupby(["period", "problem"], observed=True)
        .size()
        .unstack(fill_value=0)
    )
    trend = by_period.iloc[-1] - by_period.iloc[-2]
    overall = out[0][0]
    worst = min(FeedbackStage, key=lambda s: overall[f"csat_{s.value}"].iloc[0]).value
    low = df[(df[f"csat_{worst}"] >= 1) & (df[f"csat_{worst}"] <= 2) & (df["text"] != "")]
    comments = low.sort_values("given_at", ascending=False).head(20)
    return [out, trend, comments]


# -- claims' events -----------------------------------------------------------------------


def synthetic_claims(n: int, seed: int = 2) -> list[Claim]:
    """Claims whose events follow the lifecycle, with random but plausible timings."""
    rng = np.random.default_rng(seed)
    claimant = Claimant("cust", "Customer", "POL", "DE00")
    starts = rng.integers(0, 365 * 86400, n).tolist()
    gaps = (rng.lognormal(9.5, 1.0, (n, 12))).tolist()
    returns = rng.choice(3, n, p=[0.8, 0.15, 0.05]).tolist()
    outcome = rng.random(n).tolist()
    S, E = ClaimState, EventType
    claims = []
    for i in range(n):
        cid = f"C{i:07d}"
        t = START + timedelta(seconds=starts[i])
        g = iter(gaps[i])
        path: list[tuple[EventType, ClaimState, ClaimState, str, Role]] = [
            (E.DRAFT_STARTED, S.DRAFT, S.DRAFT, "cust", Role.CUSTOMER),
            (E.SUBMITTED, S.DRAFT, S.SUBMITTED, "cust", Role.CUSTOMER),
            (E.ASSIGNED, S.SUBMITTED, S.IN_REVIEW, "system", Role.SYSTEM),
        ]
        for _ in range(returns[i]):
            path += [
                (E.RETURNED, S.IN_REVIEW, S.RETURNED, "rev", Role.REVIEWER),
                (E.RESUBMITTED, S.RETURNED, S.SUBMITTED, "cust", Role.CUSTOMER),
                (E.ASSIGNED, S.SUBMITTED, S.IN_REVIEW, "system", Role.SYSTEM),
            ]
        if outcome[i] < 0.08:
            path.append((E.REJECTED, S.IN_REVIEW, S.REJECTED, "rev", Role.REVIEWER))
        else:
            path += [
                (E.APPROVED, S.IN_REVIEW, S.APPROVED, "rev", Role.REVIEWER),
                (E.PAYMENT_REQUESTED, S.APPROVED, S.PAYMENT_REQUESTED, "system", Role.SYSTEM),
                (E.PAYMENT_APPROVED, S.PAYMENT_REQUESTED, S.PAYMENT_APPROVED, "fin", Role.FINANCE),
                (E.PAYMENT_SENT, S.PAYMENT_APPROVED, S.PAYMENT_APPROVED, "fin", Role.FINANCE),
            ]
            if outcome[i] > 0.03:
                path.append((E.PAID, S.PAYMENT_APPROVED, S.PAID, "system", Role.SYSTEM))
        events = []
        for seq, (kind, src, dst, actor, role) in enumerate(path, 1):
            events.append(Event(seq, kind, cid, actor, role, t, src, dst))
            t += timedelta(seconds=next(g, 600.0))
        claims.append(
            Claim(cid, claimant, "EUR", path[-1][2], events[0].at, f"N{i}", events=tuple(events))
        )
    return claims


def kpis(claims: list[Claim]) -> Any:
    cases = timelines(claims)
    targets = {ProcessStage.REVIEW: timedelta(hours=48), ProcessStage.PAYMENT: timedelta(hours=24)}
    return process_kpis(cases, sla=targets), backlog(cases, tz=TZ), throughput(cases, tz=TZ)


# -- measuring ----------------------------------------------------------------------------


def timed(fn: Any, *args: Any, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(fn: Any, *args: Any) -> int:
    gc.collect()
    tracemalloc.start()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    cols = feedback_columns(args.records)
    start = time.perf_counter()
    table = build_table(cols)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    df, problems = build_frames(cols)
    frame_s = time.perf_counter() - start
    full_report(build_table(feedback_columns(1000)), "numpy")  # warm imports and caches
    ours = timed(full_report, table, "numpy", repeat=args.repeat)
    theirs = timed(pandas_report, df, problems, repeat=args.repeat)
    pure = timed(full_report, table, "python")
    print(f"feedback records: {args.records:,} ({len(problems):,} problem ticks)")
    print(
        f"  table built in {build_s:.2f} s; DataFrames built in {frame_s:.2f} s (not timed below)"
    )
    print(f"  full report, numpy kernel : {ours:.3f} s (median of {args.repeat})")
    print(f"  full report, pandas       : {theirs:.3f} s (median of {args.repeat})")
    print(f"  full report, pure Python  : {pure:.3f} s (1 run, for information)")

    memory = []
    for size in (args.records // 4, args.records // 2, args.records):
        part = build_table(_cut(cols, size))
        memory.append((size, peak_bytes(full_report, part, "numpy")))
        del part
    for size, peak in memory:
        mib, per_record = peak / 2**20, peak / size
        print(f"  peak at {size:>9,} records: {mib:7.1f} MiB ({per_record:.1f} B/record)")
    del table, df, problems, cols
    gc.collect()

    claims = synthetic_claims(args.claims)
    events = sum(len(c.events) for c in claims)
    kpi_s = timed(kpis, claims, repeat=1)
    print(f"claims: {args.claims:,} ({events:,} events)")
    print(f"  timelines + KPIs + backlog + throughput: {kpi_s:.3f} s")
    print(
        json.dumps(
            {
                "feedback_report_s_1m": round(ours, 4),
                "pandas_report_s_1m": round(theirs, 4),
                "kpi_s_200k_claims": round(kpi_s, 4),
            }
        )
    )


def _cut(cols: dict[str, Any], size: int) -> dict[str, Any]:
    keep = cols["problem_rows"] < size
    cut = {k: v[:size] for k, v in cols.items() if k not in ("problem_rows", "problem_codes")}
    cut["problem_rows"] = cols["problem_rows"][keep]
    cut["problem_codes"] = cols["problem_codes"][keep]
    return cut


if __name__ == "__main__":
    main()
