"""The bank-file gateway's ledger in SQL: a restarted gateway still knows what it filed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
from tests.payments.bank import INSURER_IBAN, assert_valid

from reimbursement.adapters import sql
from reimbursement.errors import PaymentError
from reimbursement.payments.bankfile import BankFileGateway, Payee
from reimbursement.payments.iso20022 import Debtor, PostalAddress
from reimbursement.payments.ledger import LedgerEntry
from reimbursement.ports import PaymentGateway, PaymentReceipt, ReceiptStatus
from reimbursement.testing import BankLedgerContract, BankSettlementContract

AT = datetime(2026, 12, 1, 10, tzinfo=UTC)


def _gateway(store: sql.SqlClaimStore) -> BankFileGateway:
    return BankFileGateway(
        Debtor("Insurer AG", INSURER_IBAN),
        payee_of=lambda instruction: Payee(f"Customer of {instruction.claim_id}"),
        ledger=sql.SqlBankLedger(store.engine),
    )


class TestSqlBankLedger(BankLedgerContract):
    @pytest.fixture
    def ledger(self, store: sql.SqlClaimStore) -> sql.SqlBankLedger:
        return sql.SqlBankLedger(store.engine)


class TestBankFileGatewayOnSql(BankSettlementContract):
    @pytest.fixture
    def gateway(self, store: sql.SqlClaimStore) -> BankFileGateway:
        return _gateway(store)

    def payouts(self, gateway: PaymentGateway) -> Sequence[str]:
        assert isinstance(gateway, BankFileGateway)
        return gateway.payouts()


@pytest.fixture
def two_processes(database_url: str) -> Iterator[tuple[sql.SqlClaimStore, sql.SqlClaimStore]]:
    sql.upgrade(database_url)
    first, second = sql.create(database_url), sql.create(database_url)
    yield first, second
    first.close()
    second.close()


def test_a_restarted_gateway_refuses_to_cancel_a_key_it_wrote_into_a_file(
    two_processes: tuple[sql.SqlClaimStore, sql.SqlClaimStore],
) -> None:
    before, after = two_processes
    gateway = _gateway(before)
    contract = TestBankFileGatewayOnSql()
    filed, queued = "claim-1:payment:1", "claim-2:payment:1"
    receipt = gateway.pay(contract.instruction(filed))
    written = gateway.write_file("RUN-1", AT, AT.date())
    assert written is not None
    assert written.end_to_end_ids == ("claim-1/1",)
    gateway.pay(contract.instruction(queued))

    restarted = _gateway(after)  # the first process is gone with its queue
    with pytest.raises(PaymentError, match=r"in bank file RUN-1 already.*ask the bank") as raised:
        restarted.cancel(filed)
    assert "camt.054" in str(raised.value)
    assert restarted.status(filed) == receipt, "a refused cancel changed the receipt"
    assert restarted.pay(contract.instruction(filed)) == receipt  # no second payment
    assert restarted.queued() == [queued]  # the queue is in the ledger: it survived
    with pytest.raises(PaymentError, match="another amount"):
        restarted.pay(contract.instruction(filed, "999.00"))
    # the queued key never reached a file: cancelling it is true, and no file carries it
    assert restarted.cancel(queued).status is ReceiptStatus.CANCELLED
    assert gateway.write_file("RUN-2", AT, AT.date()) is None
    settled = restarted.settle(filed, ReceiptStatus.SETTLED)
    assert _gateway(before).status(filed) == settled
    assert assert_valid(written.content, "pain.001.001.09") is not None


def test_a_key_never_taken_is_cancelled_for_good_across_a_restart(
    two_processes: tuple[sql.SqlClaimStore, sql.SqlClaimStore],
) -> None:
    before, after = two_processes
    key = "claim-9:payment:1"
    cancelled = _gateway(before).cancel(key)
    assert cancelled.status is ReceiptStatus.CANCELLED
    restarted = _gateway(after)
    assert restarted.status(key) == cancelled
    assert restarted.pay(TestBankFileGatewayOnSql().instruction(key)) == cancelled
    assert restarted.queued() == []
    assert restarted.payouts() == []


def test_a_restarted_gateway_files_what_was_taken_before_the_restart_exactly_once(
    two_processes: tuple[sql.SqlClaimStore, sql.SqlClaimStore],
) -> None:
    before, after = two_processes
    first = BankFileGateway(
        Debtor("Insurer AG", INSURER_IBAN), ledger=sql.SqlBankLedger(before.engine)
    )
    contract = TestBankFileGatewayOnSql()
    home = PostalAddress("München", "DE", "Leopoldstraße", "12a", "80802")
    keys = ["claim-1:payment:1", "claim-2:payment:1", "claim-3:payment:2"]
    names = {
        "claim-1": Payee("Jörg Müller", home),
        "claim-2": Payee("李伟"),
        "claim-3": Payee("Ana"),
    }
    for claim_id, payee in names.items():
        first.payee(claim_id, payee)
    first.take([contract.instruction(keys[0])])  # a run's batch and a single pay alike
    receipts = [first.pay(contract.instruction(k)) for k in keys]

    # the first process is gone; the next one knows neither the payees nor the queue
    restarted = BankFileGateway(
        Debtor("Insurer AG", INSURER_IBAN), ledger=sql.SqlBankLedger(after.engine)
    )
    assert restarted.queued() == keys
    written = restarted.write_file("RUN-2", AT, AT.date())
    assert written is not None
    assert written.end_to_end_ids == tuple(r.reference for r in receipts)
    document = assert_valid(written.content, "pain.001.001.09")
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    assert document.xpath("//p:Cdtr/p:Nm/text()", namespaces=ns) == [
        "Joerg Mueller", "Li Wei", "Ana",
    ]  # fmt: skip
    assert document.xpath("//p:Cdtr/p:PstlAdr/p:StrtNm/text()", namespaces=ns) == [
        "Leopoldstrasse"
    ]
    # exactly once: neither gateway files the keys again
    assert restarted.write_file("RUN-3", AT, AT.date()) is None
    assert first.write_file("RUN-3", AT, AT.date()) is None
    assert restarted.queued() == first.queued() == []
    assert [restarted.status(k) for k in keys] == receipts
    with pytest.raises(PaymentError, match="in bank file RUN-2"):
        first.cancel(keys[0])


def test_a_key_kept_without_its_payee_waits_until_payee_of_names_one(
    store: sql.SqlClaimStore,
) -> None:
    ledger = sql.SqlBankLedger(store.engine)
    instruction = TestBankFileGatewayOnSql().instruction("claim-1:payment:1")
    receipt = PaymentReceipt(instruction.idempotency_key, "claim-1/1", ReceiptStatus.PENDING)
    ledger.add(LedgerEntry(instruction, receipt))  # as schema version 8 kept it
    blind = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN), ledger=ledger)
    assert blind.write_file("RUN-1", AT, AT.date()) is None
    assert blind.queued() == ["claim-1:payment:1"]
    written = _gateway(store).write_file("RUN-1", AT, AT.date())
    assert written is not None
    assert written.end_to_end_ids == ("claim-1/1",)
    assert b"Customer of claim-1" in written.content
