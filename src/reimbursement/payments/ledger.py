"""Where a bank-file gateway remembers each key: taken, written into a file, settled.

:class:`~reimbursement.payments.bankfile.BankFileGateway` answers ``cancel``
from this ledger, so that it never says ``CANCELLED`` for an instruction it
may have sent to the bank. :class:`InMemoryBankLedger` keeps it for one
process; ``reimbursement.adapters.sql.SqlBankLedger`` keeps it in the claim
store's database (``rb_bank_ledger``, schema version 8), so a restarted
gateway still knows which keys are in a file. Every method is one
transaction: each check and its change happen together, so two gateways on
one database cannot both file and cancel a key.
"""

from __future__ import annotations

import threading
from typing import Protocol

import attrs

from ..ports import PaymentInstruction, PaymentReceipt, ReceiptStatus

__all__ = ["BankLedger", "InMemoryBankLedger", "LedgerEntry"]


@attrs.frozen
class LedgerEntry:
    """One key: its first instruction (``None``: cancelled or settled before it came to this
    gateway), its latest receipt, and the message id of the bank file that carries it."""

    instruction: PaymentInstruction | None
    receipt: PaymentReceipt
    filed_in: str | None = None


class BankLedger(Protocol):
    """The durable memory of a bank-file gateway (its contract: ``BankLedgerContract``)."""

    def get(self, key: str) -> LedgerEntry | None:
        """The entry of ``key``; ``None`` for a key never taken nor cancelled."""
        ...

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        """Keep ``entry`` unless its key is there already; the entry kept (the first wins)."""
        ...

    def replace(self, receipt: PaymentReceipt, *, unfiled: bool = False) -> LedgerEntry | None:
        """Put ``receipt`` on its key if that key's receipt is still ``PENDING`` (and, with
        ``unfiled``, in no file); the entry as it is now (``None``: no such key)."""
        ...

    def file(self, keys: list[str], message_id: str) -> list[str]:
        """Mark the ``PENDING`` keys in no file as in ``message_id``; those marked, in order."""
        ...

    def receipts(self) -> list[PaymentReceipt]:
        """Every key's latest receipt, in the order the keys were added."""
        ...


class InMemoryBankLedger:
    """A :class:`BankLedger` in this process: a restart forgets it (use ``sql.SqlBankLedger``)."""

    def __init__(self) -> None:
        self._entries: dict[str, LedgerEntry] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> LedgerEntry | None:
        with self._lock:
            return self._entries.get(key)

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        with self._lock:
            return self._entries.setdefault(entry.receipt.idempotency_key, entry)

    def replace(self, receipt: PaymentReceipt, *, unfiled: bool = False) -> LedgerEntry | None:
        with self._lock:
            entry = self._entries.get(receipt.idempotency_key)
            if entry is None or entry.receipt.status is not ReceiptStatus.PENDING:
                return entry
            if unfiled and entry.filed_in is not None:
                return entry
            entry = attrs.evolve(entry, receipt=receipt)
            self._entries[receipt.idempotency_key] = entry
            return entry

    def file(self, keys: list[str], message_id: str) -> list[str]:
        with self._lock:
            marked = []
            for key in keys:
                entry = self._entries.get(key)
                if entry is None or entry.filed_in is not None:
                    continue
                if entry.receipt.status is ReceiptStatus.PENDING:
                    self._entries[key] = attrs.evolve(entry, filed_in=message_id)
                    marked.append(key)
            return marked

    def receipts(self) -> list[PaymentReceipt]:
        with self._lock:
            return [e.receipt for e in self._entries.values()]
