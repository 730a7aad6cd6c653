"""The contracts of the payment ports: ``PaymentGateway``, ``BankSettlement``, ``BankLedger``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import attrs
import pytest

from ..domain.money import Money
from ..errors import PaymentError, ValidationError
from ..payments.ledger import BankLedger, LedgerEntry
from ..ports import (
    BankSettlement,
    PaymentGateway,
    PaymentInstruction,
    PaymentReceipt,
    ReceiptStatus,
)

__all__ = ["BankLedgerContract", "BankSettlementContract", "PaymentGatewayContract"]


class PaymentGatewayContract:
    """What every :class:`~reimbursement.ports.PaymentGateway` must do: pay a key at most once,
    say what became of it, and stop it on request unless the money has moved.

    Subclass it, provide a fixture ``gateway`` (a fresh gateway, or one on a
    fresh sandbox, for each test) and implement :meth:`payouts`. Override
    ``currency``, ``payee_account`` and ``other_account`` when your sandbox
    takes only some accounts; both accounts must be ones it pays.
    """

    currency = "EUR"
    payee_account = "DE89 3704 0044 0532 0130 00"
    other_account = "FR76 3000 6000 0112 3456 7890 189"

    def payouts(self, gateway: PaymentGateway) -> Sequence[str]:
        """The idempotency keys of the payouts the gateway made or accepted to make
        (settled or pending), one entry per payout."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement payouts(gateway): the idempotency keys "
            "of the payouts made or accepted, one entry per payout"
        )

    def instruction(self, key: str, amount: str = "125.40") -> PaymentInstruction:
        """An instruction to pay ``amount`` to ``payee_account`` under ``key``."""
        return PaymentInstruction(
            key,
            key.partition(":")[0],
            self.payee_account,
            Money(amount, self.currency),
            f"Claim {key.partition(':')[0]}",
        )

    def test_a_payment_gets_a_receipt_for_its_key(self, gateway: PaymentGateway) -> None:
        receipt = gateway.pay(self.instruction("claim-1:payment:1"))
        assert receipt.idempotency_key == "claim-1:payment:1"
        assert receipt.reference
        assert receipt.status in (ReceiptStatus.PENDING, ReceiptStatus.SETTLED)
        assert receipt.failure_reason is None
        assert list(self.payouts(gateway)) == ["claim-1:payment:1"]

    def test_the_same_key_twice_returns_the_first_receipt_and_pays_once(
        self, gateway: PaymentGateway
    ) -> None:
        first = gateway.pay(self.instruction("claim-1:payment:1"))
        again = gateway.pay(self.instruction("claim-1:payment:1"))
        assert again == first
        assert list(self.payouts(gateway)) == ["claim-1:payment:1"]

    def test_the_same_key_with_another_amount_or_account_raises_payment_error(
        self, gateway: PaymentGateway
    ) -> None:
        original = self.instruction("claim-1:payment:1")
        first = gateway.pay(original)
        with pytest.raises(PaymentError):
            gateway.pay(attrs.evolve(original, amount=Money("125.41", self.currency)))
        with pytest.raises(PaymentError):
            gateway.pay(attrs.evolve(original, payee_account=self.other_account))
        assert gateway.pay(original) == first
        assert list(self.payouts(gateway)) == ["claim-1:payment:1"]

    def test_distinct_keys_are_distinct_payments(self, gateway: PaymentGateway) -> None:
        keys = ["claim-1:payment:1", "claim-1:payment:2", "claim-2:payment:1"]
        receipts = [gateway.pay(self.instruction(key)) for key in keys]
        assert [r.idempotency_key for r in receipts] == keys
        assert len({r.reference for r in receipts}) == len(keys)
        assert Counter(self.payouts(gateway)) == dict.fromkeys(keys, 1)

    @pytest.mark.parametrize("amount", ["0", "-10.00"])
    def test_a_zero_or_negative_amount_raises_payment_error(
        self, gateway: PaymentGateway, amount: str
    ) -> None:
        with pytest.raises(PaymentError):
            gateway.pay(self.instruction("claim-1:payment:1", amount))
        assert list(self.payouts(gateway)) == []

    # -- what became of a payment: status and cancel ----------------------------------------

    def test_status_is_the_receipt_of_the_key_and_none_for_an_unknown_key(
        self, gateway: PaymentGateway
    ) -> None:
        receipt = gateway.pay(self.instruction("claim-1:payment:1"))
        assert gateway.status("claim-1:payment:1") == receipt
        assert gateway.status("claim-1:payment:2") is None
        assert list(self.payouts(gateway)) == ["claim-1:payment:1"]

    def test_cancel_stops_a_pending_payment_or_says_it_has_settled(
        self, gateway: PaymentGateway
    ) -> None:
        key = "claim-1:payment:1"
        sent = gateway.pay(self.instruction(key))
        cancelled = gateway.cancel(key)
        assert cancelled.idempotency_key == key
        assert cancelled.reference == sent.reference
        if sent.status is ReceiptStatus.SETTLED:
            assert cancelled.status is ReceiptStatus.SETTLED  # too late: the money moved
            assert list(self.payouts(gateway)) == [key]
        else:
            assert cancelled.status is ReceiptStatus.CANCELLED
            assert list(self.payouts(gateway)) == []
        assert gateway.status(key) == cancelled
        assert gateway.cancel(key) == cancelled  # again: the same answer, nothing moves
        assert gateway.pay(self.instruction(key)) == cancelled

    def test_a_key_cancelled_before_it_arrives_never_pays(self, gateway: PaymentGateway) -> None:
        key = "claim-1:payment:1"
        cancelled = gateway.cancel(key)
        assert cancelled.idempotency_key == key
        assert cancelled.status is ReceiptStatus.CANCELLED
        assert cancelled.reference
        assert gateway.status(key) == cancelled
        assert gateway.pay(self.instruction(key)) == cancelled
        assert list(self.payouts(gateway)) == []
        other = gateway.pay(self.instruction("claim-1:payment:2"))  # the next attempt pays
        assert other.status in (ReceiptStatus.PENDING, ReceiptStatus.SETTLED)
        assert list(self.payouts(gateway)) == ["claim-1:payment:2"]

    def test_cancelling_one_key_leaves_the_others_alone(self, gateway: PaymentGateway) -> None:
        first = gateway.pay(self.instruction("claim-1:payment:1"))
        second = gateway.pay(self.instruction("claim-2:payment:1"))
        gateway.cancel("claim-1:payment:1")
        assert gateway.status("claim-2:payment:1") == second
        expected = ["claim-2:payment:1"]
        if first.status is ReceiptStatus.SETTLED:
            expected.insert(0, "claim-1:payment:1")
        assert sorted(self.payouts(gateway)) == sorted(expected)


