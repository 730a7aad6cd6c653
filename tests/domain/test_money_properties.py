"""Money arithmetic, checked against plain ``Decimal`` arithmetic rounded half to even.

Every operation a claim total goes through (construction, +, -, unary -,
* by a factor, conversion at a rate, sums, comparisons, text) is compared
with the same computation done on ``Decimal`` by hand. Refusals are pinned
to the field path callers branch on (``problems[0].path``).
"""

from __future__ import annotations

import decimal
import operator
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Money
from reimbursement.errors import CurrencyMismatchError, ValidationError

PLACES = {"EUR": 2, "USD": 2, "JPY": 0, "KWD": 3, "CNY": 2}
currencies = st.sampled_from(sorted(PLACES))
# amounts finer than any minor unit, so that rounding is exercised
raw = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=5)
factors = st.one_of(
    st.decimals(min_value=-1000, max_value=1000, allow_nan=False, places=4),
    st.integers(min_value=-1000, max_value=1000),
)
rates = st.decimals(min_value="0.0001", max_value=1000, allow_nan=False, places=4)


def rounded(value: Decimal, currency: str) -> Decimal:
    result = value.quantize(Decimal(1).scaleb(-PLACES[currency]), rounding=ROUND_HALF_EVEN)
    return abs(result) if result == 0 else result


def text(value: Decimal, currency: str) -> str:
    return f"{rounded(value, currency)} {currency}"


