"""Content checks: what a document really is, read by the libraries that read it.

Without the ``[documents]`` extra, an attachment is judged by its first
bytes (:class:`~reimbursement.domain.documents.DocumentRules`). With it,
:func:`check_content` also asks ``puremagic`` what the content is (every
signature it knows, so a HEIC, whose box says "MPEG-4", is told from a
video by its brand), then has the format's own library read the whole
file: ``pypdf`` for PDFs (:mod:`.pdf`), Pillow and ``pillow-heif`` for
images (:mod:`.images`). A file the library cannot read is refused, so
``%PDF-`` followed by a program is not a PDF.

:class:`ContentChecks` is the insurer's setting (``DeskSettings.content_checks``):
the limits per type, and whether the checks must run.
"""

from __future__ import annotations

import attrs

from .._extras import require
from ..domain.documents import ACCEPTED_MEDIA_TYPES, DocumentRules
from ..errors import ValidationError
from .images import CheckedImage, ImageLimits, check_image
from .pdf import PdfLimits, check_pdf

__all__ = ["CheckedDocument", "ContentChecks", "check_content", "detect_media_type"]

_ALIASES = {"image/heif": "image/heic", "image/heif-sequence": "image/heic"}
_NEEDED = ("puremagic", "pypdf", "PIL", "imagehash")


def _on(_: object, __: attrs.Attribute[bool], value: object) -> None:
    if type(value) is not bool:
        raise ValidationError.at("content_checks.enabled", "must be True or False")


@attrs.frozen
class ContentChecks:
    """Whether documents are read by content libraries, and the limits per type.

    ``enabled``: ``False`` (default) judges documents by their first bytes
    alone, as without the extra; ``True`` reads them with the content
    libraries and needs the ``[documents]`` extra (attaching raises
    :class:`~reimbursement.errors.MissingExtraError` without it). A choice
    made here, not by which packages happen to be installed, so a desk
    behaves the same on every host. ``pdf`` and ``image`` are the limits
    (:class:`PdfLimits`, :class:`ImageLimits`).
    """

    enabled: bool = attrs.field(default=False, validator=_on)
    pdf: PdfLimits = attrs.field(factory=PdfLimits)
    image: ImageLimits = attrs.field(factory=ImageLimits)

    def active(self) -> bool:
        """Whether the checks run; raises MissingExtraError when enabled without the extra."""
        if self.enabled:
            for module in _NEEDED:
                require(module, "documents", "content checks")
        return self.enabled


@attrs.frozen
class CheckedDocument:
    """What the checks found: the type, the sha256, the flags and, for images, the copies."""

    media_type: str
    sha256: str
    flags: tuple[str, ...] = ()
    image: CheckedImage | None = None


def detect_media_type(content: bytes) -> str | None:
    """The accepted media type ``puremagic`` finds in ``content``, or ``None``.

    Every match is considered, not only the first: a HEIC's first match
    is "video/mp4" (the container), its brand says "image/heif".
    """
    puremagic = require("puremagic", "documents", "content checks")
    try:
        matches = puremagic.magic_string(bytes(content[:4096]))
    except puremagic.PureError:
        return None
    for match in matches:
        mime = _ALIASES.get(match.mime_type, match.mime_type)
        if mime in ACCEPTED_MEDIA_TYPES:
            return str(mime)
    return None


def check_content(
    rules: DocumentRules, checks: ContentChecks, file_name: str, content: bytes
) -> CheckedDocument:
    """``content`` checked by ``rules`` and, when active, by ``checks``.

    Raises :class:`~reimbursement.errors.ValidationError` naming the file
    for anything refused, :class:`~reimbursement.errors.MissingExtraError`
    when ``checks.enabled`` is ``True`` without the ``[documents]`` extra.
    """
    media_type, sha256 = rules.check(file_name, content)
    if not checks.active():
        return CheckedDocument(media_type, sha256)
    data = bytes(content)
    detected = detect_media_type(data)
    if detected != media_type:
        raise ValidationError.at(
            "content",
            f"{file_name} starts like {media_type} but its content is "
            f"{detected or 'none of the accepted formats'}",
        )
    if media_type == "application/pdf":
        return CheckedDocument(media_type, sha256, check_pdf(file_name, data, checks.pdf))
    image = check_image(file_name, data, media_type, checks.image)
    return CheckedDocument(media_type, sha256, (), image)
