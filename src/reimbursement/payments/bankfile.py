"""A payment gateway that pays by bank file: instructions gathered into one ``pain.001``.

Needs the ``payments`` extra. :meth:`BankFileGateway.pay` accepts an
instruction as pending under its end-to-end id (the receipt's reference);
:meth:`BankFileGateway.write_file` turns everything accepted since the last
file into one ``pain.001`` (:mod:`reimbursement.payments.iso20022`), which
the integration uploads to the bank (EBICS, SFTP, the bank's API). The
bank's ``camt.054`` then settles or fails each payment
(:mod:`reimbursement.payments.camt`). :class:`~reimbursement.payments.PaymentRuns`
drives it at the run's cut-off times.

Everything the gateway knows is in its
:class:`~reimbursement.payments.ledger.BankLedger`: which keys it took (with
the payee the file names), wrote into a file and heard settled. In memory by
default; with ``sql.SqlBankLedger`` a restarted gateway (or another one on
the same database) writes the keys taken before the restart into its next
file, each key into one file only, and :meth:`BankFileGateway.cancel` never
answers ``CANCELLED`` for a key that is in a file (see ``docs/payment-runs.md``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime

import attrs

from ..errors import PaymentError, ValidationError
from ..ports import PaymentInstruction, PaymentReceipt, ReceiptStatus
from ._ledger import CANCELLED, seen
from .charset import sepa_problem
from .iso20022 import (
    PAIN_001_VERSIONS,
    CreditTransfer,
    Debtor,
    PostalAddress,
    end_to_end_id,
    write_pain001,
)
from .ledger import BankLedger, InMemoryBankLedger, LedgerEntry

__all__ = ["BankFile", "BankFileGateway", "Payee"]


@attrs.frozen
class Payee:
    """Who a claim pays, as the bank file names them."""

    name: str
    address: PostalAddress | None = None


@attrs.frozen
class BankFile:
    """One written ``pain.001``: its message id, its bytes, and the end-to-end ids it pays."""

    message_id: str
    content: bytes
    end_to_end_ids: tuple[str, ...]
    execution_date: date
    instant: bool


class BankFileGateway:
    """A :class:`~reimbursement.ports.PaymentGateway` writing ``pain.001`` files.

    It is a :class:`~reimbursement.ports.BankSettlement` too: the bank's
    camt settles its payments through :meth:`settle`.

    ``payee_of`` names the payee of an instruction when :meth:`payee` was
    not told (a payment run tells it from the claim), and of a key taken
    before schema version 11 (kept without its payee). ``version`` is one of
    :data:`~reimbursement.payments.iso20022.PAIN_001_VERSIONS`. ``ledger``
    remembers every key and the queue (default: in this process only; give
    ``sql.SqlBankLedger`` so that a restart still files what was taken and
    knows which keys are in a file).
    """

    def __init__(
        self,
        debtor: Debtor,
        *,
        version: str = PAIN_001_VERSIONS[0],
        payee_of: Callable[[PaymentInstruction], Payee] | None = None,
        ledger: BankLedger | None = None,
    ) -> None:
        self.debtor, self.version = debtor, version
        self._payee_of = payee_of
        self._payees: dict[str, Payee] = {}
        self._ledger: BankLedger = InMemoryBankLedger() if ledger is None else ledger
        self._taken: dict[str, LedgerEntry] = {}
        """What :meth:`take` kept, by key: :meth:`pay` answers these without a round trip."""
        self._lock = threading.Lock()
        self.files: list[BankFile] = []

    def payee(self, claim_id: str, payee: Payee) -> None:
        """Name the payee of ``claim_id``'s next instructions."""
        with self._lock:
            self._payees[claim_id] = payee

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        """Accept ``instruction`` for the next file (pending, referenced by its end-to-end id).

        One ledger transaction for a new key; none for a key :meth:`take` took.
        """
        with self._lock:
            key = instruction.idempotency_key
            taken = self._taken.pop(key, None)
            if taken is not None:
                return _answer(taken, None, instruction)
            entry, problem = self._new_entry(instruction)
            if entry is None:  # refused, unless the ledger knows the key: its answer first
                known = seen(*_parts(self._ledger.get(key)), instruction)
                if known is not None:
                    return known
                raise PaymentError(problem)
            return _answer(self._ledger.add(entry), entry, instruction)

    def take(self, instructions: Sequence[PaymentInstruction]) -> None:
        """Take many instructions for the next file at once (a payment run's).

        The ledger adds them in one transaction (one statement per chunk of
        keys); each :meth:`pay` of one of them afterwards, in this process,
        answers what the ledger kept without asking it again. An instruction
        :meth:`pay` would refuse (no payee, a name no rule can write, nothing
        to pay) is left out, for :meth:`pay` to refuse. Keys taken and never
        paid here are given back with :meth:`untake`.
        """
        with self._lock:
            made = (self._new_entry(i)[0] for i in instructions)
            new = [e for e in made if e is not None]
            for kept in self._ledger.add_many(new):
                self._taken[kept.receipt.idempotency_key] = kept

    def untake(self) -> list[str]:
        """Give back the keys :meth:`take` took that no :meth:`pay` asked for since
        (the desk refused those claims): as if never taken, unless another gateway
        filed or cancelled one meanwhile. The keys given back, in order."""
        with self._lock:
            keys, self._taken = list(self._taken), {}
            return self._ledger.withdraw(keys)

    def _new_entry(self, instruction: PaymentInstruction) -> tuple[LedgerEntry | None, str]:
        """The entry a new key is taken with; ``None`` and why not when it cannot be."""
        if instruction.amount.amount <= 0:
            return None, f"cannot pay {instruction.amount}: the amount must be above zero"
        payee = self._payees.get(instruction.claim_id)
        if payee is None and self._payee_of is not None:
            payee = self._payee_of(instruction)
        if payee is None:
            return None, (
                f"no payee name for claim {instruction.claim_id}: "
                "pay it through a PaymentRuns run, or give the gateway payee_of"
            )
        _, problem = sepa_problem("payee.name", payee.name, 70)
        if problem is not None:  # refused now, so that it never blocks a whole file
            return None, f"claim {instruction.claim_id}: {problem}"
        key = instruction.idempotency_key
        receipt = PaymentReceipt(key, end_to_end_id(key), ReceiptStatus.PENDING)
        return LedgerEntry(instruction, receipt, None, payee.name, payee.address), ""

    def status(self, key: str) -> PaymentReceipt | None:
        """The receipt for ``key``: pending until the bank's camt says otherwise.

        ``None`` for a key never paid nor cancelled.
        """
        with self._lock:
            entry = self._ledger.get(key)
            return None if entry is None else entry.receipt

    def cancel(self, key: str) -> PaymentReceipt:
        """Cancel ``key`` while it waits for the next file; PaymentError once it was written.

        A key never paid is cancelled too: a later :meth:`pay` under it moves
        no money. A payment settled or failed by the bank's camt keeps that receipt.
        The ledger says whether a key is in a file, also after a restart.
        """
        with self._lock:
            entry = self._ledger.get(key)
            if entry is None:
                cancelled = PaymentReceipt(
                    key, end_to_end_id(key), CANCELLED, "cancelled before it arrived"
                )
                entry = self._ledger.add(LedgerEntry(None, cancelled))
                if entry.receipt == cancelled:
                    return cancelled
            if entry.receipt.status is ReceiptStatus.PENDING and entry.filed_in is None:
                cancelled = attrs.evolve(
                    entry.receipt, status=CANCELLED, failure_reason="cancelled"
                )
                entry = self._ledger.replace(cancelled, unfiled=True) or entry
            if entry.receipt.status is ReceiptStatus.PENDING:
                raise PaymentError(
                    f"payment {key} is in bank file {entry.filed_in} already and the bank may "
                    "pay it: ask the bank to recall it, and wait for its camt.054 before paying "
                    "the claim again"
                )
            self._taken.pop(key, None)
            return entry.receipt

    def settle(self, key: str, status: ReceiptStatus, reason: str | None = None) -> PaymentReceipt:
        """Record the bank's word on ``key`` from its ``camt.054``: ``SETTLED`` or ``FAILED``.

        :func:`~reimbursement.payments.camt.reconcile` calls it before it moves
        the claim, so that :meth:`status` says what the bank said. A receipt that
        is over already (settled, failed, cancelled) stays as it is. A key this
        gateway does not hold (another process wrote its file) is recorded too.
        """
        if status not in (ReceiptStatus.SETTLED, ReceiptStatus.FAILED):
            raise ValidationError.at(
                "status", f"a bank statement settles or fails a payment, not {status!s}"
            )
        with self._lock:
            entry = self._ledger.get(key)
            reference = end_to_end_id(key) if entry is None else entry.receipt.reference
            failure = (
                (reason or "returned by the bank") if status is ReceiptStatus.FAILED else None
            )
            told = PaymentReceipt(key, reference, status, failure)
            if entry is None:
                entry = self._ledger.add(LedgerEntry(None, told))
            return (self._ledger.replace(told) or entry).receipt

    def queued(self) -> list[str]:
        """The keys waiting for the next file, in the order they were paid."""
        with self._lock:
            return [e.receipt.idempotency_key for e in self._ledger.queue()]

    def payouts(self) -> list[str]:
        """The keys accepted and not cancelled, in order (for the contract suite)."""
        with self._lock:
            return [
                r.idempotency_key for r in self._ledger.receipts() if r.status is not CANCELLED
            ]

    def write_file(
        self, message_id: str, created_at: datetime, execution_date: date, *, instant: bool = False
    ) -> BankFile | None:
        """One ``pain.001`` of every key waiting in the ledger's queue (``None``: nothing).

        That is everything accepted and in no file yet, also by a gateway on
        the same ledger before a restart. Raises
        :class:`~reimbursement.errors.ValidationError` when the file cannot be
        written (a name no rule can write, …); the instructions then stay
        queued, so nothing is lost. The ledger marks the keys as in this file
        before it is returned; a key filed or cancelled meanwhile (through
        another gateway on the same ledger) is left out. A key kept without
        its payee (before schema version 11) waits until ``payee_of`` names one.
        """
        with self._lock:
            queue = {e.receipt.idempotency_key: self._transfer(e) for e in self._ledger.queue()}
            transfers = {k: t for k, t in queue.items() if t is not None}
            if not transfers:
                return None

            def write(chosen: dict[str, CreditTransfer]) -> bytes:
                return write_pain001(
                    list(chosen.values()),
                    self.debtor,
                    message_id=message_id,
                    created_at=created_at,
                    execution_date=execution_date,
                    version=self.version,
                    instant=instant,
                )

            content = write(
                transfers
            )  # first, so that a file that cannot be written marks nothing
            filed = set(self._ledger.file(list(transfers), message_id))
            if len(filed) < len(transfers):
                transfers = {k: t for k, t in transfers.items() if k in filed}
                if not transfers:
                    return None
                content = write(transfers)
            written = BankFile(
                message_id,
                content,
                tuple(t.end_to_end_id for t in transfers.values()),
                execution_date,
                instant,
            )
            self.files.append(written)
            return written

    def _transfer(self, entry: LedgerEntry) -> CreditTransfer | None:
        """The credit transfer of a queued ``entry``; ``None`` while no payee is known."""
        instruction = entry.instruction
        assert instruction is not None, "the ledger queued a key it never took"
        payee = None if entry.payee_name is None else Payee(entry.payee_name, entry.payee_address)
        if payee is None and self._payee_of is not None:
            payee = self._payee_of(instruction)
            if sepa_problem("payee.name", payee.name, 70)[1] is not None:
                payee = None  # a name no rule can write would block the whole file
        if payee is None:
            return None
        return CreditTransfer(
            entry.receipt.reference,
            instruction.amount,
            payee.name,
            instruction.payee_account,
            instruction.remittance,
            payee.address,
        )


def _answer(
    kept: LedgerEntry, ours: LedgerEntry | None, instruction: PaymentInstruction
) -> PaymentReceipt:
    """The receipt for ``instruction`` once the ledger kept ``kept`` for its key."""
    if kept == ours:
        return kept.receipt
    known = seen(*_parts(kept), instruction)  # taken before, or by another gateway meanwhile
    assert known is not None
    return known


def _parts(entry: LedgerEntry | None) -> tuple[PaymentInstruction | None, PaymentReceipt | None]:
    return (None, None) if entry is None else (entry.instruction, entry.receipt)
