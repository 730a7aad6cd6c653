"""Expense lines that fill themselves in: structured e-invoices, and suggestions from receipts.

- :func:`read_einvoice` reads a Factur-X/ZUGFeRD PDF, an XRechnung (CII or
  UBL) or UBL XML, or China's fully digital e-invoice (数电票) XML: seller,
  day, total, tax and the seller's tax id (checked with python-stdnum),
  each value with the element it came from. ``ReimbursementDesk.add_einvoice``
  adds the line with the invoice as its receipt, in one call.
- :func:`suggest_from_pdf` and :func:`suggest_from_image` read a receipt
  without structure (a PDF's text layer; a photo through an :class:`OcrEngine`
  such as :class:`reimbursement.adapters.tesseract.TesseractOcr`) and only
  *suggest* amount, date and provider with a confidence: the customer confirms.

Needs the ``[einvoice]`` extra (and ``[ocr]`` for Tesseract); see ``docs/einvoices.md``.
"""

from __future__ import annotations

from ._model import EInvoice, EInvoiceFormat, Sourced, TaxId
from ._read import EMBEDDED_NAMES, read_einvoice
from ._sources import EInvoiceFlags, line_sources
from ._suggest import (
    MAX_PDF_PAGES,
    OCR_LANGUAGES,
    Guess,
    OcrEngine,
    OcrLine,
    Suggestion,
    check_languages,
    suggest_from_image,
    suggest_from_pdf,
    suggest_from_text,
)
from ._xml import MAX_XML_SIZE

__all__ = [
    "EMBEDDED_NAMES",
    "MAX_PDF_PAGES",
    "MAX_XML_SIZE",
    "OCR_LANGUAGES",
    "EInvoice",
    "EInvoiceFlags",
    "EInvoiceFormat",
    "Guess",
    "OcrEngine",
    "OcrLine",
    "Sourced",
    "Suggestion",
    "TaxId",
    "check_languages",
    "line_sources",
    "read_einvoice",
    "suggest_from_image",
    "suggest_from_pdf",
    "suggest_from_text",
]
