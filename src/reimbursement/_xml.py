"""XML from outside the library (e-invoices, bank files), read by one hardened parser.

The parser resolves no entity, loads no DTD, reaches no network, builds no
huge tree and drops comments and processing instructions; a document that
declares a document type (``<!DOCTYPE``) is refused outright: e-invoices and
bank files have none, and it is where entity attacks (external entities,
billion laughs) hide. lxml comes with the ``[einvoice]`` and ``[payments]``
extras, so it is imported only when a document is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._extras import require
from .errors import ValidationError

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["parse_outside_xml"]


def parse_outside_xml(
    content: bytes, what: str, *, path: str, max_bytes: int, extra: str
) -> etree._Element:
    """The root element of ``content``, the ``what`` (``"bank file"``) given at ``path``.

    Raises :class:`~reimbursement.errors.ValidationError` at ``path`` for
    content over ``max_bytes``, malformed XML or a document type declaration,
    naming ``what`` was read; :class:`~reimbursement.errors.MissingExtraError`
    naming ``extra`` when lxml is not installed.
    """
    lxml_etree = require("lxml.etree", extra, f"reading the {what}")
    if len(content) > max_bytes:
        raise ValidationError.at(
            path, f"the {what} is {len(content):,} bytes; the limit is {max_bytes:,}"
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
        raise ValidationError.at(path, f"the {what} is not well-formed XML: {error}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ValidationError.at(
            path,
            f"the {what} declares a document type (<!DOCTYPE>), which no {what} has "
            "and which may hide entities that read files or the network",
        )
    return root  # type: ignore[no-any-return, unused-ignore]
