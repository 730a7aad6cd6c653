"""The contract of :class:`~reimbursement.ports.PaymentGateway`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import attrs
import pytest

from ..domain.money import Money
from ..errors import PaymentError
from ..ports import PaymentGateway, PaymentInstruction, ReceiptStatus

__all__ = ["PaymentGatewayContract"]


class PaymentGatewayContract:
    """What every :class:`~reimbursement.ports.PaymentGateway` must do: pay a key at most once.

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
