"""The render benchmark runs at a tiny size and ends with its JSON line (no timings checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "notifications.py"


def test_the_render_benchmark_ends_with_its_json_line() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--notifications", "40", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == {"render_s", "render_floor_s"}
    assert all(isinstance(v, float) and v >= 0 for v in figures.values())
