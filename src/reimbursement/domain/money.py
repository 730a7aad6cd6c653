"""Money: a ``Decimal`` amount in one ISO 4217 currency.

Amounts are always rounded to the currency's minor unit (two decimals for
EUR, none for JPY, three for KWD) with banker's rounding (half to even), the
rounding that keeps sums of many conversions unbiased. Floats are refused:
``Money(0.1, "EUR")`` raises, ``Money("0.10", "EUR")`` is the way.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Self

import attrs

from .._show import show
from ..errors import CurrencyMismatchError, ValidationError
from .currencies import MINOR_UNITS

__all__ = ["Money"]

_QUANTA: dict[int, Decimal] = {places: Decimal(1).scaleb(-places) for places in range(5)}


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, (bool, float)):
        raise ValidationError.at(
            "amount", f"{show(value)} is a {type(value).__name__}; give a Decimal, int or str"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except decimal.InvalidOperation:
            raise ValidationError.at("amount", f"{show(value)} is not a number") from None
    else:
        raise ValidationError.at(
            "amount", f"{show(value)} is a {type(value).__name__}; give a Decimal, int or str"
        )
    if not result.is_finite():
        raise ValidationError.at("amount", f"{show(value)} is not a finite number")
    return result


@attrs.frozen(init=False, order=False)
class Money:
    """An amount of money in one currency, rounded to the currency's minor unit.

    Raises :class:`~reimbursement.errors.ValidationError` for an unknown currency or
    an amount that is not a finite ``Decimal``/``int``/``str``, and
    :class:`~reimbursement.errors.CurrencyMismatchError` when two currencies meet.
    """

    amount: Decimal
    currency: str

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        places = MINOR_UNITS.get(currency) if type(currency) is str else None
        if places is None:
            raise ValidationError.at(
                "currency", f"{show(currency)} is not an ISO 4217 currency code"
            )
        try:
            value = _to_decimal(amount).quantize(_QUANTA[places], rounding=ROUND_HALF_EVEN)
        except decimal.InvalidOperation:
            raise ValidationError.at(
                "amount", f"{show(amount)} is too large for an amount of money"
            ) from None
        if value == 0:
            value = abs(value)  # no negative zero in a claim
        self.__attrs_init__(value, currency)

    @classmethod
    def _exact(cls, amount: Decimal, currency: str) -> Money:
        # for results of arithmetic on amounts already rounded to the same
        # currency: nothing to check, nothing to round
        money = object.__new__(cls)
        money.__attrs_init__(amount, currency)
        return money

    @classmethod
    def zero(cls, currency: str) -> Self:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """Total of ``items``, all in ``currency`` (zero when empty)."""
        total = Decimal(0)
        for item in items:
            if item.currency != currency:
                raise CurrencyMismatchError.at(
                    "currency", f"cannot add {item.currency} to a total in {currency}"
                )
            total += item.amount
        if currency not in MINOR_UNITS:
            raise ValidationError.at(
                "currency", f"{show(currency)} is not an ISO 4217 currency code"
            )
        return cls._exact(total, currency) if total else cls(0, currency)

    def _same(self, other: Money, op: str) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {op} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError.at(
                "currency", f"cannot {op} {self.currency} and {other.currency}"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other, "add")
        return Money._exact(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float | bool) or not isinstance(factor, Decimal | int):
            raise TypeError("Money can only be multiplied by a Decimal or an int")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def is_negative(self) -> bool:
        """True below zero."""
        return self.amount < 0

    def convert(self, currency: str, rate: Decimal) -> Money:
        """This amount in ``currency`` at ``rate`` (units of ``currency`` per unit of ours)."""
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
            raise ValidationError.at("rate", f"{show(rate)} is not a positive Decimal rate")
        return Money(self.amount * rate, currency)

    def __str__(self) -> str:
        # the same amount is written on several events of a claim (and of many
        # claims): keeping the text lets them share one string. Keyed by value:
        # amounts of one currency are all rounded to its minor unit, so equal
        # amounts are written alike.
        key = (self.amount, self.currency)
        text = _TEXTS.get(key)
        if text is None:
            if len(_TEXTS) >= _TEXTS_KEPT:
                _TEXTS.clear()
            text = _TEXTS[key] = f"{self.amount} {self.currency}"
        return text

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"


_TEXTS: dict[tuple[Decimal, str], str] = {}
_TEXTS_KEPT = 4096
