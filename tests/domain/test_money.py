"""Money: Decimal amounts in one currency, rounded to its minor unit, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Money
from reimbursement.errors import CurrencyMismatchError, ValidationError

amounts = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=2)
currencies = st.sampled_from(["EUR", "USD", "JPY", "KWD", "CNY"])


def test_rounds_to_the_minor_unit_half_to_even() -> None:
    assert Money("10.005", "EUR").amount == Decimal("10.00")
    assert Money("10.015", "EUR").amount == Decimal("10.02")
    assert Money("1234.5", "JPY").amount == Decimal("1234")
    assert Money("1.2345", "KWD").amount == Decimal("1.234")
    assert str(Money(7, "EUR")) == "7.00 EUR"


@pytest.mark.parametrize("bad", [0.1, True, None, "ten", "NaN", "Infinity", [1]])
def test_refuses_floats_and_non_numbers(bad: object) -> None:
    with pytest.raises(ValidationError, match="amount"):
        Money(bad, "EUR")  # type: ignore[arg-type]


def test_refuses_unknown_currencies() -> None:
    with pytest.raises(ValidationError, match="'EURO' is not an ISO 4217"):
        Money("1", "EURO")


def test_never_mixes_currencies() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money("1", "EUR") + Money("1", "USD")
    with pytest.raises(CurrencyMismatchError):
        assert Money("1", "EUR") < Money("2", "USD")
    with pytest.raises(CurrencyMismatchError):
        Money.sum([Money("1", "EUR"), Money("1", "USD")], "EUR")


def test_no_negative_zero() -> None:
    assert str(Money("-0.001", "EUR")) == "0.00 EUR"
    assert Money("1", "EUR") - Money("1", "EUR") == Money.zero("EUR")


def test_conversion_at_a_rate() -> None:
    assert Money("100.00", "USD").convert("EUR", Decimal("0.9213")) == Money("92.13", "EUR")
    with pytest.raises(ValidationError, match="rate"):
        Money("1", "USD").convert("EUR", Decimal("-1"))


@given(st.lists(amounts, max_size=20), currencies)
def test_sum_is_exact_and_order_free(values: list[Decimal], currency: str) -> None:
    items = [Money(v, currency) for v in values]
    total = Money.sum(items, currency)
    assert total == Money.sum(reversed(items), currency)
    assert total.amount == Money(sum((m.amount for m in items), Decimal(0)), currency).amount


@given(amounts, amounts, currencies)
def test_addition_and_subtraction_are_inverse(a: Decimal, b: Decimal, currency: str) -> None:
    x, y = Money(a, currency), Money(b, currency)
    assert (x + y) - y == x
    assert (x < y) == (x.amount < y.amount)


@given(amounts, currencies)
def test_amount_is_always_at_the_minor_unit(value: Decimal, currency: str) -> None:
    money = Money(value, currency)
    places = {"JPY": 0, "KWD": 3}.get(currency, 2)
    assert money.amount == money.amount.quantize(Decimal(1).scaleb(-places))


def test_equal_amounts_share_one_text_and_many_amounts_stay_right() -> None:
    first = str(Money("162.50", "EUR"))
    assert first == "162.50 EUR"
    assert str(Money(Decimal("162.5"), "EUR")) is first  # one string for equal amounts
    assert str(Money("162.50", "USD")) == "162.50 USD"
    for cents in range(5000):  # more than the texts kept: they are dropped, not wrong
        amount = Decimal(cents).scaleb(-2)
        assert str(Money(amount, "EUR")) == f"{amount} EUR"
    assert str(Money("0", "JPY")) == "0 JPY"
