"""CI's requirement that PostgreSQL and browser tests really run (``required_runs.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

_CONFTEST = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
import pytest
from required_runs import Required

REQUIRED = Required("RB_TEST_REQUIRE", "needed", "needed")

def pytest_configure(config):
    config.addinivalue_line("markers", "needed: must run where RB_TEST_REQUIRE is set")

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    REQUIRED.on_report(item, outcome.get_result())

def pytest_runtest_logreport(report):
    REQUIRED.on_logreport(report)

def pytest_sessionfinish(session):
    REQUIRED.on_sessionfinish(session)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(_CONFTEST)
    return pytester


def test_a_skipped_required_test_fails_when_the_requirement_is_set(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.needed
        def test_skips():
            pytest.skip("no server")
        @pytest.mark.needed
        def test_runs():
            pass
        """
    )
    monkeypatch.setenv("RB_TEST_REQUIRE", "1")
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*was skipped, but RB_TEST_REQUIRE is set*no server*"])


def test_without_the_requirement_a_skip_stays_a_skip(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.needed
        def test_skips():
            pytest.skip("no server")
        """
    )
    project.runpytest().assert_outcomes(skipped=1)


def test_an_expected_failure_is_not_taken_for_a_skip(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.needed
        def test_runs():
            pass
        @pytest.mark.needed
        @pytest.mark.xfail(reason="known bug", strict=True)
        def test_known_bug():
            assert False
        """
    )
    monkeypatch.setenv("RB_TEST_REQUIRE", "1")
    project.runpytest().assert_outcomes(passed=1, xfailed=1)


def test_a_run_that_passed_no_required_test_fails(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(
        """
        import pytest
        @pytest.mark.needed
        def test_fails():
            assert False
        """
    )
    monkeypatch.setenv("RB_TEST_REQUIRE", "1")
    result = project.runpytest()
    result.stdout.fnmatch_lines(["*RB_TEST_REQUIRE is set but no needed test passed*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
