"""The in-memory adapters of the ports other than the claim store.

Notifier, payment gateway, customer directory, document store, exchange
rates and a manual clock, each behaving like a real adapter, errors
included: a repeated payment key moves no money, a repeated notification
key reaches the customer once.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

from ...domain.money import Money
from ...errors import (
    CustomerNotFoundError,
    DocumentNotFoundError,
    PaymentError,
    RateNotFoundError,
    ValidationError,
)
from ...ports import (
    CustomerProfile,
    Notification,
    PaymentInstruction,
    PaymentReceipt,
    ReceiptStatus,
    StoredDocument,
)

__all__ = [
    "InMemoryCustomerDirectory",
    "InMemoryDocumentStore",
    "InMemoryFxRates",
    "InMemoryNotifier",
    "InMemoryPaymentGateway",
    "ManualClock",
    "new_document_id",
]


class InMemoryNotifier:
    """Records what it delivers, once per key."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self._keys: set[str] = set()
        self._lock = threading.Lock()
        self.failures_to_simulate = 0

    def send(self, notification: Notification) -> None:
        with self._lock:
            if self.failures_to_simulate:
                self.failures_to_simulate -= 1
                raise ConnectionError("simulated delivery failure")
            if notification.key in self._keys:
                return
            self._keys.add(notification.key)
            self.sent.append(notification)

    def to(self, customer_id: str) -> list[Notification]:
        """What ``customer_id`` received, in order."""
        return [n for n in self.sent if n.customer_id == customer_id]


# One payment as the in-memory gateway keeps it: plain values only, so the
# garbage collector stops tracking it (a long-running notebook keeps many):
# (claim id, payee account, remittance, amount, currency, reference, status, failure reason)
_Sent = tuple[str, str, str, Decimal, str, str, str, str | None]
_ACCOUNT: Final = 1
_AMOUNT: Final = 3
_CURRENCY: Final = 4
_REFERENCE: Final = 5
_STATUS: Final = 6
_REASON: Final = 7


