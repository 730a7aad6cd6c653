"""Sellers' tax ids checked with python-stdnum: EU VAT, German tax numbers, China's USCC."""

from __future__ import annotations

from .._extras import require
from ._model import TaxId

__all__ = ["check_tax_id"]


def _check(module: str, number: str) -> tuple[str, bool]:
    checker = require(f"stdnum.{module}", "einvoice", "checking sellers' tax ids")
    valid = bool(checker.is_valid(number))
    return (checker.compact(number) if valid else number), valid


def check_tax_id(number: str, scheme: str | None, source: str) -> TaxId:
    """``number`` as a :class:`TaxId`, its check digits verified where a check is known.

    ``scheme`` is what the invoice says the number is: ``VA`` (VAT), ``FC``
    (a national tax number, checked as German), ``cn.uscc``; ``None``
    guesses from the number (two letters of an EU country first: VAT).
    """
    text = number.strip()
    if scheme == "cn.uscc":
        compact, valid = _check("cn.uscc", text)
        return TaxId(compact, "cn.uscc", valid, source)
    if scheme == "FC":
        compact, valid = _check("de.stnr", text)
        return TaxId(compact, "de.stnr", valid, source)
    eu_vat = require("stdnum.eu.vat", "einvoice", "checking sellers' tax ids")
    prefix = text[:2].lower()
    if scheme == "VA" or prefix in eu_vat.MEMBER_STATES or prefix in ("el", "xi"):
        compact, valid = _check("eu.vat", text)
        return TaxId(compact, "eu.vat", valid, source)
    return TaxId(text, None, None, source)
