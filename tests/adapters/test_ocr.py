"""The OCR port's contract, run against the canned engine and the real Tesseract."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from einvoice.makers import receipt_png
from reimbursement.adapters.memory import CannedOcr
from reimbursement.adapters.tesseract import TesseractOcr
from reimbursement.einvoice import OcrLine, suggest_from_image
from reimbursement.errors import ReimbursementError, ValidationError
from reimbursement.testing import OcrEngineContract

LINES = ("City Pharmacy Ltd", "Date: 2026-02-26", "Aspirin 4.50", "TOTAL EUR 12.90")


@pytest.fixture(scope="module")
def image() -> bytes:
    return receipt_png(*LINES)


@pytest.fixture
def receipt_image(image: bytes) -> tuple[bytes, list[str]]:
    return image, ["Pharmacy", "TOTAL", "12.90"]


class TestCannedOcr(OcrEngineContract):
    @pytest.fixture
    def ocr_engine(self, image: bytes) -> CannedOcr:
        engine = CannedOcr()
        engine.teach(image, [OcrLine(line, Decimal("0.9")) for line in LINES])
        return engine


class TestTesseractOcr(OcrEngineContract):
    @pytest.fixture
    def ocr_engine(self) -> TesseractOcr:
        return TesseractOcr(timeout=120)


def test_tesseract_reads_a_receipt_photo_into_a_suggestion(image: bytes) -> None:
    suggestion = suggest_from_image(image, TesseractOcr(timeout=120), languages=["en", "zh"])
    assert suggestion.amount is not None
    assert str(suggestion.amount.value) == "12.90 EUR"
    assert suggestion.incurred_on is not None
    assert suggestion.incurred_on.value.isoformat() == "2026-02-26"
    assert suggestion.provider is not None
    assert suggestion.provider.value == "City Pharmacy Ltd"


def test_tesseract_reads_a_chinese_receipt_with_its_simplified_chinese_data() -> None:
    image = receipt_png(
        "上海仁和大药房有限公司", "开票日期：2026年02月25日", "价税合计 ¥300.00", chinese=True
    )
    suggestion = suggest_from_image(image, TesseractOcr(timeout=120), languages=["zh", "en"])
    assert suggestion.amount is not None
    assert str(suggestion.amount.value) == "300.00 CNY"
    assert suggestion.incurred_on is not None
    assert suggestion.incurred_on.value.isoformat() == "2026-02-25"
    assert suggestion.provider is not None
    assert suggestion.provider.value == "上海仁和大药房有限公司"


def test_a_photo_taken_sideways_is_turned_upright_by_its_exif_orientation(image: bytes) -> None:
    from PIL import Image

    picture = Image.open(io.BytesIO(image)).convert("RGB").rotate(90, expand=True)
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": how a phone held sideways saves it
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif, quality=95)
    lines = TesseractOcr(timeout=120).read(out.getvalue(), ["en"])
    assert "TOTAL EUR 12.90" in [line.text for line in lines]


@pytest.mark.parametrize("side", [8_000, 20_000])
def test_an_image_over_the_pixel_cap_is_refused_before_it_is_decoded(side: int) -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")  # a small file, 64 or 400 megapixels
    with pytest.raises(ValidationError, match="pixels"):
        TesseractOcr().read(out.getvalue(), ["en"])


def test_a_truncated_image_is_refused(image: bytes) -> None:
    with pytest.raises(ValidationError, match="not an image"):
        TesseractOcr().read(image[:200], ["en"])


def test_without_the_tesseract_program_the_adapter_says_what_to_install() -> None:
    with pytest.raises(ReimbursementError, match="apt-get install tesseract-ocr"):
        TesseractOcr(command="no-such-tesseract")