def path_of(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [problem.path for problem in error.value.problems]


@given(raw, currencies)
def test_construction_rounds_half_to_even_to_the_minor_unit(value: Decimal, currency: str) -> None:
    money = Money(value, currency)
    assert money.amount == rounded(value, currency)
    assert money.currency == currency
    assert str(money) == text(value, currency)
    assert Money(str(value), currency) == money
    assert repr(money) == f"Money('{rounded(value, currency)}', '{currency}')"


@given(raw, raw, currencies)
def test_addition_and_subtraction_match_decimal(a: Decimal, b: Decimal, currency: str) -> None:
    x, y = Money(a, currency), Money(b, currency)
    total = x + y
    assert total.amount == rounded(x.amount + y.amount, currency)
    assert total.currency == currency
    assert str(total) == text(x.amount + y.amount, currency)
    difference = x - y
    assert difference.amount == rounded(x.amount - y.amount, currency)
    assert difference.currency == currency
    assert str(difference) == text(x.amount - y.amount, currency)


@given(raw, currencies)
def test_negation_matches_decimal_and_never_gives_negative_zero(a: Decimal, currency: str) -> None:
    x = Money(a, currency)
    negated = -x
    assert negated.amount == rounded(-x.amount, currency)
    assert negated.currency == currency
    assert str(negated) == text(-x.amount, currency)
    assert -negated == x


@given(raw, factors, currencies)
def test_multiplication_by_a_factor_matches_decimal(
    a: Decimal, factor: Decimal | int, currency: str
) -> None:
    x = Money(a, currency)
    expected = rounded(x.amount * factor, currency)
    assert (x * factor).amount == expected
    assert (factor * x).amount == expected
    assert (x * factor).currency == currency
    assert str(x * factor) == text(x.amount * factor, currency)


@pytest.mark.parametrize("factor", [1.5, True, "2", None])
def test_multiplication_refuses_anything_but_decimal_or_int(factor: object) -> None:
    with pytest.raises(TypeError, match="Decimal or an int"):
        Money("10.00", "EUR") * factor  # type: ignore[operator]
    with pytest.raises(TypeError, match="Decimal or an int"):
        factor * Money("10.00", "EUR")  # type: ignore[operator]


def test_multiplication_examples() -> None:
    assert Money("10.00", "EUR") * Decimal("0.5") == Money("5.00", "EUR")
    assert Money("10.00", "EUR") * 3 == Money("30.00", "EUR")
    assert Money("0.25", "EUR") * Decimal("0.5") == Money("0.12", "EUR")  # half to even
    assert str(Money("1.00", "EUR") * 0) == "0.00 EUR"


@given(raw, currencies, rates)
def test_conversion_multiplies_by_the_rate_and_rounds_to_the_target(
    a: Decimal, source: str, rate: Decimal
) -> None:
    x = Money(a, source)
    for target in PLACES:
        converted = x.convert(target, rate)
        assert converted.currency == target
        assert converted.amount == rounded(x.amount * rate, target)


def test_conversion_examples() -> None:
    assert Money("100.00", "USD").convert("JPY", Decimal("150.5")) == Money("15050", "JPY")
    assert Money("3", "KWD").convert("EUR", Decimal("2.5")) == Money("7.50", "EUR")
    assert Money("100.00", "USD").convert("EUR", Decimal("1")) == Money("100.00", "EUR")


@pytest.mark.parametrize(
    "rate",
    [Decimal(0), Decimal("-0.5"), Decimal("NaN"), Decimal("Infinity"), 0.92, 1, "0.92", None],
    ids=repr,
)
def test_conversion_refuses_a_rate_that_is_not_a_positive_finite_decimal(rate: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money("100.00", "USD").convert("EUR", rate)  # type: ignore[arg-type]
    assert path_of(caught) == ["rate"]


def test_conversion_to_an_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Money("100.00", "USD").convert("EURO", Decimal("0.9"))
    assert path_of(caught) == ["currency"]


@given(st.lists(raw, max_size=12), currencies)
def test_sum_matches_decimal_sum(values: list[Decimal], currency: str) -> None:
    items = [Money(v, currency) for v in values]
    total = Money.sum(items, currency)
    exact = sum((m.amount for m in items), Decimal(0))
    assert total.amount == rounded(exact, currency)
    assert total.currency == currency
    assert str(total) == text(exact, currency)


@pytest.mark.parametrize(("currency", "zero"), [("EUR", "0.00"), ("JPY", "0"), ("KWD", "0.000")])
def test_an_empty_or_cancelling_sum_is_zero_at_the_minor_unit(currency: str, zero: str) -> None:
    assert str(Money.sum([], currency)) == f"{zero} {currency}"
    assert str(Money.zero(currency)) == f"{zero} {currency}"
    one = Money(1, currency)
    assert str(Money.sum([one, -one], currency)) == f"{zero} {currency}"
    assert Money.sum([one, one], currency) == Money(2, currency)


def test_sum_in_an_unknown_currency_is_refused_even_when_empty() -> None:
    with pytest.raises(ValidationError) as caught:
        Money.sum([], "EURO")
    assert path_of(caught) == ["currency"]
    assert not isinstance(caught.value, CurrencyMismatchError)


def test_sum_refuses_an_item_in_another_currency() -> None:
    with pytest.raises(CurrencyMismatchError) as caught:
        Money.sum([Money("1", "EUR"), Money("1", "USD")], "EUR")
    assert path_of(caught) == ["currency"]
    with pytest.raises(CurrencyMismatchError):
        Money.sum([Money("1", "USD")], "EUR")


COMPARISONS: list[tuple[str, Callable[[object, object], bool]]] = [
    ("<", operator.lt),
    ("<=", operator.le),
    (">", operator.gt),
    (">=", operator.ge),
]


@given(raw, raw, currencies)
def test_comparisons_match_decimal(a: Decimal, b: Decimal, currency: str) -> None:
    x, y = Money(a, currency), Money(b, currency)
    for _, compare in COMPARISONS:
        assert compare(x, y) == compare(x.amount, y.amount)
        assert compare(x, x) == compare(x.amount, x.amount)
    assert bool(x) == (x.amount != 0)
    assert x.is_negative() == (x.amount < 0)


@pytest.mark.parametrize(("symbol", "compare"), COMPARISONS)
def test_comparisons_refuse_other_currencies_and_non_money(
    symbol: str, compare: Callable[[object, object], bool]
) -> None:
    with pytest.raises(CurrencyMismatchError) as caught:
        compare(Money("1", "EUR"), Money("1", "USD"))
    assert path_of(caught) == ["currency"]
    with pytest.raises(TypeError, match="compare Money and Decimal"):
        compare(Money("1", "EUR"), Decimal(1))


@pytest.mark.parametrize("op", [operator.add, operator.sub])
def test_addition_and_subtraction_refuse_other_currencies_and_non_money(
    op: Callable[[object, object], object],
) -> None:
    with pytest.raises(CurrencyMismatchError) as caught:
        op(Money("1", "EUR"), Money("1", "USD"))
    assert path_of(caught) == ["currency"]
    with pytest.raises(TypeError, match="Money and int"):
        op(Money("1", "EUR"), 1)


@pytest.mark.parametrize(
    "bad", [0.1, True, False, None, [1], "ten", "", "NaN", "-Infinity", "sNaN"], ids=repr
)
def test_amount_refusals_point_at_the_amount(bad: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Money(bad, "EUR")  # type: ignore[arg-type]
    assert path_of(caught) == ["amount"]
    assert type(caught.value) is ValidationError


def test_an_amount_too_large_to_round_points_at_the_amount() -> None:
    with pytest.raises(ValidationError) as caught:
        Money(Decimal("1e30"), "EUR")
    assert path_of(caught) == ["amount"]


def test_currency_refusals_point_at_the_currency() -> None:
    for bad in ["EURO", "eur", ""]:
        with pytest.raises(ValidationError) as caught:
            Money("1", bad)
        assert path_of(caught) == ["currency"]


def test_amounts_given_as_int_str_or_decimal_agree() -> None:
    assert Money(7, "EUR") == Money("7", "EUR") == Money(Decimal("7.000"), "EUR")
    assert Money(-3, "JPY").amount == Decimal(-3)
    assert str(Money(Decimal("-0.004"), "EUR")) == "0.00 EUR"


def test_rounding_is_half_to_even_whatever_the_callers_decimal_context() -> None:
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        assert Money("10.005", "EUR").amount == Decimal("10.00")
        assert Money("0.125", "EUR") * 1 == Money("0.12", "EUR")
        assert Money("2.5", "JPY").amount == Decimal(2)


@pytest.mark.parametrize("currency", sorted(PLACES))
def test_a_zero_total_is_written_at_the_minor_unit(currency: str) -> None:
    zero = rounded(Decimal(0), currency)
    for total in (
        Money.sum([], currency),
        Money.sum([Money(1, currency), Money(-1, currency)], currency),
    ):
        assert repr(total) == f"Money('{zero}', '{currency}')"
        assert str(total.amount) == str(zero)


def test_refusals_say_what_was_given_and_what_was_tried() -> None:
    with pytest.raises(ValidationError, match=r"0\.1 is a float"):
        Money(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"\[1\] is a list"):
        Money([1], "EUR")  # type: ignore[arg-type]
    with pytest.raises(CurrencyMismatchError, match="cannot add EUR and USD"):
        Money("1", "EUR") + Money("1", "USD")
    with pytest.raises(CurrencyMismatchError, match="cannot subtract EUR and USD"):
        Money("1", "EUR") - Money("1", "USD")
    with pytest.raises(TypeError, match="cannot subtract Money and int"):
        Money("1", "EUR") - 1  # type: ignore[operator]
    with pytest.raises(TypeError, match="cannot add Money and int"):
        Money("1", "EUR") + 1  # type: ignore[operator]
