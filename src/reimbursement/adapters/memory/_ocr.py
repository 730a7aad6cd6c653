"""An OCR engine for tests and demos: it answers what it was told an image says."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ...domain.documents import sniff_media_type
from ...einvoice import OcrLine, check_languages
from ...errors import ValidationError

__all__ = ["CannedOcr"]


class CannedOcr:
    """An :class:`~reimbursement.einvoice.OcrEngine` that reads the lines given for an image.

    ``teach(image, lines)`` says what ``image`` reads as; any other image
    reads as nothing. Content that is not an image is refused, as a real
    engine refuses it.
    """

    def __init__(self) -> None:
        self._readings: dict[str, tuple[OcrLine, ...]] = {}

    def teach(self, image: bytes, lines: Sequence[OcrLine]) -> None:
        """From now on ``image`` reads as ``lines``."""
        self._readings[hashlib.sha256(image).hexdigest()] = tuple(lines)

    def read(self, image: bytes, languages: Sequence[str]) -> Sequence[OcrLine]:
        """See :class:`~reimbursement.einvoice.OcrEngine`."""
        check_languages(languages)
        media_type = sniff_media_type(bytes(image))
        if media_type is None or not media_type.startswith("image/"):
            raise ValidationError.at("image", "is not an image that can be read")
        return self._readings.get(hashlib.sha256(image).hexdigest(), ())
