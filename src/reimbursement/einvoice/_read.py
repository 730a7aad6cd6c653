"""One entry for every structured invoice: :func:`read_einvoice`."""

from __future__ import annotations

import io

from .._extras import require
from ..domain.checks import require_text
from ..domain.documents import MAX_FILE_NAME_LENGTH
from ..errors import ValidationError
from ._model import EInvoice, EInvoiceFormat
from ._readers import CII, CN_ROOT, UBL, read_cii, read_cn, read_ubl
from ._xml import MAX_XML_SIZE, parse

__all__ = ["EMBEDDED_NAMES", "read_einvoice"]

EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml")
"""The names under which Factur-X, ZUGFeRD 1 and 2 and XRechnung PDFs embed their XML."""

_CII_ROOT = f"{{{CII['rsm']}}}CrossIndustryInvoice"
_UBL_ROOT = f"{{{UBL['inv']}}}Invoice"
_UBL_CREDIT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"


def read_einvoice(content: bytes, name: str = "invoice") -> EInvoice:
    """What the structured invoice ``content`` says: a Factur-X/ZUGFeRD PDF, or XML.

    ``name`` (the file's name) starts each value's source: ``invoice.pdf >
    factur-x.xml: /rsm:CrossIndustryInvoice/…``.

    XML is an XRechnung/UN CEFACT CII, an OASIS UBL 2.1 invoice, or China's
    fully digital e-invoice (数电票). No OCR: only the invoice's own data.
    Raises :class:`~reimbursement.errors.ValidationError` for anything else
    (a PDF without invoice XML, a credit note, a missing total, hostile
    XML) and :class:`~reimbursement.errors.MissingExtraError` without the
    ``[einvoice]`` extra.
    """
    require_text("name", name, MAX_FILE_NAME_LENGTH, empty=False)
    if not isinstance(content, bytes | bytearray):
        raise ValidationError.at("content", "must be bytes (the file's content)")
    content = bytes(content)
    if content.startswith(b"%PDF-"):
        embedded, xml = _embedded_xml(content)
        return _read_xml(xml, f"{name} > {embedded}", EInvoiceFormat.FACTUR_X)
    if content.lstrip()[:1] == b"<" or content.startswith(b"\xef\xbb\xbf"):
        return _read_xml(content, name, EInvoiceFormat.CII)
    raise ValidationError.at(
        "content", "is neither a PDF nor XML: not a structured invoice this library reads"
    )


def _read_xml(content: bytes, where: str, cii: EInvoiceFormat) -> EInvoice:
    root = parse(content, "invoice XML")
    tag = root.tag
    if tag == _CII_ROOT:
        return read_cii(root, where, cii)
    if tag == _UBL_ROOT:
        return read_ubl(root, where)
    if tag == CN_ROOT:
        return read_cn(root, where)
    if tag == _UBL_CREDIT:
        raise ValidationError.at("content", "this is a credit note, not an invoice")
    shown = str(tag)[:80]
    raise ValidationError.at(
        "content", f"the XML's root {shown!r} is not a CII, UBL or 数电票 invoice"
    )


def _embedded_xml(pdf: bytes) -> tuple[str, bytes]:
    """The invoice XML a Factur-X/ZUGFeRD PDF embeds, and its name.

    Taken out with pypdf's attachment list, bounded by pypdf's own caps on
    decompressed streams. Not with ``facturx.get_xml_from_pdf``: it parses
    every candidate with lxml's default parser before handing it back, and
    hostile XML is parsed here only by :func:`~._xml.parse`.
    """
    pypdf = require("pypdf", "einvoice", "reading Factur-X and ZUGFeRD PDFs")
    wanted = {name.lower() for name in EMBEDDED_NAMES}
    try:
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted:
            raise ValidationError.at("content", "the PDF is encrypted: send it unencrypted")
        found = [a for a in reader.attachment_list if str(a.name).lower() in wanted]
        name, xml = (str(found[0].name), bytes(found[0].content)) if found else ("", b"")
    except ValidationError:
        raise
    except Exception as error:  # pypdf raises many kinds for a broken or hostile file
        raise ValidationError.at(
            "content", f"the PDF cannot be read for an embedded invoice ({type(error).__name__})"
        ) from None
    if not xml:
        raise ValidationError.at(
            "content",
            "the PDF embeds no invoice XML (" + ", ".join(EMBEDDED_NAMES) + "): it is not a "
            "Factur-X or ZUGFeRD invoice; attach it as a receipt and type the line",
        )
    if len(xml) > MAX_XML_SIZE:
        raise ValidationError.at("content", "the PDF's embedded invoice XML is too large")
    return name, xml
