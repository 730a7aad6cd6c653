"""The three structured invoices read, element by element: CII, UBL and China's 数电票.

Each reader takes the parsed root and a ``where`` prefix (the file the XML
came from) and gives an :class:`~._model.EInvoice` whose every value names
the element it was read from (``factur-x.xml: /rsm:CrossIndustryInvoice/…``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from ..domain.money import Money
from ..errors import ValidationError
from ._model import EInvoice, EInvoiceFormat, Sourced, money_at, require_value
from ._taxids import check_tax_id
from ._xml import text_at

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["CII", "CN_ROOT", "UBL", "read_cii", "read_cn", "read_ubl"]

CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UBL = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CN_ROOT = "EInvoice"

# invoice type codes (UNTDID 1001) that are an expense: commercial, corrected,
# self-billed, prepayment and the factored / partial ones; not credit notes (381)
_INVOICE_TYPES = frozenset({"380", "383", "384", "386", "389", "751", "875", "876", "877"})


class _Reader:
    """Reads values of one document, each with its source."""

    def __init__(self, root: etree._Element, where: str, namespaces: dict[str, str]) -> None:
        self.root = root
        self.where = where
        self.namespaces = namespaces

    def source(self, path: str) -> str:
        return f"{self.where}: {path}"

    def text(self, path: str) -> str | None:
        return text_at(self.root, path, self.namespaces)

    def required(self, path: str, what: str) -> Sourced[str]:
        return Sourced(require_value(self.text(path), path, what), self.source(path))

    def tax(self, path: str, currency: str, what: str) -> Sourced[Money] | None:
        """The tax total at ``path`` when the invoice states one (zero is a tax too)."""
        text = self.text(path)
        if not text:
            return None
        return Sourced(money_at(text, currency, path, what, zero=True), self.source(path))


def _day(text: str, form: str, what: str) -> date:
    try:
        return datetime.strptime(text, form).date()  # noqa: DTZ007 (a day, no time of day)
    except ValueError:
        raise ValidationError.at(
            "content", f"the invoice's {what} {text[:40]!r} is not a date"
        ) from None


_CII_DOC = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
_CII_DEAL = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
_CII_SELLER = f"{_CII_DEAL}/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
_CII_SETTLEMENT = f"{_CII_DEAL}/ram:ApplicableHeaderTradeSettlement"
_CII_SUM = f"{_CII_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def read_cii(root: etree._Element, where: str, kind: EInvoiceFormat) -> EInvoice:
    """A Cross Industry Invoice (Factur-X, ZUGFeRD 2, XRechnung CII)."""
    r = _Reader(root, where, CII)
    type_code = r.text(f"{_CII_DOC}/ram:TypeCode")
    if type_code is not None and type_code not in _INVOICE_TYPES:
        raise ValidationError.at(
            "content",
            f"the document is of type {type_code[:10]!r}, not an invoice (a credit note?)",
        )
    issued_path = f"{_CII_DOC}/ram:IssueDateTime/udt:DateTimeString"
    issued = r.required(issued_path, "issue date")
    currency_path = f"{_CII_SETTLEMENT}/ram:InvoiceCurrencyCode"
    currency = r.text(currency_path)
    total_path = f"{_CII_SUM}/ram:GrandTotalAmount"
    total = money_at(r.text(total_path), currency, total_path, "grand total")
    # tax may be stated twice, in the invoice's currency and in the tax currency
    tax_path = f"{_CII_SUM}/ram:TaxTotalAmount[not(@currencyID) or @currencyID='{total.currency}']"
    tax = r.tax(tax_path, total.currency, "tax total")
    tax_id_path = f"{_CII_SELLER}/ram:SpecifiedTaxRegistration/ram:ID"
    tax_id = r.text(tax_id_path)
    scheme = r.text(f"{tax_id_path}/@schemeID")
    return EInvoice(
        kind,
        r.required(f"{_CII_DOC}/ram:ID", "invoice number"),
        r.required(f"{_CII_SELLER}/ram:Name", "seller name"),
        Sourced(_day(issued.value, "%Y%m%d", "issue date"), issued.source),
        Sourced(total, r.source(total_path)),
        tax,
        check_tax_id(tax_id, scheme, r.source(tax_id_path)) if tax_id else None,
    )


_UBL_SELLER = "/inv:Invoice/cac:AccountingSupplierParty/cac:Party"


def read_ubl(root: etree._Element, where: str) -> EInvoice:
    """An OASIS UBL 2.1 invoice (XRechnung UBL, Peppol BIS Billing 3)."""
    r = _Reader(root, where, UBL)
    issued = r.required("/inv:Invoice/cbc:IssueDate", "issue date")
    total_path = "/inv:Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"
    currency = r.text(f"{total_path}/@currencyID") or r.text(
        "/inv:Invoice/cbc:DocumentCurrencyCode"
    )
    total = money_at(r.text(total_path), currency, total_path, "total with tax")
    tax_path = f"/inv:Invoice/cac:TaxTotal/cbc:TaxAmount[@currencyID='{total.currency}']"
    tax = r.tax(tax_path, total.currency, "tax total")
    seller_path = f"{_UBL_SELLER}/cac:PartyLegalEntity/cbc:RegistrationName"
    if r.text(seller_path) is None:
        seller_path = f"{_UBL_SELLER}/cac:PartyName/cbc:Name"
    tax_id_path = f"{_UBL_SELLER}/cac:PartyTaxScheme/cbc:CompanyID"
    tax_id = r.text(tax_id_path)
    return EInvoice(
        EInvoiceFormat.UBL,
        r.required("/inv:Invoice/cbc:ID", "invoice number"),
        r.required(seller_path, "seller name"),
        Sourced(_day(issued.value, "%Y-%m-%d", "issue date"), issued.source),
        Sourced(total, r.source(total_path)),
        tax,
        check_tax_id(tax_id, None, r.source(tax_id_path)) if tax_id else None,
    )


_CN_DATA = "/EInvoice/EInvoiceData"
_CN_BASIC = f"{_CN_DATA}/BasicInformation"
_CN_SELLER = f"{_CN_DATA}/SellerInformation"


def read_cn(root: etree._Element, where: str) -> EInvoice:
    """China's fully digital e-invoice (数电票) XML: see ``docs/einvoices.md`` for the elements."""
    r = _Reader(root, where, {})
    number = r.required("/EInvoice/TaxSupervisionInfo/InvoiceNumber", "invoice number (发票号码)")
    issued_path = "/EInvoice/TaxSupervisionInfo/IssueTime"
    issued = r.required(issued_path, "issue time (开票日期)")
    total_path = f"{_CN_BASIC}/TotalTax-includedAmount"
    total = money_at(r.text(total_path), "CNY", total_path, "total with tax (价税合计)")
    tax_path = f"{_CN_BASIC}/TotalTaxAm"
    tax = r.tax(tax_path, "CNY", "tax total (税额)")
    tax_id_path = f"{_CN_SELLER}/SellerIdNum"
    tax_id = r.text(tax_id_path)
    return EInvoice(
        EInvoiceFormat.CN_FULLY_DIGITAL,
        number,
        r.required(f"{_CN_SELLER}/SellerName", "seller name (销售方名称)"),
        Sourced(_day(issued.value[:10], "%Y-%m-%d", "issue time"), issued.source),
        Sourced(total, r.source(total_path)),
        tax,
        check_tax_id(tax_id, "cn.uscc", r.source(tax_id_path)) if tax_id else None,
    )
