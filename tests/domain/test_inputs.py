"""Public constructors refuse wrong Python types with a ValidationError naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import (
    Actor,
    ClaimPatch,
    CustomerProfile,
    LineDecision,
    LineInput,
    LinePatch,
    Money,
)
from reimbursement.domain.limits import ClaimLimits
from reimbursement.errors import ValidationError

EUR = Money("12.50", "EUR")
DAY = date(2026, 3, 1)


def refused_at(make: Callable[[], object]) -> str:
    """The one field path a refused construction names."""
    with pytest.raises(ValidationError) as caught:
        make()
    (problem,) = caught.value.problems
    return problem.path


def test_the_bugs_reported_are_validation_errors_naming_the_field() -> None:
    assert refused_at(lambda: LineInput("pharmacy", DAY, "Shop", 12.5)) == "amount"  # type: ignore[arg-type]
    assert refused_at(lambda: LineDecision("L1", 12.5)) == "approved"  # type: ignore[arg-type]
    assert refused_at(lambda: LineInput("pharmacy", "2026-03-01", "Shop", EUR)) == "incurred_on"  # type: ignore[arg-type]
    assert refused_at(lambda: LineInput(7, DAY, "Shop", EUR)) == "category"  # type: ignore[arg-type]
    assert refused_at(lambda: ClaimPatch(add_lines=None)) == "add_lines"  # type: ignore[arg-type]


def test_a_message_names_what_was_given_and_what_to_give() -> None:
    with pytest.raises(ValidationError, match=r"amount: must be Money, .* got float 12.5"):
        LineInput("pharmacy", DAY, "Shop", 12.5)  # type: ignore[arg-type]


def test_a_datetime_is_not_a_day_of_expense() -> None:
    # it would compare with no date later ("can't compare datetime.datetime to datetime.date")
    moment = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert refused_at(lambda: LineInput("pharmacy", moment, "Shop", EUR)) == "incurred_on"
    assert refused_at(lambda: LinePatch("L1", incurred_on=moment)) == "incurred_on"


def test_a_text_is_not_a_list_of_ids() -> None:
    # a str is a sequence of characters: "doc-1" would have become five ids
    path = refused_at(lambda: LineInput("pharmacy", DAY, "Shop", EUR, attachment_ids="doc-1"))  # type: ignore[arg-type]
    assert path == "attachment_ids"
    assert refused_at(lambda: ClaimPatch(remove_lines="L1")) == "remove_lines"  # type: ignore[arg-type]
    assert refused_at(lambda: ClaimPatch(remove_lines=("L1", 2))) == "remove_lines[1]"  # type: ignore[arg-type]


def test_lists_are_accepted_and_kept_as_tuples() -> None:
    line = LineInput("pharmacy", DAY, "Shop", EUR, attachment_ids=["doc-1"])  # type: ignore[arg-type]
    patch = ClaimPatch(add_lines=[line], remove_lines=["L2"])  # type: ignore[arg-type]
    assert line.attachment_ids == ("doc-1",)
    assert patch.add_lines == (line,)
    assert patch.remove_lines == ("L2",)
    assert hash(patch) == hash(ClaimPatch(add_lines=(line,), remove_lines=("L2",)))


def test_a_profile_names_its_bad_field_and_an_unknown_currency() -> None:
    assert refused_at(lambda: CustomerProfile("c", "n", "p", "EURO")) == "policy_currency"
    assert refused_at(lambda: CustomerProfile(1, "n", "p", "EUR")) == "customer_id"  # type: ignore[arg-type]
    assert refused_at(lambda: CustomerProfile("c", "n", "p", "EUR", language=None)) == "language"  # type: ignore[arg-type]


def test_money_refuses_a_currency_that_is_not_a_code() -> None:
    # an unhashable currency raised TypeError from the table look-up
    assert refused_at(lambda: Money("1", ["EUR"])) == "currency"  # type: ignore[arg-type]


def test_actors_refuse_an_id_longer_than_the_limit_and_a_name_that_is_no_text() -> None:
    assert Actor.customer("c" * ClaimLimits().max_id_length).id
    assert (
        refused_at(lambda: Actor.customer("c" * (ClaimLimits().max_id_length + 1))) == "actor.id"
    )
    assert refused_at(lambda: Actor.customer("c", name=3)) == "actor.name"  # type: ignore[arg-type]


def test_limits_must_be_whole_numbers_above_zero() -> None:
    assert refused_at(lambda: ClaimLimits(max_lines=0)) == "limits.max_lines"
    assert refused_at(lambda: ClaimLimits(max_messages=1.5)) == "limits.max_messages"  # type: ignore[arg-type]


# -- every field of every input record, given any wrong-typed value ---------------------------

hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=False),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.dates(),
    st.datetimes(),
    st.just(object()),
    st.tuples(st.integers()),
)

GOOD: dict[Any, tuple[Any, ...]] = {
    LineInput: ("pharmacy", DAY, "Shop", EUR, "", ()),
    LinePatch: ("L1", "pharmacy", DAY, "Shop", EUR, "", ()),
    ClaimPatch: ((), (), (), "DE89"),
    LineDecision: ("L1", EUR, "capped"),
    CustomerProfile: ("c", "Ana", "POL-1", "EUR", "a@b.c", "en", "DE89", "north"),
    Money: ("1.00", "EUR"),
    Actor: ("ana", "customer", "Ana"),
    ClaimLimits: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
}


@given(st.sampled_from(sorted(GOOD, key=lambda cls: cls.__name__)), st.data(), hostile)
def test_any_value_in_any_field_is_accepted_or_refused_with_a_validation_error(
    cls: Any, data: st.DataObject, value: object
) -> None:
    args = list(GOOD[cls])
    field = data.draw(st.integers(0, len(args) - 1))
    args[field] = value
    problems = ()
    try:
        cls(*args)
    except ValidationError as error:
        problems = error.problems
        assert problems, "a refusal names what is wrong"
    assert all(p.path for p in problems), problems


def test_a_refusal_stays_short_whatever_the_size_of_the_input() -> None:
    huge = "9" * 100_000 + "x"
    for make in (
        lambda: Money(huge, "EUR"),
        lambda: Money("1", huge),
        lambda: LineInput(huge.encode(), DAY, "Shop", EUR),  # type: ignore[arg-type]
        lambda: Actor("ana", huge),
    ):
        with pytest.raises(ValidationError) as caught:
            make()
        assert len(str(caught.value)) < 300
