"""In-memory adapters: the embedded default for tests, demos and notebooks.

They behave like the real ones, errors included: a stale save raises the
same :class:`~reimbursement.ConcurrencyError` a database adapter raises, a
repeated payment key moves no money, a repeated notification key reaches the
customer once. Nothing survives the process.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Final, Self

from ..domain.claim import Claim
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..errors import (
    ClaimNotFoundError,
    ConcurrencyError,
    CustomerNotFoundError,
    DocumentNotFoundError,
    DuplicateError,
    PaymentError,
    RateNotFoundError,
    ValidationError,
)
from ..ports import (
    Clock,
    CustomerProfile,
    Notification,
    Notifier,
    PaymentInstruction,
    PaymentReceipt,
    ReceiptStatus,
    StoredDocument,
)
from ..service.adapters import Adapters

__all__ = [
    "InMemoryClaimStore",
    "InMemoryCustomerDirectory",
    "InMemoryDocumentStore",
    "InMemoryFxRates",
    "InMemoryNotifier",
    "InMemoryPaymentGateway",
    "InMemoryUnitOfWork",
    "ManualClock",
    "create",
]


class InMemoryClaimStore:
    """The committed data: claims, sequences, request keys and the outbox.

    Shared by every :class:`InMemoryUnitOfWork` made from it; thread-safe.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.claims: dict[str, Claim] = {}
        self.by_customer: dict[str, list[str]] = {}
        self.sequences: dict[str, int] = {}
        self.requests: dict[str, str] = {}
        self.outbox: dict[str, Notification] = {}

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new transaction on this store."""
        return InMemoryUnitOfWork(self)

    def __len__(self) -> int:
        return len(self.claims)


class _Repository:
    """The claims of one unit of work: reads see committed data plus own writes.

    Its staging dictionaries are made on first write: most units of work
    read and save one claim, and every container made costs.
    """

    __slots__ = ("_store", "added", "requests", "saved")

    def __init__(self, store: InMemoryClaimStore) -> None:
        self._store = store
        self.added: dict[str, Claim] | None = None
        # claim id -> (the claim to write, the stored version it was read at)
        self.saved: dict[str, tuple[Claim, int]] | None = None
        self.requests: dict[str, str] | None = None

    def forget(self) -> None:
        """Drop everything staged (after commit or on rollback)."""
        self.added = self.saved = self.requests = None

    def get(self, claim_id: str) -> Claim:
        if self.saved is not None and claim_id in self.saved:
            return self.saved[claim_id][0]
        if self.added is not None and claim_id in self.added:
            return self.added[claim_id]
        try:
            return self._store.claims[claim_id]
        except KeyError:
            raise ClaimNotFoundError(f"no claim {claim_id!r}") from None

    def add(self, claim: Claim) -> None:
        added = self.added
        if claim.id in self._store.claims or (added is not None and claim.id in added):
            raise DuplicateError(f"claim {claim.id!r} already exists")
        if added is None:
            added = self.added = {}
        added[claim.id] = claim

    def save(self, claim: Claim, expected_version: int) -> None:
        claim_id = claim.id
        current = self.get(claim_id)
        current_version = current.version
        if current_version != expected_version:
            raise ConcurrencyError(
                f"claim {claim_id} is at version {current_version}, not {expected_version} "
                "as read: someone changed it meanwhile; reload and retry"
            )
        if claim.version <= expected_version:
            raise ConcurrencyError(
                f"claim {claim_id}: the new version {claim.version} is not above "
                f"{expected_version}; every change appends an event"
            )
        if self.added is not None and claim_id in self.added:
            self.added[claim_id] = claim
            return
        saved = self.saved
        if saved is None:
            self.saved = {claim_id: (claim, current_version)}
        else:
            read = saved[claim_id][1] if claim_id in saved else current_version
            saved[claim_id] = (claim, read)

    def for_customer(self, customer_id: str) -> Sequence[Claim]:
        ids = list(self._store.by_customer.get(customer_id, ()))
        if self.added is not None:
            ids.extend(c.id for c in self.added.values() if c.customer_id == customer_id)
        return [self.get(i) for i in ids]

    def latest_for_customer(self, customer_id: str) -> Claim | None:
        if self.added is not None:
            for claim in reversed(self.added.values()):
                if claim.customer_id == customer_id:
                    return claim
        ids = self._store.by_customer.get(customer_id)
        return self.get(ids[-1]) if ids else None

    def find(self, states: Iterable[ClaimState] | None = None) -> Iterator[Claim]:
        wanted = None if states is None else frozenset(states)
        seen = {**self._store.claims, **(self.added or {})}
        if self.saved is not None:
            seen.update((claim_id, staged[0]) for claim_id, staged in self.saved.items())
        return (c for c in seen.values() if wanted is None or c.state in wanted)

    def next_number(self, scope: str) -> int:
        with self._store.lock:  # sequences never roll back, as in a database
            value = self._store.sequences.get(scope, 0) + 1
            self._store.sequences[scope] = value
        return value

    def claim_for_request(self, key: str) -> str | None:
        if self.requests is not None and key in self.requests:
            return self.requests[key]
        return self._store.requests.get(key)

    def remember_request(self, key: str, claim_id: str) -> None:
        if self.requests is None:
            self.requests = {}
        self.requests[key] = claim_id


class _Outbox:
    __slots__ = ("_store", "staged")

    def __init__(self, store: InMemoryClaimStore) -> None:
        self._store = store
        self.staged: list[Notification] = []

    def add(self, notification: Notification) -> None:
        self.staged.append(notification)

    def pending(self, limit: int = 100) -> Sequence[Notification]:
        with self._store.lock:
            return list(itertools.islice(self._store.outbox.values(), limit))

    def mark_delivered(self, keys: Iterable[str]) -> None:
        with self._store.lock:
            outbox = self._store.outbox
            for key in keys:
                outbox.pop(key, None)


class InMemoryUnitOfWork:
    """One transaction on an :class:`InMemoryClaimStore`: all or nothing, checked on commit."""

    __slots__ = ("_outbox", "_store", "claims")

    def __init__(self, store: InMemoryClaimStore) -> None:
        self._store = store
        self.claims = _Repository(store)
        self._outbox: _Outbox | None = None  # made when first used

    @property
    def outbox(self) -> _Outbox:
        """The notifications staged in this unit of work."""
        if self._outbox is None:
            self._outbox = _Outbox(self._store)
        return self._outbox

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # left without commit (or after it): forget what was staged
        repo = self.claims
        repo.added = repo.saved = repo.requests = None
        if self._outbox is not None:
            self._outbox.staged.clear()

    def commit(self) -> None:
        repo, store = self.claims, self._store
        claims = store.claims
        saved, added = repo.saved, repo.added
        with store.lock:
            if saved is not None:
                for claim_id, (_, version) in saved.items():
                    stored = claims[claim_id].version
                    if stored != version:
                        raise ConcurrencyError(
                            f"claim {claim_id} changed from version {version} to {stored} "
                            "since it was read: reload and retry"
                        )
            if added is not None:
                for claim_id in added:
                    if claim_id in claims:
                        raise DuplicateError(f"claim {claim_id!r} already exists")
                for claim in added.values():
                    claims[claim.id] = claim
                    store.by_customer.setdefault(claim.customer_id, []).append(claim.id)
            if saved is not None:
                for claim_id, (claim, _) in saved.items():
                    claims[claim_id] = claim
            if repo.requests is not None:
                store.requests.update(repo.requests)
            if self._outbox is not None:
                for notification in self._outbox.staged:
                    store.outbox[notification.key] = notification
        self.rollback()

    def rollback(self) -> None:
        self.claims.forget()
        if self._outbox is not None:
            self._outbox.staged.clear()


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

    Accounts in ``failing_accounts`` fail with the reason given there.
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
        with self._lock:
            return self._receipt(idempotency_key) if idempotency_key in self._sent else None

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

    def settle(self, reference: str) -> PaymentReceipt:
        """Settle the pending payment ``reference`` (as the bank would, later)."""
        return self._finish(reference, ReceiptStatus.SETTLED, None)

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
    """Document bytes in a dictionary; ids ``doc-1``, ``doc-2``, … never reused."""

    def __init__(self) -> None:
        self._docs: dict[str, tuple[StoredDocument, bytes]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def put(self, content: bytes, *, file_name: str, media_type: str) -> StoredDocument:
        with self._lock:
            doc_id = f"doc-{next(self._ids)}"
        info = StoredDocument(
            doc_id, file_name, media_type, len(content), hashlib.sha256(content).hexdigest()
        )
        self._docs[doc_id] = (info, bytes(content))
        return info

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


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError.at("instant", f"{instant} has no time zone; give an aware datetime")
    return instant


def create(
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    customers: Iterable[CustomerProfile] = (),
    fx_rates: Mapping[tuple[str, str, date], Decimal] | None = None,
    settle_immediately: bool = True,
    store: InMemoryClaimStore | None = None,
) -> Adapters:
    """Every port wired to its in-memory adapter."""
    from .system import SystemClock  # the only wall-clock reader, in an adapter

    claim_store = store if store is not None else InMemoryClaimStore()
    return Adapters(
        unit_of_work=claim_store.unit_of_work,
        notifier=notifier if notifier is not None else InMemoryNotifier(),
        payments=InMemoryPaymentGateway(settle_immediately=settle_immediately),
        directory=InMemoryCustomerDirectory(customers),
        documents=InMemoryDocumentStore(),
        fx_rates=InMemoryFxRates(fx_rates),
        clock=clock if clock is not None else SystemClock(),
    )
