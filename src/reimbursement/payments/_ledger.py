"""The at-most-once rule both gateways here keep: one instruction per idempotency key."""

from __future__ import annotations

from ..errors import PaymentError
from ..ports import PaymentInstruction, PaymentReceipt, ReceiptStatus

__all__ = ["CANCELLED", "Ledger", "seen"]

CANCELLED = ReceiptStatus.CANCELLED
"""The status of a cancelled instruction."""


def seen(
    first: PaymentInstruction | None,
    receipt: PaymentReceipt | None,
    instruction: PaymentInstruction,
) -> PaymentReceipt | None:
    """The latest receipt of a key already taken (``first``, ``receipt``); else ``None``.

    Raises :class:`~reimbursement.errors.PaymentError` for a known key with
    another amount or account, and for an amount that is not above zero.
    """
    if first is None and receipt is not None:  # cancelled before it arrived: stays so
        return receipt
    if first is not None:
        if (first.amount, first.payee_account) != (instruction.amount, instruction.payee_account):
            raise PaymentError(
                f"payment key {instruction.idempotency_key} was used for {first.amount} to "
                f"{first.payee_account}; the same key cannot pay another amount or account"
            )
        return receipt
    if instruction.amount.amount <= 0:
        raise PaymentError(f"cannot pay {instruction.amount}: the amount must be above zero")
    return None


class Ledger:
    """Instructions and their latest receipts by idempotency key (callers hold the lock)."""

    def __init__(self) -> None:
        self.instructions: dict[str, PaymentInstruction] = {}
        self.receipts: dict[str, PaymentReceipt] = {}

    def seen(self, instruction: PaymentInstruction) -> PaymentReceipt | None:
        """The latest receipt of an instruction already taken, else ``None`` (see :func:`seen`)."""
        key = instruction.idempotency_key
        return seen(self.instructions.get(key), self.receipts.get(key), instruction)

    def take(self, instruction: PaymentInstruction, receipt: PaymentReceipt) -> PaymentReceipt:
        """Remember ``instruction`` with its first receipt."""
        self.instructions[instruction.idempotency_key] = instruction
        self.receipts[instruction.idempotency_key] = receipt
        return receipt

    def status(self, key: str) -> PaymentReceipt | None:
        """The latest receipt for ``key``; ``None`` for a key never paid nor cancelled."""
        return self.receipts.get(key)

    def cancel_unknown(self, key: str, reference: str) -> PaymentReceipt:
        """Cancel a key never paid: a later instruction under it moves no money."""
        cancelled = PaymentReceipt(key, reference, CANCELLED, "cancelled before it arrived")
        self.receipts[key] = cancelled
        return cancelled
