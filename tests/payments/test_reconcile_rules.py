"""Reconciliation as finance relies on it: what a statement settles, who is told, what is listed.

The companion of ``test_bank_files.py``: a statement already read (``read_camt``) settles
the same claims as its bytes, the bank's reason reaches the gateway and the claim, a
settlement given to :func:`reconcile` is the one told, every page of sent payments is
read, and an id the desk never paid is *unknown*, never *already settled*.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.payments.bank import INSURER_IBAN, OnePerPage, camt054
from tests.support import FINANCE, PROFILES, REVIEWER, submitted

from reimbursement import Money, ReimbursementDesk
from reimbursement.bootstrap import in_memory_desk
from reimbursement.errors import ValidationError
from reimbursement.payments.bankfile import BankFileGateway
from reimbursement.payments.camt import (
    BankResult,
    BankStatement,
    OpenPayment,
    match,
    open_payments,
    plan_camt,
    read_camt,
    reconcile,
)
from reimbursement.payments.iso20022 import Debtor
from reimbursement.payments.runs import PaymentRuns
from reimbursement.ports import PaymentReceipt, ReceiptStatus

AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
OTHER_IBAN = "DE89 3704 0044 0532 0130 00"


def sent(
    count: int, *, payments: Any = None, new_id: Callable[[], str] | None = None
) -> tuple[ReimbursementDesk, BankFileGateway, list[str], tuple[str, ...]]:
    """``count`` claims of 42.50 sent in one run's file: the desk, its bank-file gateway,
    the claim ids and the file's end-to-end ids (in claim order)."""
    gateway = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN))
    options: dict[str, Any] = {} if new_id is None else {"new_id": new_id}
    desk = in_memory_desk(
        reviewers=["rev-1"], customers=PROFILES, payments=payments or gateway, **options
    )
    ids = []
    for _ in range(count):
        claim = desk.approve(REVIEWER, submitted(desk).id)
        desk.approve_payment(FINANCE, claim.id)
        ids.append(claim.id)
    file = PaymentRuns(desk, bank_files=gateway).run_at(AT).file
    assert file is not None
    references = [desk.get(FINANCE, c).payment.gateway_reference for c in ids]  # type: ignore[union-attr]
    assert sorted(references) == sorted(file.end_to_end_ids)  # type: ignore[type-var]
    return desk, gateway, ids, tuple(references)  # type: ignore[arg-type]


def _states(desk: ReimbursementDesk, ids: list[str]) -> list[str]:
    return [desk.get(FINANCE, c).state.value for c in ids]


def test_a_statement_read_first_settles_what_its_bytes_settle() -> None:
    desk, gateway, ids, e2e = sent(3)
    data = camt054(
        [(e2e[0], "42.50", "paid"), (e2e[1], "42.50", "failed"), (e2e[2], "42.50", "pending")]
    )
    report = reconcile(desk, FINANCE, read_camt(data), account=INSURER_IBAN)
    assert (report.paid, report.failed, report.pending) == ((ids[0],), (ids[1],), (e2e[2],))
    assert _states(desk, ids) == ["paid", "payment_failed", "payment_approved"]
    assert gateway.status(f"{ids[0]}:payment:1").status is ReceiptStatus.SETTLED  # type: ignore[union-attr]
    again = reconcile(desk, FINANCE, read_camt(data), account=INSURER_IBAN)
    assert (again.paid, again.failed, again.already_settled) == ((), (), (e2e[0], e2e[1]))


def test_a_statement_read_for_another_account_is_refused_and_nothing_applied() -> None:
    desk, _, ids, e2e = sent(1)
    statement = read_camt(camt054([(e2e[0], "42.50", "paid")], account=OTHER_IBAN))
    with pytest.raises(ValidationError) as caught:
        reconcile(desk, FINANCE, statement, account=INSURER_IBAN)
    assert [p.path for p in caught.value.problems] == ["account"]
    assert _states(desk, ids) == ["payment_approved"]


@pytest.mark.parametrize("read_first", [False, True], ids=["bytes", "statement"])
def test_the_banks_reason_reaches_the_gateway_and_the_claim(read_first: bool) -> None:
    desk, gateway, ids, e2e = sent(1)
    data = camt054([(e2e[0], "42.50", "failed")])
    given = read_camt(data) if read_first else data
    report = reconcile(desk, FINANCE, given, account=INSURER_IBAN)
    assert report.failed == (ids[0],)
    receipt = gateway.status(f"{ids[0]}:payment:1")
    assert receipt is not None
    reason = "AC04 account closed"
    assert (receipt.status, receipt.failure_reason) == (ReceiptStatus.FAILED, reason)
    assert desk.get(FINANCE, ids[0]).payments[0].failure_reason == reason


class _Books:
    """The insurer's own settlement records, told before the desk moves a claim."""

    def __init__(self, gateway: BankFileGateway) -> None:
        self.gateway = gateway
        self.told: list[tuple[str, ReceiptStatus, str | None]] = []

    def settle(self, key: str, status: ReceiptStatus, reason: str | None = None) -> PaymentReceipt:
        self.told.append((key, status, reason))
        return self.gateway.settle(key, status, reason)


