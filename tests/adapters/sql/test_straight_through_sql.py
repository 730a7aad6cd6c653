"""Claims approved straight through, and lines read from e-invoices, stored and read back."""

from __future__ import annotations

from pathlib import Path

from einvoice.makers import zugferd_xml
from reimbursement import ClaimState, Money, sql_desk
from reimbursement.adapters import sql
from reimbursement.einvoice import EInvoiceFlags, line_sources
from reimbursement.straight_through import (
    AutoApprovalRule,
    RandomSampler,
    StraightThroughReview,
    StraightThroughRules,
    straight_through_decision,
)
from support import ANA, FINANCE, PROFILES, REVIEWER

RULES = StraightThroughRules("v7", (AutoApprovalRule("small", Money("100.00", "EUR")),))


def test_a_straight_through_claim_reads_back_as_it_was_decided(
    database_url: str, tmp_path: Path
) -> None:
    sql.upgrade(database_url)
    review = StraightThroughReview(RULES, sampler=RandomSampler(5), flags=EInvoiceFlags())
    with sql_desk(
        database_url, documents=tmp_path / "docs", customers=PROFILES, straight_through=review
    ) as desk:
        draft = desk.start_draft(ANA)
        draft = desk.add_einvoice(ANA, draft.id, "re.xml", zugferd_xml(), category="pharmacy")
        submitted = desk.submit(ANA, draft.id)  # what the customer sees
        assert submitted.state is ClaimState.PAYMENT_REQUESTED
        claim = desk.get(REVIEWER, submitted.id)  # the whole claim, as staff see it
    with sql_desk(database_url, documents=tmp_path / "docs", customers=PROFILES) as again:
        stored = again.get(REVIEWER, claim.id)  # read back, every invariant checked
        assert stored == claim
        decision = straight_through_decision(stored)
        assert decision is not None
        assert (decision.automatic, decision.rule, decision.version) == (True, "small", "v7")
        assert line_sources(stored, "L1")["einvoice.number"] == "RE-2026-0117"
        paid = again.approve_payment(FINANCE, claim.id)
        assert paid.state is ClaimState.PAYMENT_APPROVED
