"""The contract of :class:`~reimbursement.ports.FxRates`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ..errors import RateNotFoundError
from ..ports import FxRates

__all__ = ["FxRatesContract"]

_DAY = date(2026, 2, 27)


class FxRatesContract:
    """What every :class:`~reimbursement.ports.FxRates` must do.

    Subclass it, provide a fixture ``fx_rates`` (empty for each test) and
    implement :meth:`seed_rate` to put a rate where the adapter reads it. Only
    behaviour every adapter shares is checked: fallbacks to earlier days or
    derived inverse rates are yours to test.
    """

    def seed_rate(
        self, fx_rates: FxRates, base: str, quote: str, day: date, rate: Decimal
    ) -> None:
        """Make ``fx_rates`` know that one ``base`` is ``rate`` ``quote`` on ``day``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement seed_rate(fx_rates, base, quote, day, rate)"
        )

    def test_a_currency_against_itself_is_one(self, fx_rates: FxRates) -> None:
        for currency in ("EUR", "JPY", "KWD"):
            rate = fx_rates.rate(currency, currency, _DAY)
            assert isinstance(rate, Decimal)
            assert rate == 1

    def test_a_known_rate_comes_back_exactly_as_a_decimal(self, fx_rates: FxRates) -> None:
        self.seed_rate(fx_rates, "USD", "EUR", _DAY, Decimal("0.91734521"))
        self.seed_rate(fx_rates, "EUR", "JPY", _DAY, Decimal("162.37"))
        usd = fx_rates.rate("USD", "EUR", _DAY)
        assert isinstance(usd, Decimal)
        assert usd == Decimal("0.91734521")
        assert fx_rates.rate("EUR", "JPY", _DAY) == Decimal("162.37")

    def test_each_day_has_its_own_rate(self, fx_rates: FxRates) -> None:
        self.seed_rate(fx_rates, "USD", "EUR", date(2026, 2, 26), Decimal("0.9100"))
        self.seed_rate(fx_rates, "USD", "EUR", date(2026, 2, 27), Decimal("0.9200"))
        assert fx_rates.rate("USD", "EUR", date(2026, 2, 26)) == Decimal("0.9100")
        assert fx_rates.rate("USD", "EUR", date(2026, 2, 27)) == Decimal("0.9200")

    def test_an_unknown_pair_raises_rate_not_found(self, fx_rates: FxRates) -> None:
        self.seed_rate(fx_rates, "USD", "EUR", _DAY, Decimal("0.92"))
        with pytest.raises(RateNotFoundError):
            fx_rates.rate("CHF", "SEK", _DAY)

    def test_a_rate_is_never_taken_from_a_later_day(self, fx_rates: FxRates) -> None:
        # an expense is converted at the rate of its day or (by fallback) an
        # earlier one; a rate published later was not known that day
        self.seed_rate(fx_rates, "USD", "EUR", _DAY, Decimal("0.92"))
        with pytest.raises(RateNotFoundError):
            fx_rates.rate("USD", "EUR", date(2026, 1, 27))
