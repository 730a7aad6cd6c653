"""Real e-invoices and receipts made by the tests: Factur-X PDFs, CII and UBL XML, 数电票, PDFs.

ZUGFeRD/Factur-X XML is built with drafthorse and embedded into a PDF/A-3
with factur-x; the PDF pages (with a text layer) are drawn by matplotlib.
UBL and 数电票 XML are written here, following their published layouts.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

VALID_DE_VAT = "DE136695976"
INVALID_DE_VAT = "DE136695977"
FIXTURES = Path(__file__).parent / "fixtures"


def receipt_pdf(*lines: str) -> bytes:
    """A one-page PDF whose text layer holds ``lines``, top to bottom."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.27, 11.69))
    for i, line in enumerate(lines):
        figure.text(0.1, 0.92 - i * 0.04, line, fontsize=12, family="DejaVu Sans")
    out = io.BytesIO()
    figure.savefig(out, format="pdf", metadata={"CreationDate": None})
    return out.getvalue()


CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
"""Debian's fonts-wqy-microhei, which .ci/run installs: Chinese receipts are drawn with it."""


def receipt_png(*lines: str, chinese: bool = False) -> bytes:
    """A photo-like PNG of ``lines`` in black on white, large enough to read."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=CJK_FONT) if chinese else FontProperties(family="DejaVu Sans")
    figure = Figure(figsize=(6, 1 + len(lines) * 0.5), dpi=200)
    for i, line in enumerate(lines):
        y = 1 - (i + 1) / (len(lines) + 1)
        figure.text(0.05, y, line, fontsize=16, fontproperties=font)
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor="white")
    return out.getvalue()


def zugferd_xml(
    *,
    number: str = "RE-2026-0117",
    seller: str = "Stadt-Apotheke GmbH",
    vat_id: str | None = VALID_DE_VAT,
    issued: date = date(2026, 2, 26),
    net: str = "32.69",
    tax: str = "6.21",
    currency: str = "EUR",
    type_code: str = "380",
) -> bytes:
    """A ZUGFeRD 2 / Factur-X EN 16931 invoice, built and checked against its XSD by drafthorse."""
    from drafthorse.models.accounting import ApplicableTradeTax
    from drafthorse.models.document import Document
    from drafthorse.models.party import TaxRegistration
    from drafthorse.models.tradelines import LineItem

    gross = str(Decimal(net) + Decimal(tax))
    doc = Document()
    doc.context.guideline_parameter.id = "urn:cen.eu:en16931:2017"
    doc.header.id = number
    doc.header.type_code = type_code
    doc.header.issue_date_time = issued
    doc.trade.agreement.seller.name = seller
    doc.trade.agreement.seller.address.country_id = "DE"
    if vat_id is not None:
        doc.trade.agreement.seller.tax_registrations.add(TaxRegistration(id=("VA", vat_id)))
    doc.trade.agreement.buyer.name = "Ana Lima"
    doc.trade.settlement.currency_code = currency
    doc.trade.settlement.payment_means.type_code = "58"
    item = LineItem()
    item.document.line_id = "1"
    item.product.name = "Ibuprofen 400 mg"
    item.agreement.net.amount = Decimal(net)
    item.delivery.billed_quantity = (Decimal("1.0000"), "H87")
    item.settlement.trade_tax.type_code = "VAT"
    item.settlement.trade_tax.category_code = "S"
    item.settlement.trade_tax.rate_applicable_percent = Decimal("19.00")
    item.settlement.monetary_summation.total_amount = Decimal(net)
    doc.trade.items.add(item)
    trade_tax = ApplicableTradeTax()
    trade_tax.calculated_amount = Decimal(tax)
    trade_tax.basis_amount = Decimal(net)
    trade_tax.type_code = "VAT"
    trade_tax.category_code = "S"
    trade_tax.rate_applicable_percent = Decimal("19.00")
    doc.trade.settlement.trade_tax.add(trade_tax)
    total = doc.trade.settlement.monetary_summation
    total.line_total = Decimal(net)
    total.charge_total = Decimal("0.00")
    total.allowance_total = Decimal("0.00")
    total.tax_basis_total = Decimal(net)
    total.tax_total = (Decimal(tax), currency)
    total.grand_total = Decimal(gross)
    total.due_amount = Decimal(gross)
    return bytes(doc.serialize(schema="FACTUR-X_EN16931"))


def facturx_pdf(xml: bytes | None = None) -> bytes:
    """A Factur-X PDF/A-3 made by factur-x: a readable page with the invoice XML embedded."""
    from facturx import generate_from_binary

    page = receipt_pdf("Stadt-Apotheke GmbH", "Rechnung RE-2026-0117", "Summe 38.90 EUR")
    return bytes(generate_from_binary(page, xml or zugferd_xml(), check_xsd=False))


def ubl_xml(
    *,
    number: str = "INV-884",
    seller: str = "Praxis Dr. Weber",
    company_id: str | None = VALID_DE_VAT,
    issued: str = "2026-02-20",
    total: str = "119.00",
    tax: str = "19.00",
    currency: str = "EUR",
    root: str = "Invoice",
) -> bytes:
    """An XRechnung-style UBL 2.1 invoice (the elements EN 16931 makes mandatory for these)."""
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    tax_scheme = (
        f"<cac:PartyTaxScheme><cbc:CompanyID>{company_id}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if company_id
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{ns}"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>{issued}</cbc:IssueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Weber</cbc:Name></cac:PartyName>
    {tax_scheme}
    <cac:PartyLegalEntity><cbc:RegistrationName>{seller}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:TaxTotal><cbc:TaxAmount currencyID="{currency}">{tax}</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:TaxExclusiveAmount currencyID="{currency}">100.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{currency}">{total}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="{currency}">{total}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</{root}>""".encode()


def cn_fully_digital_xml() -> bytes:
    """The 数电票 fixture shipped with the tests (see its comment for what it holds)."""
    return (FIXTURES / "cn-fully-digital-invoice.xml").read_bytes()
