"""The at-most-once rule both gateways here keep: one instruction per idempotency key."""

from __future__ import annotations

from ..errors import PaymentError
from ..ports import PaymentInstruction, PaymentReceipt, ReceiptStatus

__all__ = ["CANCELLED", "Ledger"]

CANCELLED = getattr(ReceiptStatus, "CANCELLED", ReceiptStatus.FAILED)
"""The status of a cancelled instruction: ``CANCELLED`` where the port has it."""


class Ledger:
    """Instructions and their latest receipts by idempotency key (callers hold the lock)."""

    def __init__(self) -> None:
        self.instructions: dict[str, PaymentInstruction] = {}
        self.receipts: dict[str, PaymentReceipt] = {}

    def seen(self, instruction: PaymentInstruction) -> PaymentReceipt | None:
        """The latest receipt of an instruction already taken, else ``None`` after checks.

        Raises :class:`~reimbursement.errors.PaymentError` for a known key with
        another amount or account, and for an amount that is not above zero.
        """
        key = instruction.idempotency_key
        first = self.instructions.get(key)
        if first is not None:
            if (first.amount, first.payee_account) != (
                instruction.amount,
                instruction.payee_account,
            ):
                raise PaymentError(
                    f"payment key {key} was used for {first.amount} to {first.payee_account}; "
                    "the same key cannot pay another amount or account"
                )
            return self.receipts[key]
        if instruction.amount.amount <= 0:
            raise PaymentError(f"cannot pay {instruction.amount}: the amount must be above zero")
        return None

    def take(self, instruction: PaymentInstruction, receipt: PaymentReceipt) -> PaymentReceipt:
        """Remember ``instruction`` with its first receipt."""
        self.instructions[instruction.idempotency_key] = instruction
        self.receipts[instruction.idempotency_key] = receipt
        return receipt

    def receipt(self, key: str) -> PaymentReceipt:
        """The latest receipt for ``key``; PaymentError for a key never paid."""
        found = self.receipts.get(key)
        if found is None:
            raise PaymentError(f"no payment with key {key}")
        return found
