"""The Tesseract OCR adapter: :class:`TesseractOcr` reads receipts' photos and scans.

Needs the ``[ocr]`` extra (pytesseract, Pillow) and the ``tesseract``
program with its English and Simplified Chinese data (Debian:
``apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim``).
An image is opened by Pillow under a pixel cap (a decompression bomb is
refused before it is decoded), turned upright by its EXIF orientation, and
read with a time limit.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from decimal import Decimal

from .._extras import require
from ..einvoice import OcrLine, check_languages
from ..errors import ReimbursementError, ValidationError

__all__ = ["MAX_OCR_PIXELS", "TesseractOcr"]

MAX_OCR_PIXELS = 40_000_000
"""The most pixels an image read by OCR may have (a 40-megapixel photo)."""

_LANGUAGES = {"en": "eng", "zh": "chi_sim", "de": "deu", "fr": "fra"}


class TesseractOcr:
    """An :class:`~reimbursement.einvoice.OcrEngine` on the ``tesseract`` program.

    ``timeout`` (seconds) bounds one reading; ``max_pixels`` the image size.
    ``command`` is the program to run (found on ``PATH``). Raises
    :class:`~reimbursement.errors.MissingExtraError` without the ``[ocr]``
    extra, :class:`~reimbursement.errors.ReimbursementError` without the
    program, :class:`~reimbursement.errors.ValidationError` for content that is
    not an image, too large, or a language it has no data for.
    """

    def __init__(
        self,
        *,
        timeout: float = 30,
        max_pixels: int = MAX_OCR_PIXELS,
        command: str = "tesseract",
    ) -> None:
        self._pytesseract = require("pytesseract", "ocr", "reading scanned receipts")
        self._image = require("PIL.Image", "ocr", "reading scanned receipts")
        self._ops = require("PIL.ImageOps", "ocr", "reading scanned receipts")
        found = shutil.which(command)
        if found is None:
            raise ReimbursementError(
                f"the {command!r} program is not installed (Debian: apt-get install "
                "tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim)"
            )
        self._command = found
        self.timeout = timeout
        self.max_pixels = max_pixels

    def read(self, image: bytes, languages: Sequence[str]) -> Sequence[OcrLine]:
        """The lines of ``image``, top to bottom, each with Tesseract's mean word confidence."""
        codes = [_LANGUAGES[language] for language in check_languages(languages)]
        picture = self._open(image)
        tesseract = self._pytesseract
        tesseract.pytesseract.tesseract_cmd = self._command  # pytesseract keeps it module-wide
        try:
            data = tesseract.image_to_data(
                picture,
                lang="+".join(codes),
                output_type=tesseract.Output.DICT,
                timeout=self.timeout,
            )
        except tesseract.TesseractError as error:
            raise ValidationError.at("image", f"tesseract could not read it: {error}") from None
        except RuntimeError as error:  # pytesseract's timeout
            raise ValidationError.at("image", f"reading took too long: {error}") from None
        return _lines(data)

    def _open(self, image: bytes) -> object:
        pil = self._image
        try:
            with pil.open(io.BytesIO(image)) as opened:
                width, height = opened.size
                if width * height > self.max_pixels:
                    raise ValidationError.at(
                        "image",
                        f"{width}×{height} pixels; the limit is {self.max_pixels:,} pixels",
                    )
                upright = self._ops.exif_transpose(opened)
                upright.load()
                return upright.convert("L")
        except ValidationError:
            raise
        except pil.DecompressionBombError:  # Pillow's own cap, above ours
            raise ValidationError.at(
                "image", f"has more pixels than the limit of {self.max_pixels:,} pixels"
            ) from None
        except (pil.UnidentifiedImageError, OSError, ValueError):
            raise ValidationError.at("image", "is not an image that can be read") from None


def _lines(data: dict[str, list[object]]) -> list[OcrLine]:
    """Tesseract's words grouped into lines, in reading order."""
    grouped: dict[tuple[int, int, int, int], list[tuple[str, float]]] = {}
    for i, word in enumerate(data["text"]):
        text = str(word).strip()
        confidence = float(str(data["conf"][i]))
        if not text or confidence < 0:
            continue
        key = tuple(int(str(data[k][i])) for k in ("page_num", "block_num", "par_num", "line_num"))
        grouped.setdefault(key, []).append((text, confidence))  # type: ignore[arg-type]
    lines = []
    for _, words in sorted(grouped.items()):
        text = words[0][0]
        for word, _ in words[1:]:
            # Chinese is written without spaces; Tesseract gives its characters as words
            text += word if _cjk(text[-1]) or _cjk(word[0]) else f" {word}"
        mean = sum(c for _, c in words) / len(words) / 100
        lines.append(OcrLine(text, Decimal(str(round(mean, 2)))))
    return lines


def _cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"
