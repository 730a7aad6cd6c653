"""Reading structured e-invoices: Factur-X PDFs, CII and UBL XML, 数电票; hostile XML refused."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest

from reimbursement import Money
from reimbursement.einvoice import MAX_XML_SIZE, EInvoiceFormat, read_einvoice
from reimbursement.errors import ValidationError

from .makers import (
    INVALID_DE_VAT,
    VALID_DE_VAT,
    cn_fully_digital_xml,
    facturx_pdf,
    receipt_pdf,
    ubl_xml,
    zugferd_xml,
)


def test_a_factur_x_pdf_gives_seller_day_total_tax_and_where_each_came_from() -> None:
    invoice = read_einvoice(facturx_pdf(), "rechnung.pdf")
    assert invoice.format is EInvoiceFormat.FACTUR_X
    assert invoice.number.value == "RE-2026-0117"
    assert invoice.seller.value == "Stadt-Apotheke GmbH"
    assert invoice.issued_on.value == date(2026, 2, 26)
    assert invoice.total.value == Money("38.90", "EUR")
    assert invoice.tax is not None
    assert invoice.tax.value == Money("6.21", "EUR")
    assert invoice.seller.source == (
        "rechnung.pdf > factur-x.xml: /rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
        "/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:Name"
    )
    assert invoice.total.source.endswith("ram:GrandTotalAmount")
    assert invoice.seller_tax_id is not None
    assert (invoice.seller_tax_id.number, invoice.seller_tax_id.valid) == (VALID_DE_VAT, True)


def test_cii_xml_alone_is_read_too() -> None:
    invoice = read_einvoice(zugferd_xml(number="X-1", net="100.00", tax="19.00"), "x.xml")
    assert invoice.format is EInvoiceFormat.CII
    assert invoice.total.value == Money("119.00", "EUR")
    assert invoice.number.source == "x.xml: /rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID"


def test_an_invalid_seller_vat_id_is_kept_and_marked_invalid() -> None:
    invoice = read_einvoice(zugferd_xml(vat_id=INVALID_DE_VAT))
    assert invoice.seller_tax_id is not None
    assert invoice.seller_tax_id.valid is False
    assert invoice.sources()["einvoice.seller_tax_id.valid"] == "no"


def test_a_ubl_invoice_gives_its_values_and_checks_the_vat_id() -> None:
    invoice = read_einvoice(ubl_xml(), "xrechnung.xml")
    assert invoice.format is EInvoiceFormat.UBL
    assert invoice.seller.value == "Praxis Dr. Weber"
    assert invoice.issued_on.value == date(2026, 2, 20)
    assert invoice.total.value == Money("119.00", "EUR")
    assert invoice.tax is not None
    assert invoice.tax.value == Money("19.00", "EUR")
    assert invoice.seller_tax_id is not None
    assert (invoice.seller_tax_id.scheme, invoice.seller_tax_id.valid) == ("eu.vat", True)
    bad = read_einvoice(ubl_xml(company_id=INVALID_DE_VAT)).seller_tax_id
    assert bad is not None
    assert bad.valid is False


def test_the_cn_fully_digital_invoice_fixture_is_read_with_its_uscc_checked() -> None:
    invoice = read_einvoice(cn_fully_digital_xml(), "dzfp.xml")
    assert invoice.format is EInvoiceFormat.CN_FULLY_DIGITAL
    assert invoice.number.value == "26312000000000004821"
    assert invoice.seller.value == "上海仁和大药房有限公司"
    assert invoice.issued_on.value == date(2026, 2, 25)
    assert invoice.total.value == Money("300.00", "CNY")
    assert invoice.tax is not None
    assert invoice.tax.value == Money("34.51", "CNY")
    assert invoice.seller_tax_id is not None
    assert invoice.seller_tax_id.scheme == "cn.uscc"
    assert invoice.seller_tax_id.valid is True
    assert (
        invoice.total.source
        == "dzfp.xml: /EInvoice/EInvoiceData/BasicInformation/TotalTax-includedAmount"
    )


def test_a_cn_invoice_with_a_wrong_uscc_check_character_is_marked_invalid() -> None:
    xml = cn_fully_digital_xml().replace(b"91310115MA1K3Y4Q8B", b"91310115MA1K3Y4Q8C")
    tax_id = read_einvoice(xml).seller_tax_id
    assert tax_id is not None
    assert tax_id.valid is False


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE EInvoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<EInvoice><EInvoiceData><SellerInformation><SellerName>&secret;</SellerName>
</SellerInformation></EInvoiceData></EInvoice>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<EInvoice>&lol3;</EInvoice>"""

NETWORK_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS, NETWORK_DTD], ids=["xxe", "laughs", "dtd"])
def test_xml_with_a_document_type_is_refused_before_anything_is_read(xml: bytes) -> None:
    with pytest.raises(ValidationError, match="declares a document type"):
        read_einvoice(xml)


def test_an_xxe_file_leaks_nothing_even_in_the_error() -> None:
    with pytest.raises(ValidationError) as caught:
        read_einvoice(XXE)
    assert "root:" not in str(caught.value)


def test_a_pdf_embedding_an_xxe_as_its_invoice_is_refused() -> None:
    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(io.BytesIO(receipt_pdf("Rechnung"))))
    writer.add_attachment("factur-x.xml", XXE)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError, match="declares a document type"):
        read_einvoice(out.getvalue())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (receipt_pdf("Summe 12.00 EUR"), "embeds no invoice XML"),
        (b"%PDF-1.7\n garbage", "cannot be read"),
        (b"\x89PNG\r\n\x1a\n", "neither a PDF nor XML"),
        (b"<html><body>invoice</body></html>", "is not a CII, UBL"),
        (b"<Invoice", "not well-formed"),
        (ubl_xml(root="CreditNote"), "credit note"),
        (zugferd_xml(type_code="381"), "not an invoice"),
        (ubl_xml(total="-5.00"), "an expense is above zero"),
        (ubl_xml(currency="XYZ"), "not ISO 4217"),
        (ubl_xml(issued="2026-02-30"), "is not a date"),
        (ubl_xml(total="1e9999"), "is not an amount"),
        (b"<" + b" " * MAX_XML_SIZE, "limit is"),
    ],
    ids=[
        "plain-pdf",
        "broken-pdf",
        "png",
        "html",
        "truncated",
        "credit-note",
        "cii-credit-note",
        "negative",
        "currency",
        "date",
        "huge-number",
        "too-large",
    ],
)
def test_what_is_not_a_readable_invoice_is_refused_saying_why(
    content: bytes, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        read_einvoice(content)


def test_an_invoice_without_a_total_names_the_missing_element() -> None:
    xml = ubl_xml().replace(b"TaxInclusiveAmount", b"Other")
    with pytest.raises(ValidationError, match="TaxInclusiveAmount"):
        read_einvoice(xml)


def test_a_name_broken_over_lines_in_the_xml_reads_as_one_line() -> None:
    invoice = read_einvoice(ubl_xml(seller="Praxis\n      Dr.  Weber"))
    assert invoice.seller.value == "Praxis Dr. Weber"
