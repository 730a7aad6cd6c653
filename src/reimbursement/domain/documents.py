"""Documents: what an uploaded file really is, judged by its content.

A file named ``receipt.pdf`` that is really a PNG is accepted as a PNG; a
file whose content is none of the accepted formats is refused, whatever its
name says. Sniffing reads only the first bytes (the format's signature).

A file name is what the customer's device called the file, kept to show
it back: it is never part of a path (stores name documents by random ids).
So that nobody is misled by what is shown, a name is one line of at most
``max_file_name_length`` characters, without control characters, and a
name, not a path: no ``/`` or ``\\``, not ``.`` or ``..``.
"""

from __future__ import annotations

import hashlib

import attrs

from ..errors import ValidationError
from .checks import require_count, require_text, type_name

__all__ = [
    "ACCEPTED_MEDIA_TYPES",
    "MAX_FILE_NAME_LENGTH",
    "MAX_FILE_SIZE",
    "DocumentRules",
    "sniff_media_type",
]

MAX_FILE_SIZE = 20 * 1024 * 1024
"""The largest document accepted by default: 20 MiB."""
MAX_FILE_NAME_LENGTH = 255
"""The longest file name accepted by default, in characters (what most file systems allow)."""

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

ACCEPTED_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/heic",
        "image/tiff",
        "image/webp",
        # only as an e-invoice read by ReimbursementDesk.add_einvoice, never sniffed
        "application/xml",
    }
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


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    require_count(f"documents.{attribute.name}", value)


@attrs.frozen
class DocumentRules:
    """What an attachment must be: an accepted format, not empty, not too large, well named.

    ``max_size`` is in bytes (default :data:`MAX_FILE_SIZE`, 20 MiB);
    ``max_file_name_length`` in characters (default :data:`MAX_FILE_NAME_LENGTH`).
    """

    max_size: int = attrs.field(default=MAX_FILE_SIZE, validator=_positive)
    max_file_name_length: int = attrs.field(default=MAX_FILE_NAME_LENGTH, validator=_positive)

    def check(self, file_name: str, content: bytes) -> tuple[str, str]:
        """The sniffed media type and the sha256 of ``content`` (``bytes`` or ``bytearray``).

        Raises :class:`~reimbursement.errors.ValidationError` for a file name
        that is not a ``str``, is empty, too long, holds a control character or
        is a path, and for content that is not bytes, is empty, too large or
        unrecognised, naming the file.
        """
        self.check_name(file_name)
        if not isinstance(content, bytes | bytearray):
            raise ValidationError.at(
                "content", f"must be bytes (the file's content), got {type_name(content)}"
            )
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

    def check_name(self, file_name: str) -> str:
        """``file_name`` when it is a file name these rules accept; see :meth:`check`."""
        name = require_text("file_name", file_name, self.max_file_name_length, empty=False)
        if "/" in name or "\\" in name or name.strip() in {".", ".."}:
            raise ValidationError.at(
                "file_name", f"{name[:40]!r} is a path; give the file's name alone"
            )
        return name
