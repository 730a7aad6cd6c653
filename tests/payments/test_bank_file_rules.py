"""The pain.001 gateway's promises beyond the contract: whom a file pays, what a cancel says,
and what happens when another gateway on the same ledger files or pays a key meanwhile.

The companion of ``test_gateways.py``; races are played by a ledger that lets "another
gateway" act between two of this gateway's ledger calls, as two processes on one
``SqlBankLedger`` may.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from tests.payments.bank import INSURER_IBAN, assert_valid

from reimbursement import Money
from reimbursement.errors import PaymentError, ValidationError
from reimbursement.payments.bankfile import BankFileGateway, Payee
from reimbursement.payments.iso20022 import PAIN_001_VERSIONS, Debtor, PostalAddress
from reimbursement.payments.ledger import InMemoryBankLedger, LedgerEntry
from reimbursement.ports import PaymentInstruction, PaymentReceipt, ReceiptStatus

AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
DAY = date(2026, 12, 2)
DEBTOR = Debtor("Insurer AG", INSURER_IBAN)
ACCOUNT = "DE89 3704 0044 0532 0130 00"


def instruction(claim_id: str, amount: str = "125.40") -> PaymentInstruction:
    return PaymentInstruction(
        f"{claim_id}:payment:1", claim_id, ACCOUNT, Money(amount, "EUR"), f"Claim {claim_id}"
    )


def by_claim(instruction: PaymentInstruction) -> Payee:
    return Payee(f"Customer {instruction.claim_id}")


def _names(content: bytes) -> list[str]:
    document = assert_valid(content, "pain.001.001.09")
    return [e.text or "" for e in document.iterfind(".//{*}Cdtr/{*}Nm")]


def test_a_file_is_of_the_gateways_version_dated_as_asked_and_instant_only_when_asked() -> None:
    version = PAIN_001_VERSIONS[1]
    gateway = BankFileGateway(DEBTOR, version=version, payee_of=by_claim)
    gateway.pay(instruction("C1"))
    plain = gateway.write_file("RUN-1", AT, DAY)
    assert plain is not None
    assert (plain.message_id, plain.execution_date, plain.instant) == ("RUN-1", DAY, False)
    document = assert_valid(plain.content, version)
    assert document.findtext(".//{*}GrpHdr/{*}MsgId") == "RUN-1"
    assert document.findtext(".//{*}ReqdExctnDt") == "2026-12-02"
    assert b"INST" not in plain.content
    gateway.pay(instruction("C2"))
    instant = gateway.write_file("RUN-2", AT, DAY, instant=True)
    assert instant is not None
    assert instant.instant is True
    assert_valid(instant.content, version)
    assert b"<Cd>INST</Cd>" in instant.content
    assert gateway.files == [plain, instant]


def test_the_payee_a_run_names_wins_over_payee_of_with_its_address() -> None:
    gateway = BankFileGateway(DEBTOR, payee_of=by_claim)
    gateway.payee("C1", Payee("Ana Lima", PostalAddress("Lisboa", "PT")))
    for claim_id in ("C1", "C2"):
        gateway.pay(instruction(claim_id))
    written = gateway.write_file("RUN-1", AT, DAY)
    assert written is not None
    assert _names(written.content) == ["Ana Lima", "Customer C2"]
    assert written.content.count(b"<TwnNm>Lisboa</TwnNm>") == 1


def test_the_smallest_amount_is_paid_and_nothing_below_it() -> None:
    gateway = BankFileGateway(DEBTOR, payee_of=by_claim)
    assert gateway.pay(instruction("C1", "0.01")).status is ReceiptStatus.PENDING
    with pytest.raises(PaymentError, match="must be above zero"):
        gateway.pay(instruction("C2", "0.00"))
    assert gateway.queued() == ["C1:payment:1"]


def test_a_refusal_says_what_to_do() -> None:
    nameless = BankFileGateway(DEBTOR)
    with pytest.raises(PaymentError) as caught:
        nameless.pay(instruction("C1"))
    assert str(caught.value) == (
        "no payee name for claim C1: "
        "pay it through a PaymentRuns run, or give the gateway payee_of"
    )
    cyrillic = BankFileGateway(DEBTOR, payee_of=lambda i: Payee("Иван"))
    with pytest.raises(PaymentError, match=r"^claim C1: payee\.name: has 'И' \(U\+0418\)"):
        cyrillic.pay(instruction("C1"))


def test_a_key_the_ledger_knows_is_answered_even_when_no_payee_is_known() -> None:
    gateway = BankFileGateway(DEBTOR)  # no payee_of: a new key would be refused
    cancelled = gateway.cancel("C1:payment:1")
    assert gateway.pay(instruction("C1")) == cancelled
    assert gateway.write_file("RUN-1", AT, DAY) is None


def test_what_a_cancel_and_a_settlement_say_when_no_reason_is_given() -> None:
    gateway = BankFileGateway(DEBTOR, payee_of=by_claim)
    before = gateway.cancel("C1:payment:1")
    assert (before.status, before.failure_reason) == (
        ReceiptStatus.CANCELLED,
        "cancelled before it arrived",
    )
    gateway.pay(instruction("C2"))
    queued = gateway.cancel("C2:payment:1")
    assert (queued.status, queued.failure_reason) == (ReceiptStatus.CANCELLED, "cancelled")
    for claim_id in ("C3", "C4"):
        gateway.pay(instruction(claim_id))
    gateway.write_file("RUN-1", AT, DAY)
    returned = gateway.settle("C3:payment:1", ReceiptStatus.FAILED)
    assert returned.failure_reason == "returned by the bank"
    settled = gateway.settle("C4:payment:1", ReceiptStatus.SETTLED)
    assert settled.failure_reason is None
    with pytest.raises(ValidationError) as caught:
        gateway.settle("C4:payment:1", ReceiptStatus.CANCELLED)
    assert [p.path for p in caught.value.problems] == ["status"]


def test_a_key_taken_for_a_run_and_then_cancelled_never_pays() -> None:
    gateway = BankFileGateway(DEBTOR, payee_of=by_claim)
    gateway.take([instruction("C1")])
    assert gateway.cancel("C1:payment:1").status is ReceiptStatus.CANCELLED
    assert gateway.pay(instruction("C1")).status is ReceiptStatus.CANCELLED
    assert gateway.write_file("RUN-1", AT, DAY) is None


class _Meanwhile(InMemoryBankLedger):
    """A ledger on which another gateway acts once, right after this gateway's next ``when``
    call (the answer this gateway holds is then out of date)."""

    def __init__(self) -> None:
        super().__init__()
        self.then: dict[str, Callable[[], object]] = {}

    def _after(self, when: str) -> None:
        action = self.then.pop(when, None)
        if action is not None:
            action()

    def get(self, key: str) -> LedgerEntry | None:
        found = super().get(key)
        self._after("get")
        return found

    def queue(self) -> list[LedgerEntry]:
        found = super().queue()
        self._after("queue")
        return found


def test_a_key_filed_by_another_gateway_while_it_is_cancelled_stays_paid() -> None:
    ledger = _Meanwhile()
    gateway = BankFileGateway(DEBTOR, payee_of=by_claim, ledger=ledger)
    other = BankFileGateway(DEBTOR, payee_of=by_claim, ledger=ledger)
    gateway.pay(instruction("C1"))
    ledger.then["get"] = lambda: other.write_file("RUN-OTHER", AT, DAY)
    with pytest.raises(PaymentError, match="in bank file RUN-OTHER already"):
        gateway.cancel("C1:payment:1")
    receipt = gateway.status("C1:payment:1")
    assert receipt is not None
    assert receipt.status is ReceiptStatus.PENDING


def test_a_key_paid_by_another_gateway_while_it_is_cancelled_is_cancelled_for_good() -> None:
    ledger = _Meanwhile()
    gateway = BankFileGateway(DEBTOR, payee_of=by_claim, ledger=ledger)
    other = BankFileGateway(DEBTOR, payee_of=by_claim, ledger=ledger)
    ledger.then["get"] = lambda: other.pay(instruction("C1"))  # after cancel's first look
    assert gateway.cancel("C1:payment:1").status is ReceiptStatus.CANCELLED
    receipt = gateway.status("C1:payment:1")
    assert receipt is not None
    assert (receipt.status, receipt.failure_reason) == (ReceiptStatus.CANCELLED, "cancelled")
    assert other.write_file("RUN-1", AT, DAY) is None  # never in a file


def test_keys_filed_or_cancelled_elsewhere_while_a_file_is_written_are_left_out() -> None:
    ledger = _Meanwhile()
    gateway = BankFileGateway(DEBTOR, payee_of=by_claim, ledger=ledger)
    other = BankFileGateway(DEBTOR, payee_of=by_claim, ledger=ledger)
    for claim_id in ("C1", "C2", "C3"):
        gateway.pay(instruction(claim_id))
    ledger.then["queue"] = lambda: other.cancel("C2:payment:1")
    written = gateway.write_file("RUN-1", AT, DAY)
    assert written is not None
    assert written.end_to_end_ids == ("C1/1", "C3/1")
    assert _names(written.content) == ["Customer C1", "Customer C3"]
    gateway.pay(instruction("C4"))
    ledger.then["queue"] = lambda: other.write_file("RUN-OTHER", AT, DAY)
    assert gateway.write_file("RUN-2", AT, DAY) is None  # every key went elsewhere
    assert gateway.files == [written]
    assert [f.end_to_end_ids for f in other.files] == [("C4/1",)]


def _kept_without_payee(ledger: InMemoryBankLedger, claim_id: str) -> None:
    """A key taken before schema version 11: in the ledger without the payee's name."""
    key = f"{claim_id}:payment:1"
    receipt = PaymentReceipt(key, f"{claim_id}/1", ReceiptStatus.PENDING)
    ledger.add(LedgerEntry(instruction(claim_id), receipt))


def test_a_key_kept_without_its_payee_is_filed_once_payee_of_names_one_it_can_write() -> None:
    ledger = InMemoryBankLedger()
    for claim_id in ("C1", "C2"):
        _kept_without_payee(ledger, claim_id)
    assert BankFileGateway(DEBTOR, ledger=ledger).write_file("RUN-0", AT, DAY) is None
    names = {"C1": "Zoë Müller", "C2": "Иван"}  # the second one no rule can write
    gateway = BankFileGateway(DEBTOR, payee_of=lambda i: Payee(names[i.claim_id]), ledger=ledger)
    written = gateway.write_file("RUN-1", AT, DAY)
    assert written is not None
    assert written.end_to_end_ids == ("C1/1",)
    assert _names(written.content) == ["Zoe Mueller"]
    assert gateway.queued() == ["C2:payment:1"]  # waits for a name, blocks no file
