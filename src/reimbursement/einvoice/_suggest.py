"""Suggestions read from a receipt's text: amount, date and provider, each with a confidence.

A suggestion is never an expense line by itself: the customer sees it,
corrects what is wrong and confirms, and only :meth:`Suggestion.line`
(called with what they confirmed) makes the ``LineInput`` they add with
``update_draft``. Nothing is submitted from a guess.

The text comes from a PDF's text layer (:func:`suggest_from_pdf`, with
pdfplumber) or from an OCR engine (:func:`suggest_from_image`, through the
:class:`OcrEngine` port). The reading is plain and explainable: the amount
on a line that says "total" (Summe, 合计, …) before the largest amount; a
date next to "date" (Datum, 日期, …) before any date; the first line that
names a business as the provider. Each guess keeps the text it was read
from, so the customer sees why.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Generic, Protocol, TypeVar

import attrs

from .._extras import require
from ..domain.inputs import LineInput
from ..domain.money import Money
from ..errors import ValidationError

__all__ = [
    "MAX_PDF_PAGES",
    "OCR_LANGUAGES",
    "Guess",
    "OcrEngine",
    "OcrLine",
    "Suggestion",
    "check_languages",
    "suggest_from_image",
    "suggest_from_pdf",
    "suggest_from_text",
]

T = TypeVar("T")

MAX_PDF_PAGES = 5
"""How many pages of a PDF are read for a suggestion (a receipt is one or two)."""

_MAX_TEXT = 200_000
_MAX_LINES = 2_000
_MAX_LINE = 500


@attrs.frozen
class Guess(Generic[T]):
    """A value read from a receipt's text, how sure the reading is (0 to 1), and the text."""

    value: T
    confidence: Decimal
    source: str


@attrs.frozen
class OcrLine:
    """One line of text an OCR engine read, and its confidence (0 to 1)."""

    text: str
    confidence: Decimal


OCR_LANGUAGES = ("en", "zh", "de", "fr")
"""The languages an :class:`OcrEngine` is asked to read, as ISO 639-1 codes."""


def check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    """``languages`` when each is one of :data:`OCR_LANGUAGES`; a ValidationError otherwise."""
    if isinstance(languages, str) or not isinstance(languages, Sequence) or not languages:
        raise ValidationError.at("languages", "give a list of language codes, such as ['en']")
    for language in languages:
        if language not in OCR_LANGUAGES:
            raise ValidationError.at(
                "languages", f"{str(language)[:10]!r} is none of {', '.join(OCR_LANGUAGES)}"
            )
    return tuple(languages)


class OcrEngine(Protocol):
    """Reads the text of an image (a photo or scan of a receipt).

    ``languages`` are codes of :data:`OCR_LANGUAGES` (``en``, ``zh``).
    Raises :class:`~reimbursement.errors.ValidationError` for content that
    is not an image it can read (or too large to read safely) and for a
    language it does not know. The contract suite is
    :class:`reimbursement.testing.OcrEngineContract`.
    """

    def read(self, image: bytes, languages: Sequence[str]) -> Sequence[OcrLine]:
        """The lines read from ``image``, top to bottom."""
        ...


@attrs.frozen
class Suggestion:
    """What a receipt seems to say: each field a :class:`Guess`, or ``None`` when not found."""

    amount: Guess[Money] | None = None
    incurred_on: Guess[date] | None = None
    provider: Guess[str] | None = None

    def line(
        self,
        category: str,
        *,
        amount: Money | None = None,
        incurred_on: date | None = None,
        provider: str | None = None,
        description: str = "",
    ) -> LineInput:
        """The line the customer confirmed: their values, else the suggested ones.

        Raises :class:`~reimbursement.errors.ValidationError` naming each field
        neither the customer nor the suggestion gives.
        """
        values = {
            "amount": amount if amount is not None else _value(self.amount),
            "incurred_on": incurred_on if incurred_on is not None else _value(self.incurred_on),
            "provider": provider if provider is not None else _value(self.provider),
        }
        missing = [name for name, value in values.items() if value is None]
        if missing:
            raise ValidationError.at(missing[0], "was not found on the receipt: ask the customer")
        return LineInput(
            category,
            values["incurred_on"],  # type: ignore[arg-type]
            values["provider"],  # type: ignore[arg-type]
            values["amount"],  # type: ignore[arg-type]
            description,
        )


def _value(guess: Guess[T] | None) -> T | None:
    return None if guess is None else guess.value


_AMOUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,' ]\d{3})+|\d+)([.,]\d{2})(?![\d])")
_TOTAL_WORDS = re.compile(
    r"total|summe|gesamt|betrag|zu zahlen|amount due|balance due|"
    r"合计|总计|价税合计|小写|实付|应付",
    re.IGNORECASE,
)
_CURRENCIES = (
    ("EUR", re.compile(r"€|\bEUR\b", re.IGNORECASE)),
    ("CNY", re.compile(r"¥|￥|元|\bRMB\b|\bCNY\b", re.IGNORECASE)),
    ("USD", re.compile(r"\$|\bUSD\b", re.IGNORECASE)),
    ("GBP", re.compile(r"£|\bGBP\b", re.IGNORECASE)),
    ("CHF", re.compile(r"\bCHF\b", re.IGNORECASE)),
)
_DATES = (
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "ymd"),
    (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), "dmy"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), "dmy?"),
)
_DATE_WORDS = re.compile(r"date|datum|日期|开票|rechnungsdatum", re.IGNORECASE)
_BUSINESS = re.compile(
    r"gmbh|\bag\b|\bkg\b|\bltd\b|\binc\b|\bllc\b|s\.a\.|sarl|apotheke|pharmacy|clinic|klinik|"
    r"praxis|hospital|有限公司|药房|药店|医院|诊所",
    re.IGNORECASE,
)
_NOT_PROVIDER = re.compile(
    r"invoice|rechnung|receipt|quittung|beleg|bon\b|发票|收据|date|datum|total|summe|tel|www|@",
    re.IGNORECASE,
)


