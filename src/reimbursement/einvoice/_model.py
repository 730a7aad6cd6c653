"""What an e-invoice says, value by value, each with where it was read."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

import attrs

from ..domain.currencies import MINOR_UNITS
from ..domain.inputs import LineInput
from ..domain.money import Money
from ..domain.tax import tax_problem
from ..errors import ValidationError

__all__ = ["EInvoice", "EInvoiceFormat", "Sourced", "TaxId", "money_at", "require_value"]

T = TypeVar("T")

_MAX_AMOUNT = Decimal("1000000000")


class EInvoiceFormat(enum.StrEnum):
    """The kinds of structured invoice read."""

    FACTUR_X = "factur-x"
    """A Factur-X or ZUGFeRD PDF: the CII XML embedded in a PDF/A-3."""
    CII = "cii"
    """UN/CEFACT Cross Industry Invoice XML alone (XRechnung's CII syntax)."""
    UBL = "ubl"
    """An OASIS UBL 2.1 invoice (XRechnung's UBL syntax, Peppol BIS)."""
    CN_FULLY_DIGITAL = "cn-fully-digital"
    """China's fully digital e-invoice (数电票, 全面数字化的电子发票), its XML file."""


@attrs.frozen
class Sourced(Generic[T]):
    """A value read from an e-invoice and where it was read: ``source`` names the element."""

    value: T
    source: str


@attrs.frozen
class TaxId:
    """A seller's tax id as on the invoice, and whether its check digits hold.

    ``scheme`` says which number it is (``eu.vat``, ``de.stnr``, ``cn.uscc``);
    ``valid`` is ``None`` when no check is known for it (it is kept as given).
    """

    number: str
    scheme: str | None
    valid: bool | None
    source: str


@attrs.frozen
class EInvoice:
    """What an e-invoice says about the expense: seller, day, total, tax, each sourced.

    ``total`` is the amount due including tax (what the customer paid);
    ``tax`` the tax in it, when the invoice states it.
    """

    format: EInvoiceFormat
    number: Sourced[str]
    seller: Sourced[str]
    issued_on: Sourced[date]
    total: Sourced[Money]
    tax: Sourced[Money] | None = None
    seller_tax_id: TaxId | None = None

    def line(self, category: str, description: str | None = None) -> LineInput:
        """The expense line this invoice fills in, under the insurer's ``category``.

        Its amount is the total with tax, its ``tax`` the invoice's tax (when
        stated, within the total: else ValidationError); ``description``
        defaults to the invoice number.
        """
        if description is None:
            description = f"Invoice {self.number.value[:100]}"
        tax = None if self.tax is None else self.tax.value
        taxed = tax_problem("content", tax, self.total.value)
        if taxed is not None:
            raise ValidationError.at("content", f"the invoice's tax total {taxed[1]}")
        return LineInput(
            category,
            self.issued_on.value,
            self.seller.value,
            self.total.value,
            description,
            tax=tax,
        )

    def sources(self) -> Mapping[str, str]:
        """Where each value came from, and the seller's tax id with its check: event details."""
        out = {
            "einvoice.format": self.format.value,
            "einvoice.number": self.number.value,
            "source.provider": self.seller.source,
            "source.incurred_on": self.issued_on.source,
            "source.amount": self.total.source,
            "source.number": self.number.source,
        }
        if self.tax is not None:
            out["einvoice.tax"] = str(self.tax.value)
            out["source.tax"] = self.tax.source
        tax_id = self.seller_tax_id
        if tax_id is not None:
            out["einvoice.seller_tax_id"] = tax_id.number
            out["einvoice.seller_tax_id.scheme"] = tax_id.scheme or "unknown"
            valid = {True: "yes", False: "no", None: "not checked"}[tax_id.valid]
            out["einvoice.seller_tax_id.valid"] = valid
            out["source.seller_tax_id"] = tax_id.source
        return out


def require_value(value: str | None, path: str, what: str) -> str:
    """``value`` when the invoice gives it; a ValidationError naming the element otherwise."""
    if value is None:
        raise ValidationError.at("content", f"the invoice has no {what} ({path})")
    if len(value) > 500:
        raise ValidationError.at("content", f"the invoice's {what} is over 500 characters")
    return value


def money_at(
    amount: str | None, currency: str | None, path: str, what: str, *, zero: bool = False
) -> Money:
    """The amount and currency texts of an invoice element as Money above zero.

    With ``zero``, zero too (a tax total: medical care is often exempt).
    """
    text = require_value(amount, path, what)
    code = require_value(currency, path, f"currency of the {what}")
    if code not in MINOR_UNITS:
        raise ValidationError.at(
            "content", f"the invoice's currency {code[:10]!r} is not ISO 4217"
        )
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) > _MAX_AMOUNT:
        raise ValidationError.at("content", f"the invoice's {what} {text[:40]!r} is not an amount")
    if number < 0 or (number == 0 and not zero):
        rule = "a tax is zero or more" if zero else "an expense is above zero"
        raise ValidationError.at("content", f"the invoice's {what} is {text[:40]}: {rule}")
    return Money(number, code)
