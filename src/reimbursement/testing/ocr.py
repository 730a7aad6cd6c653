"""The contract of :class:`~reimbursement.einvoice.OcrEngine`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ..einvoice import OcrEngine
from ..errors import ValidationError

__all__ = ["OcrEngineContract"]


class OcrEngineContract:
    """What every :class:`~reimbursement.einvoice.OcrEngine` must do.

    Subclass it and provide the fixtures ``ocr_engine`` and ``receipt_image``:
    a ``(image bytes, words)`` pair, an image the engine reads and words it
    must find in it.
    """

    def test_the_words_of_an_image_are_read_with_confidences_from_0_to_1(
        self, ocr_engine: OcrEngine, receipt_image: tuple[bytes, list[str]]
    ) -> None:
        image, words = receipt_image
        lines = ocr_engine.read(image, ("en",))
        text = "\n".join(line.text for line in lines)
        for word in words:
            assert word in text
        for line in lines:
            assert line.text.strip()
            assert "\n" not in line.text
            assert Decimal(0) <= line.confidence <= Decimal(1)

    def test_content_that_is_not_an_image_is_refused(self, ocr_engine: OcrEngine) -> None:
        with pytest.raises(ValidationError):
            ocr_engine.read(b"%PDF-1.7 not an image", ("en",))

    def test_an_unknown_language_is_refused(
        self, ocr_engine: OcrEngine, receipt_image: tuple[bytes, list[str]]
    ) -> None:
        with pytest.raises(ValidationError):
            ocr_engine.read(receipt_image[0], ("klingon",))
