"""XML from outside, parsed as hostile: no DTD, no entities, no network, bounded size.

Every e-invoice reader parses through :func:`parse`. An XML document with a
document type declaration is refused outright: e-invoices never need one,
and it is where entity expansion ("billion laughs") and external entities
(XXE: reading ``file:///etc/passwd`` or a URL into the document) live.
lxml is told, besides, not to resolve entities, not to load a DTD and not
to touch the network, so a declaration the check missed could still do
nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._extras import require
from ..errors import ValidationError

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
    lxml_etree = require("lxml.etree", "einvoice", "reading e-invoices")
    if len(content) > MAX_XML_SIZE:
        raise ValidationError.at(
            "content", f"the {what} is {len(content):,} bytes; the limit is {MAX_XML_SIZE:,}"
        )
    parser = lxml_etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = lxml_etree.fromstring(content, parser)
    except lxml_etree.XMLSyntaxError as error:
        raise ValidationError.at(
            "content", f"the {what} is not well-formed XML: {error}"
        ) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ValidationError.at(
            "content",
            f"the {what} declares a document type (<!DOCTYPE>): e-invoices have none, "
            "and it may hide entities that read files or the network",
        )
    return root  # type: ignore[no-any-return, unused-ignore]


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
