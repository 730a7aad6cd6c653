"""Test-wide set-up: Hypothesis profiles, and the tests CI requires to really run.

``dev`` (the default) keeps property runs quick on a laptop; ``ci`` runs
more examples, still bounded so the suite stays well under its time budget
on two cores. Choose with ``HYPOTHESIS_PROFILE=ci`` (``.ci/run`` does).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


# -- shared fixtures: a desk on the in-memory adapters --------------------------

from collections.abc import Callable, Iterator  # noqa: E402
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402

from reimbursement import ReimbursementDesk, in_memory_desk  # noqa: E402
from reimbursement.adapters.memory import ManualClock  # noqa: E402
from required_runs import Required  # noqa: E402
from support import PROFILES, START  # noqa: E402

# here, not in the conftests beside those tests: under pytest-xdist the controller loads only
# this one, and it alone sees every worker's reports
REQUIRED = (
    Required("REIMBURSEMENT_REQUIRE_POSTGRES", "postgres", "PostgreSQL"),
    Required("REIMBURSEMENT_REQUIRE_BROWSER", "browser", "browser"),
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    for required in REQUIRED:
        required.on_report(item, outcome.get_result())


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for required in REQUIRED:
        required.on_logreport(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for required in REQUIRED:
        required.on_sessionfinish(session)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def make_desk(clock: ManualClock) -> Callable[..., ReimbursementDesk]:
    def make(**kwargs: object) -> ReimbursementDesk:
        kwargs.setdefault("reviewers", ["rev-1"])
        kwargs.setdefault("customers", PROFILES)
        kwargs.setdefault("fx_rates", {("USD", "EUR", date(2026, 2, 27)): Decimal("0.9200")})
        return in_memory_desk(clock=clock, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    return make_desk()
