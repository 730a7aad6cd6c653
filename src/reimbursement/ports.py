"""Ports: what the core needs from the outside world, as ``typing.Protocol``.

Each protocol's docstring is its contract, including the library errors
each method raises; ``reimbursement.testing`` holds one contract test suite
per port, which every adapter (ours and yours) must pass. Data that crosses
a port is frozen ``attrs`` classes. The in-memory adapters live in
:mod:`reimbursement.adapters.memory`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

import attrs

from .domain.claim import Claim
from .domain.events import EventType
from .domain.lifecycle import ClaimState
from .domain.money import Money

__all__ = [
    "ClaimRepository",
    "Clock",
    "CustomerDirectory",
    "CustomerProfile",
    "DocumentStore",
    "FxRates",
    "Notification",
    "Notifier",
    "Outbox",
    "PaymentGateway",
    "PaymentInstruction",
    "PaymentReceipt",
    "ReceiptStatus",
    "StoredDocument",
    "UnitOfWork",
]


class Clock(Protocol):
    """The time. The core never reads the wall clock; it asks this port."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class ClaimRepository(Protocol):
    """Claims, inside one :class:`UnitOfWork`; nothing is visible to others before commit.

    Every read sees the unit of work's own adds, saves and request keys, as a
    database transaction sees its own writes. Saves are optimistic: a claim
    is saved only over the version it was read at. Adapters translate driver
    errors into the library's errors.
    """

    def get(self, claim_id: str) -> Claim:
        """The claim ``claim_id`` as last committed (or saved in this unit of work).

        Raises :class:`~reimbursement.ClaimNotFoundError`.
        """
        ...

    def add(self, claim: Claim) -> None:
        """Store a new claim.

        Raises :class:`~reimbursement.DuplicateError` if the id exists.
        """
        ...

    def save(self, claim: Claim, expected_version: int) -> None:
        """Store ``claim`` over the version it was read at, ``expected_version``.

        Raises :class:`~reimbursement.ConcurrencyError` when the stored version
        is not ``expected_version`` (someone else saved in between), at the
        latest on commit, or when ``claim.version`` is not above it;
        :class:`~reimbursement.ClaimNotFoundError` when the claim was never added.
        """
        ...

    def for_customer(self, customer_id: str) -> Sequence[Claim]:
        """The customer's claims in the order they were added (oldest first)."""
        ...

    def latest_for_customer(self, customer_id: str) -> Claim | None:
        """The customer's claim added last, if any (used to pre-fill drafts)."""
        ...

    def find(self, states: Iterable[ClaimState] | None = None) -> Iterator[Claim]:
        """Every claim, or those in ``states``, in no particular order."""
        ...

    def next_number(self, scope: str) -> int:
        """The next value (1, 2, …) of the sequence ``scope``; never repeats, even on rollback."""
        ...

    def claim_for_request(self, key: str) -> str | None:
        """The claim id a command with this request key produced, if any."""
        ...

    def remember_request(self, key: str, claim_id: str) -> None:
        """Record that the command with request ``key`` produced ``claim_id`` (on commit)."""
        ...


@attrs.frozen
class Notification:
    """A message to a customer about their claim.

    ``key`` is the dedupe key (the id of the event it reports): delivering
    the same key twice must reach the customer once.
    """

    key: str
    customer_id: str
    claim_id: str
    claim_number: str | None
    event: EventType
    language: str
    subject: str
    body: str


class Outbox(Protocol):
    """Notifications written in the same transaction as the claim (transactional outbox)."""

    def add(self, notification: Notification) -> None:
        """Queue ``notification``; pending on commit (a key already pending is kept once)."""
        ...

    def pending(self, limit: int = 100) -> Sequence[Notification]:
        """Committed notifications not yet marked delivered, oldest first.

        Reads committed data at once, outside the unit of work's transaction
        (the dispatcher calls it, after commit or from another process).
        """
        ...

    def mark_delivered(self, keys: Iterable[str]) -> None:
        """Remove the notifications ``keys`` from the pending ones, at once.

        Like :meth:`pending`, it acts outside the unit of work's transaction,
        so it works after :meth:`UnitOfWork.commit`.
        """
        ...


class UnitOfWork(Protocol):
    """One transaction: the claims, their events and the outbox commit together.

    Use as a context manager; leaving it without :meth:`commit` rolls back.
    """

    @property
    def claims(self) -> ClaimRepository:
        """The claims, as this unit of work sees them."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox of this unit of work."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make every change visible at once.

        Raises :class:`~reimbursement.ConcurrencyError` if any saved claim
        was changed by another unit of work; then nothing is written.
        """
        ...

    def rollback(self) -> None:
        """Forget every change of this unit of work."""
        ...


class Notifier(Protocol):
    """Delivers notifications (e-mail, SMS, push, the insurer's app)."""

    def send(self, notification: Notification) -> None:
        """Deliver ``notification``; a key already delivered is not delivered again.

        Raises any error on failure; the notification then stays pending and
        is retried by the next dispatch.
        """
        ...


class ReceiptStatus(enum.StrEnum):
    """What the gateway says about a payment instruction."""

    PENDING = "pending"
    """Accepted; the outcome comes later (confirm or fail the payment then)."""
    SETTLED = "settled"
    """The money has been paid out."""
    FAILED = "failed"
    """The payment did not go through (``failure_reason`` says why)."""


@attrs.frozen
class PaymentInstruction:
    """Pay ``amount`` to ``payee_account``; ``idempotency_key`` makes it happen at most once."""

    idempotency_key: str
    claim_id: str
    payee_account: str
    amount: Money
    remittance: str


@attrs.frozen
class PaymentReceipt:
    """The gateway's answer to one instruction."""

    idempotency_key: str
    reference: str
    status: ReceiptStatus
    failure_reason: str | None = None


class PaymentGateway(Protocol):
    """Pays money out."""

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        """Pay once per ``idempotency_key``.

        A repeated instruction with the same key returns the first receipt
        and moves no money. The same key with a different amount or account
        raises :class:`~reimbursement.PaymentError`, as does an instruction
        the gateway cannot take at all.
        """
        ...


@attrs.frozen
class CustomerProfile:
    """What the insurer already knows about a customer: used to pre-fill drafts."""

    customer_id: str
    name: str
    policy_number: str
    policy_currency: str
    email: str = ""
    language: str = "en"
    payee_account: str = ""
    region: str = ""


class CustomerDirectory(Protocol):
    """The insurer's customer records."""

    def profile(self, customer_id: str) -> CustomerProfile:
        """The customer's profile; raises :class:`~reimbursement.CustomerNotFoundError`."""
        ...


@attrs.frozen
class StoredDocument:
    """A document's metadata as the store keeps it."""

    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str


class DocumentStore(Protocol):
    """Holds the bytes of attachments."""

    def put(self, content: bytes, *, file_name: str, media_type: str) -> StoredDocument:
        """Store ``content``; the returned id is new and never reused."""
        ...

    def get(self, document_id: str) -> bytes:
        """The bytes; raises :class:`~reimbursement.DocumentNotFoundError`."""
        ...

    def info(self, document_id: str) -> StoredDocument:
        """The metadata; raises :class:`~reimbursement.DocumentNotFoundError`."""
        ...


class FxRates(Protocol):
    """Exchange rates by day."""

    def rate(self, base: str, quote: str, on: date) -> Decimal:
        """Units of ``quote`` for one unit of ``base`` on day ``on`` (1 when equal).

        Raises :class:`~reimbursement.RateNotFoundError` when no rate is known
        for that day (an adapter may fall back to the last earlier business
        day, and says so in its docs).
        """
        ...
