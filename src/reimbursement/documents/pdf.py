"""PDF checks with ``pypdf``: encrypted, active content, truncated, bombs.

:func:`check_pdf` opens the file as pypdf does, refuses what cannot be
read (truncated or forged files: ``%PDF-`` then something else), refuses
more pages or more decompressed page content than :class:`PdfLimits`
allow, and returns the flags a reviewer should see: encrypted (when not
refused), JavaScript, open actions, embedded files.
"""

from __future__ import annotations

import io
from typing import Any

import attrs

from .._extras import require
from ..errors import ValidationError
from ._limits import positive

__all__ = ["PdfLimits", "check_pdf"]

ENCRYPTED = "pdf_encrypted"
JAVASCRIPT = "pdf_javascript"
OPEN_ACTION = "pdf_open_action"
EMBEDDED_FILES = "pdf_embedded_files"


@attrs.frozen
class PdfLimits:
    """What a PDF may be.

    ``max_pages`` (default 200); ``max_content_bytes``: the page content
    decompressed, all pages together (default 50 MiB: a decompression
    bomb is refused); ``refuse_encrypted`` (default ``True``; ``False``
    keeps an encrypted PDF, flagged, unchecked inside).
    """

    max_pages: int = attrs.field(default=200, validator=positive)
    max_content_bytes: int = attrs.field(default=50 * 1024 * 1024, validator=positive)
    refuse_encrypted: bool = True


def _refused(file_name: str, why: str) -> ValidationError:
    return ValidationError.at("content", f"{file_name}: {why}")


def _names(catalog: Any, key: str) -> bool:
    names = catalog.get("/Names")
    return names is not None and key in names.get_object()


def _active(reader: Any) -> list[str]:
    """The flags of active content: in the catalog, and on the pages' annotations."""
    catalog = reader.trailer["/Root"].get_object()
    flags = []
    javascript = _names(catalog, "/JavaScript")
    if "/OpenAction" in catalog or "/AA" in catalog:
        flags.append(OPEN_ACTION)
        opened: Any = catalog.get("/OpenAction")
        opened = opened.get_object() if opened is not None else None
        if isinstance(opened, dict) and opened.get("/S") == "/JavaScript":
            javascript = True
    for page in reader.pages:
        for annotation in page.get("/Annots") or ():
            action = annotation.get_object().get("/A")
            if action is not None and action.get_object().get("/S") == "/JavaScript":
                javascript = True
    if javascript:
        flags.append(JAVASCRIPT)
    if _names(catalog, "/EmbeddedFiles"):
        flags.append(EMBEDDED_FILES)
    return flags


def check_pdf(file_name: str, content: bytes, limits: PdfLimits) -> tuple[str, ...]:
    """The flags of the PDF ``content``; raises ValidationError for one to refuse."""
    pypdf = require("pypdf", "documents", "PDF checks")
    errors = require("pypdf.errors", "documents", "PDF checks")
    try:
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            if limits.refuse_encrypted:
                raise _refused(file_name, "the PDF is encrypted; attach it without a password")
            return (ENCRYPTED,)
        pages = len(reader.pages)
        if pages > limits.max_pages:
            raise _refused(file_name, f"has {pages:,} pages; the limit is {limits.max_pages:,}")
        total = 0
        for page in reader.pages:
            contents = page.get_contents()
            total += 0 if contents is None else len(contents.get_data())
            if total > limits.max_content_bytes:
                raise _refused(
                    file_name,
                    f"its pages decompress to more than {limits.max_content_bytes:,} bytes",
                )
        return tuple(_active(reader))
    except ValidationError:
        raise
    except (errors.PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise _refused(
            file_name, "is not a PDF that can be read (truncated or damaged)"
        ) from error
    except RecursionError as error:  # nested objects beyond Python's stack
        raise _refused(file_name, "is a PDF nested too deeply to read") from error
