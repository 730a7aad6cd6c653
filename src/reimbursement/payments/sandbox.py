"""A sandbox payment gateway: a bank that answers late, sometimes fails, and calls back twice.

For demos and tests of what an integration must survive. Every instruction
is accepted as pending; its outcome (settled, or failed with the share
``failure_rate``) is decided at once from a seeded generator and becomes
due ``latency`` later (with ``jitter``). :meth:`SandboxGateway.callbacks`
hands out the outcomes due by then, as a real gateway's webhooks would: a
share ``duplicate_rate`` of them twice, and, with ``out_of_order``, shuffled.
:func:`apply_callbacks` feeds them to the desk and reports what it ignored.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import attrs

from ..domain.actors import Actor
from ..domain.lifecycle import ClaimState
from ..errors import ReimbursementError
from ..ports import Clock, PaymentInstruction, PaymentReceipt, ReceiptStatus
from ..service.desk import ReimbursementDesk
from ._ledger import CANCELLED, Ledger

__all__ = ["CallbackReport", "SandboxGateway", "apply_callbacks"]


@attrs.frozen
class _Due:
    at: datetime
    receipt: PaymentReceipt
    claim_id: str


class SandboxGateway:
    """A :class:`~reimbursement.ports.PaymentGateway` with configurable misbehaviour.

    ``failing_accounts`` always fail with their reason. Raises
    :class:`~reimbursement.errors.PaymentError` as the port says.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int = 0,
        latency: timedelta = timedelta(minutes=5),
        jitter: timedelta = timedelta(0),
        failure_rate: float = 0.0,
        duplicate_rate: float = 0.0,
        out_of_order: bool = False,
        failing_accounts: Mapping[str, str] | None = None,
    ) -> None:
        for name, rate in (("failure_rate", failure_rate), ("duplicate_rate", duplicate_rate)):
            if not 0 <= rate <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        self._clock = clock
        self._rng = random.Random(seed)
        self.latency, self.jitter = latency, jitter
        self.failure_rate, self.duplicate_rate = failure_rate, duplicate_rate
        self.out_of_order = out_of_order
        self.failing_accounts = dict(failing_accounts or {})
        self._ledger = Ledger()
        self._outcomes: dict[str, _Due] = {}
        self._queue: list[_Due] = []
        self._lock = threading.Lock()
        self._count = 0

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        """Accept ``instruction`` as pending; its outcome comes by :meth:`callbacks`."""
        with self._lock:
            seen = self._ledger.seen(instruction)
            if seen is not None:
                return seen
            self._count += 1
            key = instruction.idempotency_key
            receipt = PaymentReceipt(key, f"SBX-{self._count:08d}", ReceiptStatus.PENDING)
            reason = self.failing_accounts.get(instruction.payee_account)
            if reason is None and self._rng.random() < self.failure_rate:
                reason = "AC04 account closed (sandbox failure)"
            outcome = attrs.evolve(
                receipt,
                status=ReceiptStatus.SETTLED if reason is None else ReceiptStatus.FAILED,
                failure_reason=reason,
            )
            delay = self.latency + self.jitter * self._rng.random()
            due = _Due(self._clock.now() + delay, outcome, instruction.claim_id)
            self._outcomes[key] = due
            self._queue.append(due)
            if self._rng.random() < self.duplicate_rate:
                self._queue.append(attrs.evolve(due, at=due.at + delay))
            return self._ledger.take(instruction, receipt)

    def status(self, key: str) -> PaymentReceipt | None:
        """The receipt for ``key`` now: the outcome once it is due, else pending.

        ``None`` for a key never paid nor cancelled.
        """
        with self._lock:
            receipt = self._ledger.status(key)
            due = self._outcomes.get(key)
            if due is not None and due.at <= self._clock.now():
                return due.receipt
            return receipt

    def cancel(self, key: str) -> PaymentReceipt:
        """Stop ``key`` while its outcome is not due yet; once it is, its outcome.

        A key never paid is cancelled too: a later :meth:`pay` under it moves no money.
        """
        with self._lock:
            receipt = self._ledger.status(key)
            if receipt is None:
                self._count += 1
                return self._ledger.cancel_unknown(key, f"SBX-{self._count:08d}")
            due = self._outcomes.get(key)
            if due is None or receipt.status is CANCELLED:
                return receipt
            if due.at <= self._clock.now():
                return due.receipt  # too late: settled or failed already
            del self._outcomes[key]
            self._queue = [d for d in self._queue if d.receipt.idempotency_key != key]
            cancelled = attrs.evolve(receipt, status=CANCELLED, failure_reason="cancelled")
            self._ledger.receipts[key] = cancelled
            return cancelled

    def callbacks(self, until: datetime | None = None) -> list[tuple[str, PaymentReceipt]]:
        """The ``(claim id, receipt)`` outcomes due by ``until`` (default: now), each once."""
        with self._lock:
            limit = self._clock.now() if until is None else until
            due = [d for d in self._queue if d.at <= limit]
            self._queue = [d for d in self._queue if d.at > limit]
            due.sort(key=lambda d: d.at)
            if self.out_of_order:
                self._rng.shuffle(due)
            return [(d.claim_id, d.receipt) for d in due]

    def payouts(self) -> list[str]:
        """The keys accepted and not cancelled, in order (for the contract suite)."""
        with self._lock:
            return [k for k, r in self._ledger.receipts.items() if r.status is not CANCELLED]


@attrs.frozen
class CallbackReport:
    """What :func:`apply_callbacks` did: claims moved, and callbacks it ignored, with why."""

    paid: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    ignored: tuple[tuple[str, str], ...] = ()


def apply_callbacks(
    desk: ReimbursementDesk, actor: Actor, callbacks: Iterable[tuple[str, PaymentReceipt]]
) -> CallbackReport:
    """Confirm or fail each claim by its callback; a repeated or stale one changes nothing."""
    paid: list[str] = []
    failed: list[str] = []
    ignored: list[tuple[str, str]] = []
    for claim_id, receipt in callbacks:
        claim = desk.get(actor, claim_id)
        payment = claim.payment
        if payment is None or payment.gateway_reference != receipt.reference:
            ignored.append((receipt.reference, "not the claim's current payment attempt"))
            continue
        if claim.state is not ClaimState.PAYMENT_APPROVED:
            ignored.append((receipt.reference, "already settled"))
            continue
        try:
            if receipt.status is ReceiptStatus.SETTLED:
                desk.confirm_payment(actor, claim_id, receipt.reference)
                paid.append(claim_id)
            elif receipt.status is ReceiptStatus.FAILED:
                reason = receipt.failure_reason or "refused by the bank"
                desk.fail_payment(actor, claim_id, receipt.reference, reason)
                failed.append(claim_id)
        except ReimbursementError as error:  # a concurrent callback won: report, never apply twice
            ignored.append((receipt.reference, str(error)))
    return CallbackReport(tuple(paid), tuple(failed), tuple(ignored))
