"""The storage benchmark runs at a tiny size and ends with its JSON line (no timings checked).

It is run here so that a change of the stored format that the benchmark's
own row copying (the lookups' bulk load) or its floor does not follow is
seen at once: the lookups once failed for a day unnoticed because no run
included them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import POSTGRES_ENV

SCRIPT = Path(__file__).parents[3] / "benchmarks" / "storage.py"
LOOKUPS = {
    "pk_lookup_ms",
    "by_number_ms",
    "queue_page_ms",
    "open_work_ms",
    "queue_vs_pk",
    "by_number_vs_pk",
}


def run(*arguments: str) -> tuple[dict[str, float], str]:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeat", "1", "--samples", "3", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stdout


def test_on_sqlite_it_times_the_lifecycle_and_the_lookups_over_stored_claims() -> None:
    figures, printed = run("--claims", "3", "--stored", "1200", "--skip-pg")
    assert {"sqlite_claims_per_s", "sqlite_floor_claims_per_s", "sqlite_peer_claims_per_s"} <= set(
        figures
    )
    assert set(figures) >= LOOKUPS
    assert all(v > 0 for v in figures.values())
    assert "USING INDEX rb_holdings_queue" in printed  # the plans are printed: no scan


@pytest.mark.postgres
def test_on_postgresql_it_times_the_workers_and_the_lookups_over_stored_claims() -> None:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (a postgresql+psycopg:// URL)")
    figures, printed = run(
        "--claims", "8", "--stored", "1200", "--skip-sqlite", "--pg", "--database", server
    )
    assert {"pg_claims_per_s_1", "pg_claims_per_s_4", "pg_floor_claims_per_s"} <= set(figures)
    assert {f"pg_{k}" for k in LOOKUPS} <= set(figures)
    assert all(v > 0 for v in figures.values())
    assert "Index Scan using rb_holdings_queue" in printed


WINDOWS = Path(__file__).parents[3] / "benchmarks" / "storage_windows.py"


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_windows_benchmark_times_each_window_and_ends_with_its_json_line(
    database: str,
) -> None:
    arguments = ["--claims", "6", "--windows", "3"]
    if database == "sqlite":
        arguments.append("--sqlite")
    else:
        server = os.environ.get(POSTGRES_ENV)
        if not server:
            pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (a postgresql+psycopg:// URL)")
        arguments += ["--database", server]
    result = subprocess.run(
        [sys.executable, str(WINDOWS), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(figures["windows_claims_per_s"]) == 3
    assert figures["last_vs_first"] > 0
    assert "window 3:" in result.stdout
