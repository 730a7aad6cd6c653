"""Documents: what an uploaded file really is, judged by its content.

A file named ``receipt.pdf`` that is really a PNG is accepted as a PNG; a
file whose content is none of the accepted formats is refused, whatever its
name says. Sniffing reads only the first bytes (the format's signature).
"""

from __future__ import annotations

import hashlib

import attrs

from ..errors import ValidationError

__all__ = ["ACCEPTED_MEDIA_TYPES", "DocumentRules", "sniff_media_type"]

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

ACCEPTED_MEDIA_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/heic", "image/tiff", "image/webp"}
)


def sniff_media_type(content: bytes) -> str | None:
    """The media type of ``content`` by its signature, or ``None`` when it is none we accept."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[4:8] == b"ftyp" and content[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


@attrs.frozen
class DocumentRules:
    """What an attachment must be: an accepted format, not empty, not too large."""

    max_size: int = 20 * 1024 * 1024

    def check(self, file_name: str, content: bytes) -> tuple[str, str]:
        """The sniffed media type and the sha256 of ``content``.

        Raises :class:`~reimbursement.errors.ValidationError` for an empty, too large
        or unrecognised file, naming the file.
        """
        if not file_name.strip():
            raise ValidationError.at("file_name", "is empty")
        if not content:
            raise ValidationError.at("content", f"{file_name} is empty")
        if len(content) > self.max_size:
            raise ValidationError.at(
                "content",
                f"{file_name} is {len(content):,} bytes; the limit is {self.max_size:,}",
            )
        media_type = sniff_media_type(content)
        if media_type is None:
            raise ValidationError.at(
                "content",
                f"{file_name} is not a PDF, JPEG, PNG, HEIC, TIFF or WebP file "
                "(judged by its content, not its name)",
            )
        return media_type, hashlib.sha256(content).hexdigest()