def test_the_settlement_given_is_told_rather_than_the_desks_gateway() -> None:
    desk, gateway, ids, e2e = sent(2)
    books = _Books(gateway)
    data = camt054([(e2e[0], "42.50", "paid"), (e2e[1], "42.50", "failed")])
    report = reconcile(desk, FINANCE, data, account=INSURER_IBAN, settlement=books)
    assert (report.paid, report.failed) == ((ids[0],), (ids[1],))
    assert books.told == [
        (f"{ids[0]}:payment:1", ReceiptStatus.SETTLED, None),
        (f"{ids[1]}:payment:1", ReceiptStatus.FAILED, "AC04 account closed"),
    ]


def test_an_id_the_desk_never_paid_is_unknown_not_already_settled() -> None:
    desk, _, ids, e2e = sent(2)
    reconcile(desk, FINANCE, camt054([(e2e[0], "42.50", "failed")]), account=INSURER_IBAN)
    strangers = ["NOTPROVIDED", f"{ids[0]}/2", f"{ids[1]}/1/1", "HJ5XQZ"]
    data = camt054([(e2e[0], "42.50", "failed"), *((s, "42.50", "paid") for s in strangers)])
    report = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert report.already_settled == (e2e[0],)  # its failed attempt: read before
    assert report.unknown == tuple(strangers)  # a later attempt of that claim never sent
    assert _states(desk, ids) == ["payment_failed", "payment_approved"]


def test_claim_ids_with_slashes_are_found_again_when_a_statement_is_read_twice() -> None:
    counter = itertools.count(1)
    desk, _, ids, e2e = sent(2, new_id=lambda: f"INS/2026/{next(counter)}")
    assert e2e == (f"{ids[0]}/1", f"{ids[1]}/1")  # the insurer's ids, attempt 1
    data = camt054([(e2e[0], "42.50", "paid"), (e2e[1], "42.50", "failed")])
    assert reconcile(desk, FINANCE, data, account=INSURER_IBAN).paid == (ids[0],)
    again = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert (again.already_settled, again.unknown) == (e2e, ())


def test_every_page_of_sent_payments_is_read() -> None:
    desk, _, ids, e2e = sent(3)
    paged = OnePerPage(desk)
    found = open_payments(paged, FINANCE)  # type: ignore[arg-type]
    assert found == {
        r: OpenPayment(c, desk.get(FINANCE, c).payment.amount, f"{c}:payment:1")  # type: ignore[union-attr]
        for c, r in zip(ids, e2e, strict=True)
    }
    assert paged.pages >= 3
    data = camt054([(r, "42.50", "paid") for r in e2e])
    assert set(reconcile(paged, FINANCE, data, account=INSURER_IBAN).paid) == set(ids)  # type: ignore[arg-type]


def test_only_a_payment_sent_and_not_yet_paid_or_failed_is_open() -> None:
    desk, _, ids, e2e = sent(3)
    data = camt054([(e2e[0], "42.50", "paid"), (e2e[1], "42.50", "failed")])
    reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    unsent = desk.approve(REVIEWER, submitted(desk).id).id
    desk.approve_payment(FINANCE, unsent)  # approved, in no run yet
    assert desk.get(FINANCE, unsent).state.value == "payment_approved"
    assert list(open_payments(desk, FINANCE)) == [e2e[2]]
    assert open_payments(desk, FINANCE)[e2e[2]].claim_id == ids[2]


def test_a_statement_naming_no_amount_is_mismatched_for_that_reason() -> None:
    desk, _, _, e2e = sent(1)
    data = camt054([(e2e[0], "42.50", "paid")]).replace(b'<Amt Ccy="EUR">42.50</Amt>', b"")
    plan = match(read_camt(data), open_payments(desk, FINANCE))
    assert plan.confirm == ()
    ((e2e_id, why),) = plan.mismatched
    assert e2e_id == e2e[0]
    assert why == "the bank names no amount for it; the payment is 42.50 EUR"


def test_a_statement_read_reports_the_problem_it_found_with_an_amount() -> None:
    desk, _, _, e2e = sent(2)
    data = camt054([(e2e[0], "42,50", "paid"), (e2e[1], "42.50", "paid")])
    no_currency = data.replace(b'<Amt Ccy="EUR">42.50</Amt>', b"<Amt>42.50</Amt>")
    plan = match(read_camt(no_currency), open_payments(desk, FINANCE))
    assert plan.confirm == ()
    reasons = dict(plan.mismatched)
    assert reasons[e2e[0]] == "the bank's amount '42,50' is no amount; the payment is 42.50 EUR"
    assert reasons[e2e[1]].startswith("the bank's currency '' is no ISO 4217 code")
    as_bytes = plan_camt(no_currency, open_payments(desk, FINANCE), account=INSURER_IBAN)
    assert as_bytes == plan  # an amount without its currency is no amount "not named"


def test_a_return_without_the_banks_reason_fails_as_returned_by_the_bank() -> None:
    desk, _, ids, e2e = sent(1)
    statement = BankStatement(
        "CAMT-1",
        INSURER_IBAN.replace(" ", ""),
        (BankResult(e2e[0], "failed", Money("42.50", "EUR")),),
    )
    plan = match(statement, open_payments(desk, FINANCE))
    assert plan.fail == ((ids[0], e2e[0], "returned by the bank"),)