class BankSettlementContract(PaymentGatewayContract):
    """What a gateway fed by bank files must do besides paying: take the bank's word.

    A :class:`~reimbursement.ports.BankSettlement` (and so a
    :class:`~reimbursement.ports.PaymentGateway`, whose suite runs too):
    ``settle`` makes :meth:`~reimbursement.ports.PaymentGateway.status` say
    what the bank's statement said, once, and a statement read twice changes
    nothing. Same fixture ``gateway`` and hook ``payouts``.
    """

    def test_it_is_a_bank_settlement(self, gateway: PaymentGateway) -> None:
        assert isinstance(gateway, BankSettlement)

    def test_settle_makes_status_say_what_the_bank_said(self, gateway: PaymentGateway) -> None:
        assert isinstance(gateway, BankSettlement)
        paid = gateway.pay(self.instruction("claim-1:payment:1"))
        gateway.pay(self.instruction("claim-2:payment:1"))
        settled = gateway.settle("claim-1:payment:1", ReceiptStatus.SETTLED)
        failed = gateway.settle("claim-2:payment:1", ReceiptStatus.FAILED, "AC04 account closed")
        assert (settled.status, settled.reference) == (ReceiptStatus.SETTLED, paid.reference)
        assert (failed.status, failed.failure_reason) == (
            ReceiptStatus.FAILED,
            "AC04 account closed",
        )
        assert gateway.status("claim-1:payment:1") == settled
        assert gateway.status("claim-2:payment:1") == failed

    def test_a_final_receipt_stays_as_it_is(self, gateway: PaymentGateway) -> None:
        assert isinstance(gateway, BankSettlement)
        gateway.pay(self.instruction("claim-1:payment:1"))
        settled = gateway.settle("claim-1:payment:1", ReceiptStatus.SETTLED)
        assert gateway.settle("claim-1:payment:1", ReceiptStatus.FAILED, "late") == settled
        assert gateway.settle("claim-1:payment:1", ReceiptStatus.SETTLED) == settled
        assert gateway.cancel("claim-1:payment:1") == settled  # the money moved
        assert gateway.status("claim-1:payment:1") == settled

    def test_a_key_sent_elsewhere_is_recorded_too(self, gateway: PaymentGateway) -> None:
        assert isinstance(gateway, BankSettlement)
        receipt = gateway.settle("claim-9:payment:1", ReceiptStatus.SETTLED)
        assert receipt.status is ReceiptStatus.SETTLED
        assert gateway.status("claim-9:payment:1") == receipt

    @pytest.mark.parametrize("status", [ReceiptStatus.PENDING, ReceiptStatus.CANCELLED])
    def test_a_status_no_statement_gives_is_refused(
        self, gateway: PaymentGateway, status: ReceiptStatus
    ) -> None:
        assert isinstance(gateway, BankSettlement)
        sent = gateway.pay(self.instruction("claim-1:payment:1"))
        with pytest.raises(ValidationError):
            gateway.settle("claim-1:payment:1", status)
        assert gateway.status("claim-1:payment:1") == sent


