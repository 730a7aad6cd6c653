"""The sandbox and bank-file gateways pass the gateway contract, and misbehave as configured."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from tests.payments.bank import INSURER_IBAN, assert_valid
from tests.support import FINANCE, PROFILES, REVIEWER, START, submitted

from reimbursement import Actor
from reimbursement.adapters.memory import ManualClock
from reimbursement.bootstrap import in_memory_desk
from reimbursement.domain.actors import Role
from reimbursement.errors import PaymentError
from reimbursement.payments import SandboxGateway, apply_callbacks
from reimbursement.payments.bankfile import BankFileGateway, Payee
from reimbursement.payments.iso20022 import Debtor
from reimbursement.payments.ledger import InMemoryBankLedger
from reimbursement.ports import PaymentGateway, ReceiptStatus
from reimbursement.testing import (
    BankLedgerContract,
    BankSettlementContract,
    PaymentGatewayContract,
)

SYSTEM = Actor("bank", Role.SYSTEM)


class TestSandboxContract(PaymentGatewayContract):
    @pytest.fixture
    def gateway(self) -> SandboxGateway:
        return SandboxGateway(ManualClock(START), failure_rate=0.0)

    def payouts(self, gateway: PaymentGateway) -> Sequence[str]:
        assert isinstance(gateway, SandboxGateway)
        return gateway.payouts()


class TestBankFileContract(BankSettlementContract):
    @pytest.fixture
    def gateway(self) -> BankFileGateway:
        return BankFileGateway(
            Debtor("Insurer AG", INSURER_IBAN),
            payee_of=lambda instruction: Payee(f"Customer of {instruction.claim_id}"),
        )

    def payouts(self, gateway: PaymentGateway) -> Sequence[str]:
        assert isinstance(gateway, BankFileGateway)
        return gateway.payouts()


class TestInMemoryBankLedger(BankLedgerContract):
    @pytest.fixture
    def ledger(self) -> InMemoryBankLedger:
        return InMemoryBankLedger()


def test_a_key_cancelled_through_another_gateway_on_the_ledger_is_left_out_of_the_file() -> None:
    ledger = InMemoryBankLedger()
    debtor, payee = Debtor("Insurer AG", INSURER_IBAN), Payee("Ana Lima")
    writer = BankFileGateway(debtor, payee_of=lambda i: payee, ledger=ledger)
    other = BankFileGateway(debtor, ledger=ledger)
    keys = ["claim-1:payment:1", "claim-2:payment:1"]
    for key in keys:
        writer.pay(TestBankFileContract().instruction(key))
    assert other.cancel(keys[0]).status is ReceiptStatus.CANCELLED
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    written = writer.write_file("RUN-1", at, at.date())
    assert written is not None
    assert written.end_to_end_ids == ("claim-2/1",)
    assert len(assert_valid(written.content, "pain.001.001.09").findall(".//{*}CdtTrfTxInf")) == 1
    with pytest.raises(PaymentError, match="in bank file RUN-1 already"):
        other.cancel(keys[1])


def _approved(desk, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for _ in range(count):
        claim = desk.approve(REVIEWER, submitted(desk).id)
        desk.approve_payment(FINANCE, claim.id)
        ids.append(claim.id)
    return ids


def test_sandbox_answers_late_fails_some_and_calls_back_twice_out_of_order() -> None:
    clock = ManualClock(START)
    sandbox = SandboxGateway(
        clock,
        seed=7,
        latency=timedelta(minutes=10),
        failure_rate=0.3,
        duplicate_rate=0.5,
        out_of_order=True,
    )
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES, clock=clock, payments=sandbox)
    ids = _approved(desk, 20)
    for claim_id in ids:
        assert desk.pay(FINANCE, claim_id).payment.status.value == "sent"  # type: ignore[union-attr]
    assert sandbox.callbacks() == []  # nothing is due before the latency
    clock.advance(timedelta(hours=1))
    callbacks = sandbox.callbacks()
    assert len(callbacks) > len(ids)  # duplicates
    assert [c for c, _ in callbacks] != sorted(c for c, _ in callbacks)
    report = apply_callbacks(desk, SYSTEM, callbacks)
    assert sorted(report.paid + report.failed) == sorted(ids)  # each exactly once
    assert 0 < len(report.failed) < len(ids)
    assert len(report.ignored) == len(callbacks) - len(ids)
    assert apply_callbacks(desk, SYSTEM, callbacks).paid == ()  # replayed: changes nothing
    states = {desk.get(FINANCE, c).state.value for c in ids}
    assert states == {"paid", "payment_failed"}


def test_sandbox_status_and_cancel() -> None:
    clock = ManualClock(START)
    sandbox = SandboxGateway(clock, latency=timedelta(minutes=5))
    contract = TestSandboxContract()
    first = sandbox.pay(contract.instruction("claim-1:payment:1"))
    second = sandbox.pay(contract.instruction("claim-2:payment:1"))
    pending = sandbox.status(first.idempotency_key)
    assert pending is not None
    assert pending.status is ReceiptStatus.PENDING
    assert sandbox.cancel(second.idempotency_key).status is not ReceiptStatus.PENDING
    clock.advance(timedelta(minutes=6))
    settled = sandbox.status(first.idempotency_key)
    assert settled is not None
    assert settled.status is ReceiptStatus.SETTLED
    assert sandbox.cancel(first.idempotency_key) == settled  # too late: the money moved
    assert [c for c, _ in sandbox.callbacks()] == ["claim-1"]  # the cancelled one never comes
    assert sandbox.status("claim-9:payment:1") is None


def test_bank_file_gateway_writes_one_valid_file_per_batch_and_cancels_queued() -> None:
    gateway = BankFileGateway(
        Debtor("Insurer AG", INSURER_IBAN), payee_of=lambda i: Payee("Zoë Müller")
    )
    contract = TestBankFileContract()
    keys = [f"claim-{i}:payment:1" for i in range(3)]
    for key in keys:
        gateway.pay(contract.instruction(key))
    gateway.cancel(keys[2])
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    written = gateway.write_file("RUN-1", at, at.date())
    assert written is not None
    assert written.end_to_end_ids == ("claim-0/1", "claim-1/1")
    document = assert_valid(written.content, "pain.001.001.09")
    assert b"Zoe Mueller" in written.content
    assert len(document.findall(".//{*}CdtTrfTxInf")) == 2
    assert gateway.write_file("RUN-2", at, at.date()) is None  # nothing new: no empty file
    with pytest.raises(PaymentError):
        gateway.cancel(keys[0])  # in a file already


def test_bank_file_gateway_refuses_a_name_no_rule_can_write() -> None:
    gateway = BankFileGateway(Debtor("Insurer AG", INSURER_IBAN), payee_of=lambda i: Payee("Иван"))
    with pytest.raises(PaymentError, match="U\\+0418"):
        gateway.pay(TestBankFileContract().instruction("claim-1:payment:1"))
    assert gateway.queued() == []


def test_bank_file_gateway_says_what_the_bank_said_and_keeps_a_final_answer() -> None:
    gateway = BankFileGateway(
        Debtor("Insurer AG", INSURER_IBAN), payee_of=lambda i: Payee("Ana Lima")
    )
    contract = TestBankFileContract()
    paid, returned = "claim-1:payment:1", "claim-2:payment:1"
    for key in (paid, returned):
        gateway.pay(contract.instruction(key))
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert gateway.write_file("RUN-1", at, at.date()) is not None
    settled = gateway.settle(paid, ReceiptStatus.SETTLED)
    assert settled.status is ReceiptStatus.SETTLED
    assert settled.reference == "claim-1/1"
    assert gateway.status(paid) == settled
    assert gateway.cancel(paid) == settled  # too late: the money moved
    failed = gateway.settle(returned, ReceiptStatus.FAILED, "AC04 account closed")
    assert failed.failure_reason == "AC04 account closed"
    assert gateway.settle(returned, ReceiptStatus.SETTLED) == failed  # over: stays failed
    with pytest.raises(ValueError, match="settles or fails"):
        gateway.settle("claim-3:payment:1", ReceiptStatus.PENDING)
    assert gateway.status("claim-3:payment:1") is None
