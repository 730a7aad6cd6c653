"""A claim's payment history and pre-fill sources survive the database, read by another store."""

from __future__ import annotations

from datetime import timedelta

import attrs

from reimbursement import Actor
from reimbursement.adapters import sql
from reimbursement.domain import commands as cmd
from reimbursement.payments import iban_for
from reimbursement.testing import AT, approved, in_review

FINANCE = Actor.finance("fin-2")
BANK = Actor("bank", "system")


def test_a_new_account_and_a_late_settlement_read_back_from_another_store(
    store: sql.SqlClaimStore,
) -> None:
    claim = approved(in_review("claim-1"))
    at = AT + timedelta(hours=1)
    claim = cmd.request_payment(claim, BANK, at)
    claim = cmd.approve_payment(claim, BANK, at)
    claim = cmd.send_payment(claim, BANK, at, "GW-1")
    claim = cmd.cancel_payment(claim, FINANCE, at, "no news")
    claim = cmd.change_payee(claim, FINANCE, at, iban_for("NL", "ABNA0417164300"))
    claim = cmd.report_discrepancy(claim, BANK, at, "GW-1")
    claim = attrs.evolve(claim, prefilled={"payee_account": "last_claim", "name": "directory"})
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    with sql.create(store.engine) as reader, reader.unit_of_work() as uow:
        read = uow.claims.get("claim-1")
    assert read == claim
    assert read.payments[-1].payee_changed_by == FINANCE.id
    assert [d.reference for d in read.payment_discrepancies] == ["GW-1"]
    assert read.prefilled == claim.prefilled