class InMemoryPaymentGateway:
    """A gateway that pays at once (``settle_immediately``) or later, on :meth:`settle`.

    Accounts in ``failing_accounts`` fail with the reason given there. A
    pending payment ends when the test says so: :meth:`settle`, :meth:`fail`,
    or :meth:`cancel` (the port's call); :meth:`settle_late` plays a bank
    that paid a cancelled instruction anyway, which the desk must report
    and never pay again.
    """

    def __init__(
        self, *, settle_immediately: bool = True, failing_accounts: Mapping[str, str] | None = None
    ) -> None:
        self.settle_immediately = settle_immediately
        self.failing_accounts = dict(failing_accounts or {})
        self._sent: dict[str, _Sent] = {}  # by idempotency key
        self._by_reference: dict[str, str] = {}  # reference -> idempotency key
        self._paid_out: list[str] = []  # idempotency keys, in the order the money moved
        self._references = itertools.count(1)
        self._lock = threading.RLock()

    @property
    def payouts(self) -> list[PaymentInstruction]:
        """The instructions whose money has moved, in order."""
        with self._lock:
            return [self._instruction(key) for key in self._paid_out]

    def receipt(self, idempotency_key: str) -> PaymentReceipt | None:
        """The gateway's latest answer for ``idempotency_key`` (``None``: never sent)."""
        return self.status(idempotency_key)

    def pending(self) -> list[str]:
        """The idempotency keys of payments accepted but neither settled nor failed."""
        with self._lock:
            pending = ReceiptStatus.PENDING.value
            return [key for key, sent in self._sent.items() if sent[_STATUS] == pending]

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        with self._lock:
            return self._pay(instruction)

    def _pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        key = instruction.idempotency_key
        amount = instruction.amount
        first = self._sent.get(key)
        if first is not None and first[_STATUS] == ReceiptStatus.CANCELLED.value:
            return self._receipt(key)  # a cancelled key never pays, whatever it is sent with
        if first is not None:
            if (first[_AMOUNT], first[_CURRENCY], first[_ACCOUNT]) != (
                amount.amount,
                amount.currency,
                instruction.payee_account,
            ):
                raise PaymentError(
                    f"payment key {key} was used for {first[_AMOUNT]} {first[_CURRENCY]} "
                    f"to {first[_ACCOUNT]}; "
                    "the same key cannot pay another amount or account"
                )
            return self._receipt(key)
        if not amount or amount.is_negative():
            raise PaymentError(f"cannot pay {amount}")
        reference = f"PAY-{next(self._references):08d}"
        reason = self.failing_accounts.get(instruction.payee_account)
        if reason is not None:
            status = ReceiptStatus.FAILED
        elif self.settle_immediately:
            status = ReceiptStatus.SETTLED
            self._paid_out.append(key)
        else:
            status = ReceiptStatus.PENDING
        self._sent[key] = (
            instruction.claim_id,
            instruction.payee_account,
            instruction.remittance,
            amount.amount,
            amount.currency,
            reference,
            status.value,
            reason,
        )
        self._by_reference[reference] = key
        return PaymentReceipt(key, reference, status, reason)

    def status(self, idempotency_key: str) -> PaymentReceipt | None:
        """The current receipt of ``idempotency_key`` (``None``: never sent nor cancelled)."""
        with self._lock:
            return self._receipt(idempotency_key) if idempotency_key in self._sent else None

    def cancel(self, idempotency_key: str) -> PaymentReceipt:
        """Stop the payment ``idempotency_key`` unless it settled or failed (see the port)."""
        with self._lock:
            sent = self._sent.get(idempotency_key)
            if sent is None:  # never received: closed, so that it cannot pay later
                reference = f"PAY-{next(self._references):08d}"
                cancelled = ReceiptStatus.CANCELLED.value
                closed = ("", "", "", Decimal(0), "", reference, cancelled, None)
                self._sent[idempotency_key] = closed
                self._by_reference[reference] = idempotency_key
            elif sent[_STATUS] == ReceiptStatus.PENDING.value:
                stopped = ReceiptStatus.CANCELLED.value
                self._sent[idempotency_key] = (*sent[:_STATUS], stopped, None)
            return self._receipt(idempotency_key)

    def settle(self, reference: str) -> PaymentReceipt:
        """Settle the pending payment ``reference`` (as the bank would, later)."""
        return self._finish(reference, ReceiptStatus.SETTLED, None)

    def settle_late(self, reference: str) -> PaymentReceipt:
        """Settle ``reference`` although it was cancelled: a bank that paid before the
        cancellation reached it. The money moves; the receipt says ``SETTLED``."""
        with self._lock:
            key = self._by_reference.get(reference)
            sent = self._sent.get(key) if key is not None else None
            if key is None or sent is None or not sent[_CURRENCY]:
                raise PaymentError(f"no payment instruction with reference {reference}")
            if sent[_STATUS] not in (ReceiptStatus.PENDING.value, ReceiptStatus.CANCELLED.value):
                raise PaymentError(f"payment {reference} is already {sent[_STATUS]}")
            self._sent[key] = (*sent[:_STATUS], ReceiptStatus.SETTLED.value, None)
            self._paid_out.append(key)
            return self._receipt(key)

    def fail(self, reference: str, reason: str) -> PaymentReceipt:
        """Fail the pending payment ``reference``."""
        return self._finish(reference, ReceiptStatus.FAILED, reason)

    def _finish(self, reference: str, status: ReceiptStatus, reason: str | None) -> PaymentReceipt:
        with self._lock:
            key = self._by_reference.get(reference)
            if key is None:
                raise PaymentError(f"no payment with reference {reference}")
            sent = self._sent[key]
            if sent[_STATUS] != ReceiptStatus.PENDING.value:
                raise PaymentError(f"payment {reference} is already {sent[_STATUS]}")
            self._sent[key] = (*sent[:_STATUS], status.value, reason)
            if status is ReceiptStatus.SETTLED:
                self._paid_out.append(key)
            return self._receipt(key)

    def paid_to(self, claim_id: str) -> list[PaymentInstruction]:
        """The payouts made for ``claim_id``."""
        return [p for p in self.payouts if p.claim_id == claim_id]

    def _receipt(self, key: str) -> PaymentReceipt:
        sent = self._sent[key]
        return PaymentReceipt(key, sent[_REFERENCE], ReceiptStatus(sent[_STATUS]), sent[_REASON])

    def _instruction(self, key: str) -> PaymentInstruction:
        claim_id, account, remittance, amount, currency = self._sent[key][:5]
        return PaymentInstruction(key, claim_id, account, Money(amount, currency), remittance)


