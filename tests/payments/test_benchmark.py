"""The payments benchmark runs at a tiny size and ends with the issue's JSON line (no timings
checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "payments.py"


def test_the_payments_benchmark_ends_with_the_issues_json_line() -> None:
    tiny = ["--payments", "60", "--notifications", "40", "--apply", "3", "--ledger", "20"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *tiny, "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == {
        "render_s",
        "render_floor_s",
        "pain001_s",
        "pain001_floor_s",
        "camt_s",
        "camt_floor_s",
    }
    assert all(isinstance(v, float) and v >= 0 for v in figures.values())
    assert "SQLite bank ledger, 20 keys" in result.stdout
