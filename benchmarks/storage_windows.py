"""Does the desk's rate hold as claims pile up? Claims per second in each sixth of one run.

The lifecycle of ``benchmarks/storage.py`` (submit -> approve -> approve the
payment -> pay, drafts made first and untimed) for ``--claims`` claims on
one desk, on PostgreSQL (default) or a SQLite file, timed in ``--windows``
equal windows. A statement whose cost grows with what the tables hold (a
plan that scans, a sum over every open holding) shows as a falling rate:
the last window's rate over the first's is the figure (``last_vs_first``;
1.0 is a rate that holds). The desk's own CPU per claim in each window is
printed beside it, so that a fall in the server's time is told apart from
one in the client's. ``--queued`` leaves notifications in the outbox
(``dispatch_immediately=False``) instead of delivering them at once.

Usage: python benchmarks/storage_windows.py [--claims 20000] [--windows 6] [--sqlite]
       [--queued] [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import storage  # the lifecycle and its desk are storage.py's


def run(target: storage.Target, claims: int, windows: int, queued: bool) -> list[dict[str, float]]:
    """Claims per second and the desk's CPU milliseconds per claim, window by window."""
    settings = storage.QUEUED if queued else storage.SETTINGS
    library = storage.LibraryRun(target, 0, claims, settings)
    library.prepare()
    size = claims // windows
    figures: list[dict[str, float]] = []
    wall, cpu = time.perf_counter(), time.process_time()
    pairs = zip(library.claims, library.drafts, strict=True)
    for done, ((customer, _), claim_id) in enumerate(pairs, 1):
        library.lifecycle(customer, claim_id)
        if done % size == 0 and len(figures) < windows:
            now, used = time.perf_counter(), time.process_time()
            figures.append(
                {"claims_per_s": size / (now - wall), "cpu_ms": (used - cpu) / size * 1e3}
            )
            wall, cpu = now, used
    library.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--windows", type=int, default=6)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--queued", action="store_true", help="dispatch_immediately=False")
    parser.add_argument("--database", default=storage.PG_URL, help="the PostgreSQL database")
    args = parser.parse_args()
    if args.windows < 2 or args.claims < args.windows:
        parser.error("--windows must be at least 2, and --claims at least --windows")
    with tempfile.TemporaryDirectory(prefix="rb-windows-") as folder:
        databases = storage.Databases(Path(folder), args.database)
        try:
            target = storage.fresh(databases, not args.sqlite, "windows")
            figures = run(target, args.claims, args.windows, args.queued)
        finally:
            databases.drop()
    name = "sqlite" if args.sqlite else "pg"
    size = args.claims // args.windows
    print(f"{name}: {args.claims:,} claims, {args.windows} windows of {size:,}")
    for n, figure in enumerate(figures, 1):
        rate, cpu = figure["claims_per_s"], figure["cpu_ms"]
        print(f"  window {n}: {rate:.1f} claims/s, desk CPU {cpu:.2f} ms a claim")
    ratio = figures[-1]["claims_per_s"] / figures[0]["claims_per_s"]
    print(f"{name}: last window / first {ratio:.2f} (1.0: the rate holds)")
    rates = [round(f["claims_per_s"], 1) for f in figures]
    print(
        json.dumps(
            {"database": name, "windows_claims_per_s": rates, "last_vs_first": round(ratio, 3)}
        )
    )


if __name__ == "__main__":
    main()
