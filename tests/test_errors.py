"""An error stays small and writable whatever input it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Money
from reimbursement.errors import (
    MAX_PROBLEM_PATH,
    MAX_PROBLEM_TEXT,
    MAX_PROBLEMS,
    FieldProblem,
    ValidationError,
)


def test_a_validation_error_keeps_the_first_problems_and_counts_the_others() -> None:
    error = ValidationError("bad", (FieldProblem(f"f{i}", "wrong") for i in range(100_000)))
    assert [p.path for p in error.problems] == [f"f{i}" for i in range(MAX_PROBLEMS)]
    assert error.omitted == 100_000 - MAX_PROBLEMS
    assert str(error).endswith("f19: wrong; … and 99,980 more problems")


def test_up_to_the_limit_every_problem_is_listed() -> None:
    error = ValidationError("bad", [FieldProblem(f"f{i}", "x") for i in range(MAX_PROBLEMS)])
    assert (len(error.problems), error.omitted) == (MAX_PROBLEMS, 0)
    assert "more problem" not in str(error)
    one_more = ValidationError("bad", [FieldProblem(f"f{i}", "x") for i in range(21)])
    assert str(one_more).endswith("; … and 1 more problem")


def test_a_problem_cuts_a_long_path_and_message_keeping_both_ends() -> None:
    exact = FieldProblem("p" * MAX_PROBLEM_PATH, "m" * MAX_PROBLEM_TEXT)
    assert (len(exact.path), len(exact.message)) == (MAX_PROBLEM_PATH, MAX_PROBLEM_TEXT)
    long = FieldProblem("a" + "p" * 10_000 + "z", "start " + "m" * 300_000 + " end")
    assert len(long.path) == MAX_PROBLEM_PATH
    assert len(long.message) == MAX_PROBLEM_TEXT
    assert long.path.startswith("ap")
    assert long.path.endswith("pz")
    assert "…" in long.path
    assert long.message.startswith("start")
    assert long.message.endswith(" end")


def test_the_headline_of_an_error_is_bounded_too() -> None:
    assert len(str(ValidationError("claim " + "x" * 100_000 + " is bad"))) == MAX_PROBLEM_TEXT


@given(st.one_of(st.text(min_size=4), st.integers(), st.lists(st.text())))
def test_money_quotes_any_bad_currency_in_a_short_writable_message(currency: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money("1", currency)  # type: ignore[arg-type]
    assert len(str(caught.value)) < 200
    str(caught.value).encode("utf-8")


@pytest.mark.parametrize("currency", ["E" * 300_000, 10**5000], ids=["long", "huge-int"])
def test_money_quotes_a_huge_currency_and_an_integer_too_long_to_print(currency: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money("1", currency)  # type: ignore[arg-type]
    assert len(str(caught.value)) < 200


def test_a_problem_escapes_lone_surrogates_so_that_it_can_always_be_logged() -> None:
    problem = FieldProblem("claimant.\ud800name", "unknown field \udfff")
    assert problem.path == "claimant.\\ud800name"
    assert problem.message == "unknown field \\udfff"
    str(ValidationError("bad \ud800", [problem])).encode("utf-8")
    assert FieldProblem("Zoë", "é").path == "Zoë"  # any other character is kept