class InMemoryCustomerDirectory:
    """Customer profiles kept in a dictionary."""

    def __init__(self, profiles: Iterable[CustomerProfile] = ()) -> None:
        self._profiles = {p.customer_id: p for p in profiles}

    def add(self, profile: CustomerProfile) -> None:
        """Add or replace a profile."""
        self._profiles[profile.customer_id] = profile

    def profile(self, customer_id: str) -> CustomerProfile:
        try:
            return self._profiles[customer_id]
        except KeyError:
            raise CustomerNotFoundError(f"no customer {customer_id!r} in the directory") from None


class InMemoryDocumentStore:
    """Document bytes in a dictionary; ids are random (``doc-`` and 32 hex digits), never reused.

    Random rather than counted, so that a new process beside a durable claim
    store can never hand out the id of an old claim's document. ``new_id``
    replaces the random ids (reproducible runs and simulations).
    """

    def __init__(self, new_id: Callable[[], str] | None = None) -> None:
        self._docs: dict[str, tuple[StoredDocument, bytes]] = {}
        self._lock = threading.Lock()
        self._new_id = new_id if new_id is not None else new_document_id

    def put(self, content: bytes, *, file_name: str, media_type: str) -> StoredDocument:
        doc_id = self._new_id()
        info = StoredDocument(
            doc_id, file_name, media_type, len(content), hashlib.sha256(content).hexdigest()
        )
        with self._lock:
            self._docs[doc_id] = (info, bytes(content))
        return info

    def delete(self, document_id: str) -> None:
        with self._lock:
            self._docs.pop(document_id, None)

    def get(self, document_id: str) -> bytes:
        return self._entry(document_id)[1]

    def __len__(self) -> int:
        return len(self._docs)

    def info(self, document_id: str) -> StoredDocument:
        return self._entry(document_id)[0]

    def _entry(self, document_id: str) -> tuple[StoredDocument, bytes]:
        try:
            return self._docs[document_id]
        except KeyError:
            raise DocumentNotFoundError(f"no document {document_id!r}") from None


class InMemoryFxRates:
    """A rate table by day.

    A day without a rate (a weekend, a bank holiday) takes the rate of the
    last earlier day that has one, at most ``lookback_days`` back. The inverse
    pair is derived when only one direction is known.
    """

    def __init__(
        self,
        rates: Mapping[tuple[str, str, date], Decimal] | None = None,
        *,
        lookback_days: int = 7,
    ) -> None:
        self._rates: dict[tuple[str, str, date], Decimal] = {}
        self.lookback_days = lookback_days
        for (base, quote, on), rate in (rates or {}).items():
            self.set(base, quote, on, rate)

    def set(self, base: str, quote: str, on: date, rate: Decimal) -> None:
        """Units of ``quote`` per unit of ``base`` on day ``on``."""
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
            raise ValidationError.at("rate", f"{rate!r} is not a positive Decimal")
        self._rates[(base, quote, on)] = rate

    def rate(self, base: str, quote: str, on: date) -> Decimal:
        if base == quote:
            return Decimal(1)
        for back in range(self.lookback_days + 1):
            day = on - timedelta(days=back)
            direct = self._rates.get((base, quote, day))
            if direct is not None:
                return direct
            inverse = self._rates.get((quote, base, day))
            if inverse is not None:
                return Decimal(1) / inverse
        raise RateNotFoundError(
            f"no {base}/{quote} rate on {on} or the {self.lookback_days} days before"
        )


class ManualClock:
    """A clock that moves only when told: for tests, demos and simulations."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (aware)."""
        self._now = _aware(instant)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new now."""
        self._now = self._now + delta
        return self._now


def new_document_id() -> str:
    """A new document id: ``doc-`` and 128 random bits in hex, unique forever in practice."""
    return f"doc-{uuid.uuid4().hex}"


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError.at("instant", f"{instant} has no time zone; give an aware datetime")
    return instant
