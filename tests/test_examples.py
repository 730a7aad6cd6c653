"""Every example script runs clean, and so does the demo: they cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reimbursement.__main__ import main

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an example should show what it did"


def test_the_demo_plays_every_kind_of_claim(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--database", "memory"]) == 0
    out = capsys.readouterr().out
    assert "earlier runs" not in out
    assert "Returned to you for correction" in out
    assert "Corrected claim resubmitted" in out
    assert "Claim partly approved" in out
    assert (
        "Claim rejected - The expense is not covered by your policy. "
        "Wellness treatments are not covered" in out
    )
    assert "Payment failed - account closed" in out
    assert out.count("  Paid - ") == 3
    assert "3 payouts made" in out


def test_the_demo_keeps_its_claims_in_a_sqlite_file_across_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "earlier runs" not in first
    assert (tmp_path / "reimbursement-demo.db").exists()
    assert main(["demo"]) == 0
    second = capsys.readouterr().out
    assert "This database already holds 4 claims from earlier runs:" in second
    assert "CLM-2026-000001  Mei Chen  paid" in second
    assert "CLM-2026-000008" in second  # the second run numbers on after the first
    assert second.count("  Paid - ") == 3


def test_examples_exist() -> None:
    assert {p.name for p in EXAMPLES} >= {"quickstart.py"}


def test_the_version_is_the_installed_one(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    import reimbursement

    assert reimbursement.__version__ == version("reimbursement")
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"reimbursement {reimbursement.__version__}"
