"""add_einvoice: the line an e-invoice fills in, its receipt, its sources, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from einvoice.makers import (
    INVALID_DE_VAT,
    cn_fully_digital_xml,
    facturx_pdf,
    ubl_xml,
    zugferd_xml,
)
from reimbursement import ClaimState, Money, ReimbursementDesk
from reimbursement.claims import EventType
from reimbursement.domain.straight_through import (
    AutoApprovalRule,
    RandomSampler,
    StraightThroughRules,
)
from reimbursement.einvoice import EInvoiceFlags, line_sources
from reimbursement.errors import AuthorizationError, ValidationError
from reimbursement.service.straight_through import StraightThroughReview
from support import ANA, BEN, REVIEWER

MakeDesk = Callable[..., ReimbursementDesk]


def test_a_factur_x_invoice_fills_in_its_line_and_is_its_receipt(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(ANA)
    pdf = facturx_pdf()
    claim = desk.add_einvoice(ANA, draft.id, "rechnung.pdf", pdf, category="pharmacy")
    (line,) = claim.lines
    assert (line.category, line.provider) == ("pharmacy", "Stadt-Apotheke GmbH")
    assert line.incurred_on == date(2026, 2, 26)
    assert line.amount == Money("38.90", "EUR")
    assert line.description == "Invoice RE-2026-0117"
    assert line.tax == Money("6.21", "EUR")  # a field of the line, in the invoice's currency
    (document,) = claim.attachments
    assert line.attachment_ids == (document.id,)
    assert document.media_type == "application/pdf"
    assert desk.adapters.documents.get(document.id) == pdf
    sources = line_sources(desk.get(REVIEWER, claim.id), line.id)
    assert sources["source.provider"].startswith("rechnung.pdf > factur-x.xml: /rsm:")
    assert sources["source.amount"].endswith("ram:GrandTotalAmount")
    assert sources["einvoice.seller_tax_id.valid"] == "yes"
    assert desk.submit(ANA, claim.id).state is ClaimState.IN_REVIEW


def test_an_xml_invoice_is_kept_as_xml_and_converted_to_the_policy_currency(
    make_desk: MakeDesk,
) -> None:
    desk = make_desk(fx_rates={("CNY", "EUR", date(2026, 2, 25)): Decimal("0.1300")})
    draft = desk.start_draft(ANA)
    claim = desk.add_einvoice(
        ANA, draft.id, "fapiao.xml", cn_fully_digital_xml(), category="pharmacy"
    )
    (line,) = claim.lines
    assert line.amount == Money("300.00", "CNY")
    assert line.claimed == Money("39.00", "EUR")
    assert line.tax == Money("34.51", "CNY")  # as on the invoice, not converted
    assert claim.attachments[0].media_type == "application/xml"
    assert (
        line_sources(desk.get(REVIEWER, claim.id), line.id)["einvoice.seller_tax_id.scheme"]
        == "cn.uscc"
    )
    submitted = desk.submit(ANA, claim.id)
    assert submitted.state is ClaimState.IN_REVIEW


def test_the_customer_may_correct_a_filled_in_line_before_submitting(
    desk: ReimbursementDesk,
) -> None:
    from reimbursement import ClaimPatch, LinePatch

    claim = desk.add_einvoice(ANA, desk.start_draft(ANA).id, "i.xml", ubl_xml(), category="dental")
    fixed = desk.update_draft(
        ANA, claim.id, ClaimPatch(change_lines=[LinePatch("L1", provider="Dr. Weber")])
    )
    assert fixed.lines[0].provider == "Dr. Weber"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<Invoice", "not well-formed"),
        (ubl_xml(root="CreditNote"), "credit note"),
        (ubl_xml(issued="2027-01-01"), "incurred_on"),
    ],
)
def test_a_refused_invoice_adds_nothing_and_stores_nothing(
    desk: ReimbursementDesk, content: bytes, message: str
) -> None:
    draft = desk.start_draft(ANA)
    with pytest.raises(ValidationError, match=message):
        desk.add_einvoice(ANA, draft.id, "i.xml", content, category="pharmacy")
    after = desk.get(REVIEWER, draft.id)
    assert after.version == draft.version
    assert not after.lines
    assert not after.attachments
    assert len(desk.adapters.documents) == 0  # type: ignore[arg-type]


def test_only_the_drafts_customer_adds_invoices(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(ANA)
    with pytest.raises(AuthorizationError):
        desk.add_einvoice(BEN, draft.id, "i.xml", ubl_xml(), category="pharmacy")
    assert len(desk.adapters.documents) == 0  # type: ignore[arg-type]


def test_a_repeated_request_adds_the_line_once(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(ANA)
    xml = zugferd_xml()
    first = desk.add_einvoice(ANA, draft.id, "i.xml", xml, category="pharmacy", request_id="r1")
    again = desk.add_einvoice(ANA, draft.id, "i.xml", xml, category="pharmacy", request_id="r1")
    assert again.version == first.version
    assert len(again.lines) == 1
    assert len(desk.adapters.documents) == 1  # type: ignore[arg-type]


def test_an_invalid_seller_tax_id_keeps_the_claim_from_going_straight_through(
    make_desk: MakeDesk,
) -> None:
    rules = StraightThroughRules("v1", (AutoApprovalRule("any", Money("500.00", "EUR")),))
    review = StraightThroughReview(rules, sampler=RandomSampler(3), flags=EInvoiceFlags())
    desk = make_desk(straight_through=review)

    def submit(xml: bytes) -> ClaimState:
        claim = desk.add_einvoice(ANA, desk.start_draft(ANA).id, "i.xml", xml, category="pharmacy")
        return desk.submit(ANA, claim.id).state

    assert submit(zugferd_xml()) is ClaimState.PAYMENT_REQUESTED
    # another day's invoice: the same expense twice would be flagged as a duplicate too
    other_day = zugferd_xml(vat_id=INVALID_DE_VAT, issued=date(2026, 2, 27))
    assert submit(other_day) is ClaimState.IN_REVIEW
    flagged = desk.claims_in(REVIEWER, [ClaimState.IN_REVIEW]).items[0]
    decided = [e for e in flagged.events if e.type is EventType.STRAIGHT_THROUGH_DECIDED]
    assert decided[0].reason == f"flagged invalid_seller_tax_id: L1: {INVALID_DE_VAT}"


def test_a_tax_exempt_invoice_fills_in_a_line_with_zero_tax(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(ANA)
    claim = desk.add_einvoice(
        ANA, draft.id, "arzt.xml", ubl_xml(total="100.00", tax="0.00"), category="medical"
    )
    assert claim.lines[0].tax == Money("0.00", "EUR")


def test_an_invoice_whose_tax_is_above_its_total_adds_nothing(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(ANA)
    with pytest.raises(ValidationError, match=r"tax total 190\.00 EUR is more than"):
        desk.add_einvoice(ANA, draft.id, "i.xml", ubl_xml(tax="190.00"), category="dental")
    assert desk.get(REVIEWER, draft.id).lines == ()
    assert len(desk.adapters.documents) == 0  # type: ignore[arg-type]
