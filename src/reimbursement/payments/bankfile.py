"""A payment gateway that pays by bank file: instructions gathered into one ``pain.001``.

Needs the ``payments`` extra. :meth:`BankFileGateway.pay` accepts an
instruction as pending under its end-to-end id (the receipt's reference);
:meth:`BankFileGateway.write_file` turns everything accepted since the last
file into one ``pain.001`` (:mod:`reimbursement.payments.iso20022`), which
the integration uploads to the bank (EBICS, SFTP, the bank's API). The
bank's ``camt.054`` then settles or fails each payment
(:mod:`reimbursement.payments.camt`). :class:`~reimbursement.payments.PaymentRuns`
drives it at the run's cut-off times.

The instructions wait in this object until the file is written: a process
that stops in between loses the file, not the claims (they stay sent with
their reference, and the next file will not carry them again: the integration
rewrites the lost file from the run). Keep one gateway per process that writes files.
Its ledger is in memory too: after a restart it does not know which keys it
wrote into a file, so :meth:`BankFileGateway.cancel` of one answers
``CANCELLED`` although the bank may pay it (see ``docs/payment-runs.md``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime

import attrs

from ..errors import PaymentError, ValidationError
from ..ports import PaymentInstruction, PaymentReceipt, ReceiptStatus
from ._ledger import CANCELLED, Ledger
from .charset import sepa_problem
from .iso20022 import (
    PAIN_001_VERSIONS,
    CreditTransfer,
    Debtor,
    PostalAddress,
    end_to_end_id,
    write_pain001,
)

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
    not told (a payment run tells it from the claim). ``version`` is one of
    :data:`~reimbursement.payments.iso20022.PAIN_001_VERSIONS`.
    """

    def __init__(
        self,
        debtor: Debtor,
        *,
        version: str = PAIN_001_VERSIONS[0],
        payee_of: Callable[[PaymentInstruction], Payee] | None = None,
    ) -> None:
        self.debtor, self.version = debtor, version
        self._payee_of = payee_of
        self._payees: dict[str, Payee] = {}
        self._ledger = Ledger()
        self._queued: dict[str, CreditTransfer] = {}
        self._lock = threading.Lock()
        self.files: list[BankFile] = []

    def payee(self, claim_id: str, payee: Payee) -> None:
        """Name the payee of ``claim_id``'s next instructions."""
        with self._lock:
            self._payees[claim_id] = payee

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        """Accept ``instruction`` for the next file (pending, referenced by its end-to-end id)."""
        with self._lock:
            seen = self._ledger.seen(instruction)
            if seen is not None:
                return seen
            payee = self._payees.get(instruction.claim_id)
            if payee is None and self._payee_of is not None:
                payee = self._payee_of(instruction)
            if payee is None:
                raise PaymentError(
                    f"no payee name for claim {instruction.claim_id}: "
                    "pay it through a PaymentRuns run, or give the gateway payee_of"
                )
            _, problem = sepa_problem("payee.name", payee.name, 70)
            if problem is not None:  # refused now, so that it never blocks a whole file
                raise PaymentError(f"claim {instruction.claim_id}: {problem}")
            key = instruction.idempotency_key
            reference = end_to_end_id(key)
            self._queued[key] = CreditTransfer(
                reference,
                instruction.amount,
                payee.name,
                instruction.payee_account,
                instruction.remittance,
                payee.address,
            )
            receipt = PaymentReceipt(key, reference, ReceiptStatus.PENDING)
            return self._ledger.take(instruction, receipt)

    def status(self, key: str) -> PaymentReceipt | None:
        """The receipt for ``key``: pending until the bank's camt says otherwise.

        ``None`` for a key never paid nor cancelled.
        """
        with self._lock:
            return self._ledger.status(key)

    def cancel(self, key: str) -> PaymentReceipt:
        """Cancel ``key`` while it waits for the next file; PaymentError once it was written.

        A key never paid is cancelled too: a later :meth:`pay` under it moves
        no money. A payment settled or failed by the bank's camt keeps that receipt.
        """
        with self._lock:
            receipt = self._ledger.status(key)
            if receipt is None:
                return self._ledger.cancel_unknown(key, end_to_end_id(key))
            if receipt.status is not ReceiptStatus.PENDING:
                return receipt
            if key not in self._queued:
                raise PaymentError(f"payment {key} is in a bank file already: ask the bank")
            del self._queued[key]
            cancelled = attrs.evolve(receipt, status=CANCELLED, failure_reason="cancelled")
            self._ledger.receipts[key] = cancelled
            return cancelled

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
            receipt = self._ledger.status(key)
            if receipt is not None and receipt.status is not ReceiptStatus.PENDING:
                return receipt
            reference = end_to_end_id(key) if receipt is None else receipt.reference
            failed = status is ReceiptStatus.FAILED
            failure = (reason or "returned by the bank") if failed else None
            self._ledger.receipts[key] = PaymentReceipt(key, reference, status, failure)
            return self._ledger.receipts[key]

    def queued(self) -> list[str]:
        """The keys waiting for the next file, in the order they were paid."""
        with self._lock:
            return list(self._queued)

    def payouts(self) -> list[str]:
        """The keys accepted and not cancelled, in order (for the contract suite)."""
        with self._lock:
            return [k for k, r in self._ledger.receipts.items() if r.status is not CANCELLED]

    def write_file(
        self, message_id: str, created_at: datetime, execution_date: date, *, instant: bool = False
    ) -> BankFile | None:
        """One ``pain.001`` of everything accepted since the last file (``None``: nothing).

        Raises :class:`~reimbursement.errors.ValidationError` when the file
        cannot be written (a name no rule can write, …); the instructions
        then stay queued, so nothing is lost.
        """
        with self._lock:
            transfers = list(self._queued.values())
            if not transfers:
                return None
            content = write_pain001(
                transfers,
                self.debtor,
                message_id=message_id,
                created_at=created_at,
                execution_date=execution_date,
                version=self.version,
                instant=instant,
            )
            written = BankFile(
                message_id,
                content,
                tuple(t.end_to_end_id for t in transfers),
                execution_date,
                instant,
            )
            self._queued.clear()
            self.files.append(written)
            return written