def _taken(key: str, amount: str = "125.40", payee: str | None = None) -> LedgerEntry:
    instruction = PaymentInstruction(
        key, "claim-1", "DE89370400440532013000", Money(amount, "EUR"), "Claim C-1 / 你好"
    )
    receipt = PaymentReceipt(key, f"E2E-{key}", ReceiptStatus.PENDING)
    return LedgerEntry(instruction, receipt, payee_name=payee)


class BankLedgerContract:
    """What every :class:`~reimbursement.payments.ledger.BankLedger` must do: keep the first
    entry of a key, and change a receipt or mark a file only while the key is pending.

    Subclass it and provide a fixture ``ledger`` (an empty ledger for each test).
    """

    def test_the_first_entry_of_a_key_is_kept_exactly(self, ledger: BankLedger) -> None:
        assert ledger.get("k1") is None
        first = _taken("k1")
        assert ledger.add(first) == first
        assert ledger.add(_taken("k1", "999.99")) == first  # the first wins
        assert ledger.get("k1") == first
        unknown = LedgerEntry(None, PaymentReceipt("k2", "E2E-k2", ReceiptStatus.CANCELLED, "x"))
        assert ledger.add(unknown) == unknown
        assert ledger.get("k2") == unknown
        assert [r.idempotency_key for r in ledger.receipts()] == ["k1", "k2"]

    def test_a_receipt_changes_only_while_pending(self, ledger: BankLedger) -> None:
        ledger.add(_taken("k1"))
        settled = PaymentReceipt("k1", "E2E-k1", ReceiptStatus.SETTLED)
        assert ledger.replace(settled) == attrs.evolve(_taken("k1"), receipt=settled)
        failed = PaymentReceipt("k1", "E2E-k1", ReceiptStatus.FAILED, "returned")
        entry = ledger.replace(failed)
        assert entry is not None
        assert entry.receipt == settled, "a settled receipt changed"
        assert ledger.replace(PaymentReceipt("nope", "r", ReceiptStatus.SETTLED)) is None
        assert ledger.get("nope") is None

    def test_a_key_in_a_file_is_not_replaced_when_unfiled_is_asked(
        self, ledger: BankLedger
    ) -> None:
        for key in ("k1", "k2", "k3"):
            ledger.add(_taken(key))
        cancelled = PaymentReceipt("k2", "E2E-k2", ReceiptStatus.CANCELLED, "cancelled")
        assert ledger.replace(cancelled, unfiled=True) is not None
        assert ledger.file(["k3", "k2", "k1", "never"], "MSG-1") == ["k3", "k1"]
        assert ledger.file(["k1"], "MSG-2") == [], "a key was filed twice"
        entry = ledger.get("k1")
        assert entry is not None
        assert entry.filed_in == "MSG-1"
        late = PaymentReceipt("k1", "E2E-k1", ReceiptStatus.CANCELLED, "cancelled")
        entry = ledger.replace(late, unfiled=True)
        assert entry is not None
        assert entry.receipt.status is ReceiptStatus.PENDING
        assert [r.status for r in ledger.receipts()] == [
            ReceiptStatus.PENDING,
            ReceiptStatus.CANCELLED,
            ReceiptStatus.PENDING,
        ]

    def test_many_keys_are_filed_at_once(self, ledger: BankLedger) -> None:
        keys = [f"k{i}" for i in range(1203)]
        for key in keys:
            ledger.add(_taken(key))
        assert ledger.file(keys, "MSG-1") == keys

    def test_many_keys_are_added_at_once_and_the_first_entry_of_each_wins(
        self, ledger: BankLedger
    ) -> None:
        before = ledger.add(_taken("k5", "999.99"))
        entries = [_taken(f"k{i}", payee=f"Payee {i}") for i in range(1203)]
        kept = ledger.add_many([*entries, _taken("k7", "1.00")])
        assert kept == [*entries[:5], before, *entries[6:], entries[7]]
        assert ledger.get("k5") == before
        assert ledger.get("k1202") == entries[1202]
        assert len(ledger.receipts()) == 1203
        assert ledger.add_many([]) == []

    def test_the_queue_is_what_waits_for_a_file_with_its_payee(self, ledger: BankLedger) -> None:
        from ..payments.iso20022 import PostalAddress  # the payments extra

        address = PostalAddress("München", "DE", "Leopoldstraße", "12a", "80802", lines=("c/o",))
        first = attrs.evolve(_taken("k1"), payee_name="Jörg Müller", payee_address=address)
        ledger.add_many([first, _taken("k2"), _taken("k3"), _taken("k4")])
        ledger.add(LedgerEntry(None, PaymentReceipt("k5", "E2E-k5", ReceiptStatus.CANCELLED)))
        ledger.file(["k2"], "MSG-1")
        ledger.replace(PaymentReceipt("k3", "E2E-k3", ReceiptStatus.CANCELLED, "cancelled"))
        assert ledger.queue() == [first, _taken("k4")]
        assert all(e.waiting for e in ledger.queue())
        ledger.file(["k4", "k1"], "MSG-2")
        assert ledger.queue() == []

    def test_withdraw_removes_only_keys_still_waiting(self, ledger: BankLedger) -> None:
        ledger.add_many([_taken(f"k{i}") for i in range(1, 5)])
        ledger.file(["k2"], "MSG-1")
        ledger.replace(PaymentReceipt("k3", "E2E-k3", ReceiptStatus.SETTLED))
        assert ledger.withdraw(["k4", "k3", "k2", "k1", "never"]) == ["k4", "k1"]
        assert ledger.get("k1") is None
        assert ledger.get("k4") is None
        assert [r.idempotency_key for r in ledger.receipts()] == ["k2", "k3"]
        assert ledger.withdraw([]) == []
        assert ledger.add(_taken("k1")) == _taken("k1")  # a key withdrawn may be taken again
