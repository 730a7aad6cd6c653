"""Where a bank-file gateway remembers each key: taken, waiting for a file, filed, settled.

:class:`~reimbursement.payments.bankfile.BankFileGateway` answers ``cancel``
from this ledger, so that it never says ``CANCELLED`` for an instruction it
may have sent to the bank, and writes its files from the ledger's queue (the
keys taken and in no file yet, with the payee the file names), so that a
restarted gateway still files what was taken before the restart, once.
:class:`InMemoryBankLedger` keeps it for one process;
``reimbursement.adapters.sql.SqlBankLedger`` keeps it in the claim store's
database (``rb_bank_ledger``, schema versions 8 and 11). Every method is one
transaction: each check and its change happen together, so two gateways on
one database cannot both file and cancel a key, nor file a key twice.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import attrs

from ..ports import PaymentInstruction, PaymentReceipt, ReceiptStatus

if TYPE_CHECKING:  # the bank file's address needs the payments extra; the ledger does not
    from .iso20022 import PostalAddress

__all__ = ["BankLedger", "InMemoryBankLedger", "LedgerEntry"]


@attrs.frozen
class LedgerEntry:
    """One key: its first instruction (``None``: cancelled or settled before it came to this
    gateway), its latest receipt, the message id of the bank file that carries it, and
    the payee the file names (``None`` for keys kept before schema version 11)."""

    instruction: PaymentInstruction | None
    receipt: PaymentReceipt
    filed_in: str | None = None
    payee_name: str | None = None
    payee_address: PostalAddress | None = None

    @property
    def waiting(self) -> bool:
        """True while the key waits for a file: taken, pending, in no file."""
        return (
            self.instruction is not None
            and self.filed_in is None
            and self.receipt.status is ReceiptStatus.PENDING
        )


class BankLedger(Protocol):
    """The durable memory of a bank-file gateway (its contract: ``BankLedgerContract``)."""

    def get(self, key: str) -> LedgerEntry | None:
        """The entry of ``key``; ``None`` for a key never taken nor cancelled."""
        ...

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        """Keep ``entry`` unless its key is there already; the entry kept (the first wins)."""
        ...

    def add_many(self, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        """:meth:`add` for many keys at once (a payment run's), in one transaction; the
        entries kept, in the order given (a key given twice: its first entry wins)."""
        ...

    def replace(self, receipt: PaymentReceipt, *, unfiled: bool = False) -> LedgerEntry | None:
        """Put ``receipt`` on its key if that key's receipt is still ``PENDING`` (and, with
        ``unfiled``, in no file); the entry as it is now (``None``: no such key)."""
        ...

    def file(self, keys: list[str], message_id: str) -> list[str]:
        """Mark the ``PENDING`` keys in no file as in ``message_id``; those marked, in order."""
        ...

    def withdraw(self, keys: Sequence[str]) -> list[str]:
        """Remove the entries of ``keys`` still waiting for a file (as if never taken);
        those removed, in order. A key filed, settled or cancelled stays."""
        ...

    def receipts(self) -> list[PaymentReceipt]:
        """Every key's latest receipt, in the order the keys were added."""
        ...

    def queue(self) -> list[LedgerEntry]:
        """The entries waiting for a file (:attr:`LedgerEntry.waiting`), in the order taken."""
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

    def add_many(self, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        with self._lock:
            keep = self._entries.setdefault
            return [keep(e.receipt.idempotency_key, e) for e in entries]

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

    def withdraw(self, keys: Sequence[str]) -> list[str]:
        with self._lock:
            gone = [k for k in keys if k in self._entries and self._entries[k].waiting]
            for key in gone:
                del self._entries[key]
            return gone

    def receipts(self) -> list[PaymentReceipt]:
        with self._lock:
            return [e.receipt for e in self._entries.values()]

    def queue(self) -> list[LedgerEntry]:
        with self._lock:
            return [e for e in self._entries.values() if e.waiting]
