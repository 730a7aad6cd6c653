"""What the tests of large claims on SQL share: a desk on a database, its people."""

from __future__ import annotations

from reimbursement import Actor, CustomerProfile, DeskSettings, ReimbursementDesk, sql_desk
from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryDocumentStore, ManualClock
from reimbursement.payments import iban_for
from reimbursement.testing import AT

CUSTOMER = Actor.customer("cust-1")
REVIEWER = Actor.reviewer("rev-1")
PROFILE = CustomerProfile(
    "cust-1", "Ana Lima", "POL-1", "EUR", payee_account=iban_for("DE", "370400440532013000")
)


def desk_on(url: str) -> ReimbursementDesk:
    """A desk on a freshly upgraded database at ``url`` that asks for no receipts."""
    sql.upgrade(url)
    return sql_desk(
        url,
        documents=InMemoryDocumentStore(),
        customers=[PROFILE],
        reviewers=["rev-1"],
        clock=ManualClock(AT),
        settings=DeskSettings(require_receipts=False),
    )
