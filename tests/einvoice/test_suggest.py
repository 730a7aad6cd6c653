"""Suggestions from receipts without structure: read, scored, and never a line by themselves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import ClaimPatch, LineInput, Money, ReimbursementDesk
from reimbursement.adapters.memory import CannedOcr
from reimbursement.einvoice import (
    OcrLine,
    Suggestion,
    suggest_from_image,
    suggest_from_pdf,
    suggest_from_text,
)
from reimbursement.errors import ValidationError
from support import ANA

from .makers import receipt_pdf, receipt_png

PHARMACY = (
    "Stadt-Apotheke GmbH",
    "Marktplatz 3, 10115 Berlin",
    "Datum: 26.02.2026",
    "Ibuprofen 400 mg    12.40",
    "Nasenspray    7.90",
    "Summe EUR 20.30",
)


def test_a_pdf_text_layer_suggests_amount_date_and_provider_with_their_lines() -> None:
    suggestion = suggest_from_pdf(receipt_pdf(*PHARMACY))
    assert suggestion.amount is not None
    assert suggestion.amount.value == Money("20.30", "EUR")
    assert suggestion.amount.source == "Summe EUR 20.30"
    assert suggestion.incurred_on is not None
    assert suggestion.incurred_on.value == date(2026, 2, 26)
    assert suggestion.provider is not None
    assert suggestion.provider.value == "Stadt-Apotheke GmbH"
    for guess in (suggestion.amount, suggestion.incurred_on, suggestion.provider):
        assert Decimal(0) < guess.confidence <= Decimal(1)


def test_a_pdf_without_a_text_layer_suggests_nothing() -> None:
    assert suggest_from_pdf(receipt_pdf()) == Suggestion()


@pytest.mark.parametrize("content", [b"%PDF-1.7 broken", b"\x89PNG\r\n\x1a\n", "text"])
def test_what_is_not_a_readable_pdf_is_refused(content: bytes) -> None:
    with pytest.raises(ValidationError):
        suggest_from_pdf(content)


def test_a_chinese_receipt_text_is_read_too() -> None:
    text = "\n".join(
        [
            "上海仁和大药房有限公司",
            "开票日期：2026年02月25日",
            "布洛芬缓释胶囊 265.49",
            "价税合计（小写）¥300.00",
        ]
    )
    suggestion = suggest_from_text(text)
    assert suggestion.amount is not None
    assert suggestion.amount.value == Money("300.00", "CNY")
    assert suggestion.incurred_on is not None
    assert suggestion.incurred_on.value == date(2026, 2, 25)
    assert suggestion.provider is not None
    assert suggestion.provider.value == "上海仁和大药房有限公司"


def test_a_total_without_a_currency_is_surer_when_the_receipt_names_one() -> None:
    named = suggest_from_text("Shop\nTotal 9.99 EUR").amount
    assumed = suggest_from_text("Shop\nTotal 9.99", currency="EUR").amount
    assert named is not None
    assert assumed is not None
    assert named.value == assumed.value == Money("9.99", "EUR")
    assert named.confidence > assumed.confidence
    assert suggest_from_text("Shop\nTotal 9.99").amount is None  # no currency at all: no guess


def test_an_ambiguous_day_is_less_sure() -> None:
    clear = suggest_from_text("Date 26/02/2026").incurred_on
    unclear = suggest_from_text("Date 03/04/2026").incurred_on
    assert clear is not None
    assert unclear is not None
    assert unclear.value == date(2026, 4, 3)
    assert unclear.confidence < clear.confidence


def test_a_photo_is_read_through_the_ocr_port_and_its_confidence_counts() -> None:
    image = receipt_png("City Pharmacy Ltd", "TOTAL EUR 12.90")
    ocr = CannedOcr()
    ocr.teach(
        image,
        [OcrLine("City Pharmacy Ltd", Decimal("0.50")), OcrLine("TOTAL EUR 12.90", Decimal("1"))],
    )
    suggestion = suggest_from_image(image, ocr, languages=["en"])
    assert suggestion.amount is not None
    assert suggestion.amount.value == Money("12.90", "EUR")
    assert suggestion.amount.confidence == Decimal("0.90")
    assert suggestion.provider is not None
    assert suggestion.provider.confidence == Decimal("0.40")  # 0.8 for the reading, halved


def test_a_suggestion_becomes_a_line_only_with_what_the_customer_confirms(
    desk: ReimbursementDesk,
) -> None:
    suggestion = suggest_from_pdf(receipt_pdf(*PHARMACY))
    # the customer corrects the amount and keeps the rest
    line = suggestion.line("pharmacy", amount=Money("20.00", "EUR"))
    expected = LineInput(
        "pharmacy", date(2026, 2, 26), "Stadt-Apotheke GmbH", Money("20.00", "EUR")
    )
    assert line == expected
    claim = desk.update_draft(ANA, desk.start_draft(ANA).id, ClaimPatch(add_lines=[line]))
    assert claim.lines[0].amount == Money("20.00", "EUR")


def test_a_field_neither_suggested_nor_given_is_asked_for() -> None:
    with pytest.raises(ValidationError, match="amount"):
        Suggestion().line("pharmacy", incurred_on=date(2026, 2, 1), provider="Shop")


@given(st.text(max_size=400))
def test_any_text_gives_a_suggestion_or_nothing_never_an_error(text: str) -> None:
    suggestion = suggest_from_text(text, currency="EUR")
    for guess in (suggestion.amount, suggestion.incurred_on, suggestion.provider):
        if guess is not None:
            assert Decimal(0) < guess.confidence <= Decimal(1)
            assert guess.source in text or guess.source.strip()
    if suggestion.amount is not None:
        assert suggestion.amount.value.amount >= 0


@given(st.integers(1, 99_999), st.integers(0, 99))
def test_the_total_line_amount_is_read_exactly(units: int, cents: int) -> None:
    amount = f"{units}.{cents:02d}"
    suggestion = suggest_from_text(f"Shop GmbH\nItem 1.00\nTotal {amount} EUR")
    assert suggestion.amount is not None
    assert suggestion.amount.value == Money(amount, "EUR")