def _amounts(line: str) -> list[Decimal]:
    found = []
    for whole, cents in _AMOUNT.findall(line):
        digits = re.sub(r"[.,' ]", "", whole)
        try:
            found.append(Decimal(f"{digits}.{cents[1:]}"))
        except InvalidOperation:
            continue
    return found


def _currency(text: str, default: str | None) -> tuple[str | None, bool]:
    for code, pattern in _CURRENCIES:
        if pattern.search(text):
            return code, True
    return default, False


def _guess_amount(lines: Sequence[str], text: str, currency: str | None) -> Guess[Money] | None:
    for line in reversed(lines):  # the total is usually the last "total" line
        if _TOTAL_WORDS.search(line) and (found := _amounts(line)):
            code, stated = _currency(line, None)
            if code is None:
                code, stated = _currency(text, currency)
            if code is None:
                return None
            sure = Decimal("0.9") if stated else Decimal("0.7")
            return Guess(Money(max(found), code), sure, line.strip()[:200])
    every = [(amount, line) for line in lines for amount in _amounts(line)]
    code, stated = _currency(text, currency)
    if not every or code is None:
        return None
    amount, line = max(every, key=lambda pair: pair[0])
    return Guess(Money(amount, code), Decimal("0.4"), line.strip()[:200])


def _day(match: re.Match[str], order: str) -> date | None:
    a, b, c = (int(g) for g in match.groups())
    year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _guess_date(lines: Sequence[str]) -> Guess[date] | None:
    best: Guess[date] | None = None
    for line in lines:
        for pattern, order in _DATES:
            for match in pattern.finditer(line):
                day = _day(match, order)
                if day is None:
                    continue
                sure = Decimal("0.6")
                if _DATE_WORDS.search(line):
                    sure += Decimal("0.3")
                if order == "dmy?" and int(match.group(1)) <= 12:
                    sure -= Decimal("0.3")  # 03/04/2026: the 3rd of April or March the 4th?
                if best is None or sure > best.confidence:
                    best = Guess(day, sure, line.strip()[:200])
    return best


def _guess_provider(lines: Sequence[str]) -> Guess[str] | None:
    for line in lines[:10]:
        if _BUSINESS.search(line):
            return Guess(line.strip()[:200], Decimal("0.8"), line.strip()[:200])
    for line in lines[:5]:
        text = line.strip()
        letters = sum(ch.isalpha() for ch in text)
        if letters >= 3 and letters * 2 > len(text) and not _NOT_PROVIDER.search(text):
            return Guess(text[:200], Decimal("0.5"), text[:200])
    return None


def suggest_from_text(text: str, *, currency: str | None = None) -> Suggestion:
    """A suggestion from a receipt's text; ``currency`` when the receipt names none."""
    if not isinstance(text, str):
        raise ValidationError.at("text", "must be a str")
    # bounded work whatever the text: a receipt has few, short lines
    lines = [line[:_MAX_LINE] for line in text[:_MAX_TEXT].splitlines() if line.strip()]
    lines = lines[:_MAX_LINES]
    return Suggestion(
        _guess_amount(lines, "\n".join(lines), currency),
        _guess_date(lines),
        _guess_provider(lines),
    )


def suggest_from_pdf(content: bytes, *, currency: str | None = None) -> Suggestion:
    """A suggestion from the text layer of a PDF receipt (its first :data:`MAX_PDF_PAGES`).

    A scan without a text layer gives an empty suggestion: read it with
    :func:`suggest_from_image`. Raises :class:`~reimbursement.errors.ValidationError`
    for content that is not a readable PDF, and
    :class:`~reimbursement.errors.MissingExtraError` without the ``[einvoice]`` extra.
    """
    pdfplumber = require("pdfplumber", "einvoice", "reading receipts' text")
    if not isinstance(content, bytes | bytearray) or not bytes(content).startswith(b"%PDF-"):
        raise ValidationError.at("content", "is not a PDF")
    try:
        with pdfplumber.open(io.BytesIO(bytes(content))) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages[:MAX_PDF_PAGES]]
    except Exception as error:  # pdfminer raises many kinds for a broken file
        raise ValidationError.at(
            "content", f"the PDF cannot be read: {type(error).__name__}"
        ) from None
    return suggest_from_text("\n".join(pages), currency=currency)


def suggest_from_image(
    content: bytes,
    engine: OcrEngine,
    *,
    languages: Sequence[str] = ("en", "zh"),
    currency: str | None = None,
) -> Suggestion:
    """A suggestion from a photo or scan, read by ``engine``.

    Each guess's confidence is the reading's times the OCR engine's for the
    line it came from.
    """
    lines = list(engine.read(bytes(content), check_languages(languages)))
    suggestion = suggest_from_text("\n".join(line.text for line in lines), currency=currency)
    sureness = {line.text.strip()[:200]: line.confidence for line in lines}

    def scaled(guess: Guess[T] | None) -> Guess[T] | None:
        if guess is None:
            return None
        ocr = sureness.get(guess.source, Decimal("0.5"))
        confidence = (guess.confidence * ocr).quantize(Decimal("0.01"))
        return Guess(guess.value, confidence, guess.source)

    return Suggestion(
        scaled(suggestion.amount), scaled(suggestion.incurred_on), scaled(suggestion.provider)
    )
