"""Image checks with Pillow (and ``pillow-heif`` for HEIC), and the reviewers' copies.

:func:`check_image` refuses an image whose pixel count is over
:class:`ImageLimits` before decoding it (a decompression bomb: a small
file that decodes to gigabytes), decodes it whole (a truncated file is
refused), turns it upright by its EXIF orientation, and makes what
reviewers see: a copy at most ``reviewer_max_side`` pixels on its long
side and a thumbnail, both newly encoded without EXIF, so neither the
GPS position nor the device's details reach the insurer; plus the
perceptual hash duplicates are found with.
"""

from __future__ import annotations

import functools
import io
from typing import Any

import attrs

from .._extras import require
from ..errors import ValidationError
from ._limits import positive

__all__ = ["CheckedImage", "ImageLimits", "check_image"]

# the Pillow format that must open a file detected as this media type
_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
}


_ORIENTATION = 0x0112
# EXIF orientation -> the Pillow transpose that makes the picture upright (EXIF 2.32, 4.6.4)
_TURNS = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}


@attrs.frozen
class ImageLimits:
    """What an image may be, and what reviewers get.

    ``max_pixels`` (default 50 million: a 12-megapixel phone photo is well
    within, a bomb is not); ``reviewer_max_side`` (default 2,400 pixels:
    a receipt stays legible) and ``thumbnail_side`` (default 256) for the
    copies; ``jpeg_quality`` of the copies (default 85).
    """

    max_pixels: int = attrs.field(default=50_000_000, validator=positive)
    reviewer_max_side: int = attrs.field(default=2400, validator=positive)
    thumbnail_side: int = attrs.field(default=256, validator=positive)
    jpeg_quality: int = attrs.field(default=85, validator=positive)


@attrs.frozen
class CheckedImage:
    """What :func:`check_image` made: the reviewers' copy and thumbnail, and the hash."""

    reviewer_copy: bytes
    copy_media_type: str
    thumbnail: bytes
    phash: str


@functools.cache
def _pillow() -> Any:
    image = require("PIL.Image", "documents", "image checks")
    try:
        heif = require("pillow_heif", "documents", "HEIC images")
    except ModuleNotFoundError:  # HEIC is then refused; the other formats still work
        return image
    heif.register_heif_opener()
    return image


def _refused(file_name: str, why: str) -> ValidationError:
    return ValidationError.at("content", f"{file_name}: {why}")


def _encoded(image: Any, limits: ImageLimits) -> tuple[bytes, str]:
    """``image`` newly encoded (no metadata): PNG when it has transparency, else JPEG."""
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(out, "PNG", optimize=False)
        return out.getvalue(), "image/png"
    image.convert("L" if image.mode in ("1", "L", "I;16") else "RGB").save(
        out, "JPEG", quality=limits.jpeg_quality
    )
    return out.getvalue(), "image/jpeg"


def check_image(
    file_name: str, content: bytes, media_type: str, limits: ImageLimits
) -> CheckedImage:
    """Check the image ``content`` of ``media_type`` and make its reviewer copies.

    Raises :class:`~reimbursement.errors.ValidationError` for too many
    pixels, a truncated or damaged file, or one that is not ``media_type``.
    """
    pil = _pillow()
    imagehash = require("imagehash", "documents", "duplicate photos")
    try:
        image = pil.open(io.BytesIO(content), formats=[_FORMATS[media_type]])
        width, height = image.size
        if width * height > limits.max_pixels:
            raise _refused(
                file_name,
                f"is {width:,} × {height:,} pixels; the limit is {limits.max_pixels:,} pixels",
            )
        image.load()
        orientation = image.getexif().get(_ORIENTATION, 1)
    except ValidationError:
        raise
    except pil.DecompressionBombError as error:
        raise _refused(file_name, "has too many pixels to open safely") from error
    except (OSError, ValueError, SyntaxError, KeyError, EOFError) as error:
        raise _refused(
            file_name, f"is not a {media_type} image that can be read (truncated or damaged)"
        ) from error
    # a box reduction by a whole factor first: a tenth of a resample's cost on 12 MP
    factor = -(-max(width, height) // limits.reviewer_max_side)
    smaller = image.reduce(factor) if factor > 1 else image
    turn = _TURNS.get(orientation)
    upright = smaller.transpose(pil.Transpose[turn]) if turn is not None else smaller
    copy, copy_type = _encoded(upright, limits)
    upright.thumbnail((limits.thumbnail_side,) * 2)
    thumbnail, _ = _encoded(upright, limits)
    return CheckedImage(copy, copy_type, thumbnail, str(imagehash.phash(upright)))
