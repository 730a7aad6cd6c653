"""Tests that must really run where CI says so: a skip fails, and so does a run that passed none.

``.ci/run`` sets ``REIMBURSEMENT_REQUIRE_POSTGRES`` and
``REIMBURSEMENT_REQUIRE_BROWSER``; on a user's machine without the server or
the browser those tests skip, saying why. The count of passed tests is kept
from the reports, not from the items, so that it also holds under
``pytest-xdist``: the controller sees every worker's reports but collects no
items, and a worker sees only its own share.
"""

from __future__ import annotations

import os

import pytest


class Required:
    """The tests marked ``marker`` must run when the environment variable ``env`` is set."""

    def __init__(self, env: str, marker: str, what: str) -> None:
        self.env, self.marker, self.what = env, marker, what
        self.selected = False
        self.passed = 0

    def on_report(self, item: pytest.Item, report: pytest.TestReport) -> None:
        """From ``pytest_runtest_makereport``: a required test that skipped fails instead."""
        skipped = report.skipped and not hasattr(report, "wasxfail")  # an xfail reports "skipped"
        if item.get_closest_marker(self.marker) and skipped and os.environ.get(self.env):
            report.outcome = "failed"
            report.longrepr = (
                f"{item.nodeid} was skipped, but {self.env} is set: every {self.what} "
                f"test must run ({report.longrepr})"
            )

    def on_logreport(self, report: pytest.TestReport) -> None:
        """From ``pytest_runtest_logreport``: count what ran; xdist's controller sees all."""
        if self.marker in report.keywords:
            self.selected = True
            self.passed += report.when == "call" and report.passed

    def on_sessionfinish(self, session: pytest.Session) -> None:
        """A run that selected required tests but passed none fails."""
        in_worker = hasattr(session.config, "workerinput")
        if os.environ.get(self.env) and self.selected and not self.passed and not in_worker:
            print(f"\n{self.env} is set but no {self.what} test passed", flush=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
