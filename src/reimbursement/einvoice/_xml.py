"""XML from outside, parsed as hostile: no DTD, no entities, no network, bounded size.

Every e-invoice reader parses through :func:`parse`: the library's one
hardened parser of outside XML (``reimbursement._xml``), which refuses a
document type declaration outright (where "billion laughs" and external
entities live: reading ``file:///etc/passwd`` or a URL into the document)
and tells lxml not to resolve entities, load a DTD or touch the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._xml import parse_outside_xml

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["MAX_XML_SIZE", "parse", "text_at"]

MAX_XML_SIZE = 5 * 1024 * 1024
"""The largest e-invoice XML read: 5 MiB (real ones are a few kilobytes)."""


def parse(content: bytes, what: str) -> etree._Element:
    """The root element of ``content``, an XML document from outside.

    Raises :class:`~reimbursement.errors.ValidationError` for content over
    :data:`MAX_XML_SIZE`, malformed XML, or XML with a document type
    declaration (``<!DOCTYPE``), naming ``what`` was read.
    """
    return parse_outside_xml(
        content, what, path="content", max_bytes=MAX_XML_SIZE, extra="einvoice"
    )


def text_at(root: etree._Element, path: str, namespaces: dict[str, str]) -> str | None:
    """The text of the first element at ``path`` (XPath), its spaces collapsed, or ``None``."""
    found = root.xpath(path, namespaces=namespaces)
    if not isinstance(found, list) or not found:
        return None
    first = found[0]
    text = first if isinstance(first, str) else getattr(first, "text", None)
    if text is None:
        return None
    text = " ".join(str(text).split())  # one line: a name broken over lines reads as one
    return text or None
