"""The claim store's ports: the repository, the unit of work, the outbox and its queue.

The records that cross them (:class:`Page`, :class:`RequestRecord`,
:class:`Notification`, :class:`OutboxMessage`) are frozen ``attrs`` classes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

import attrs

from ..domain.claim import Claim
from ..domain.events import EventType
from ..domain.lifecycle import ClaimState
from ..domain.schedule import NO_SCHEDULE, ClaimSchedule
from ..domain.sla.records import SlaStatus, scheduled_status
from ._audit_queue import AuditQueue
from ._duplicates import DuplicateLookups
from ._requests import RequestRecord

__all__ = [
    "ClaimRepository",
    "ClaimSummary",
    "Notification",
    "Outbox",
    "OutboxMessage",
    "OutboxQueue",
    "Page",
    "UnitOfWork",
]


T = TypeVar("T")


@attrs.frozen
class Page(Generic[T]):
    """One page of a list, and where the next one starts.

    Lists are keyset-paginated: pass ``next_cursor`` as ``after`` to get the
    next page; ``None`` means this is the last one. A cursor is opaque text
    made by the adapter; a cursor it did not make raises
    :class:`~reimbursement.errors.ValidationError` at ``after``.
    """

    items: tuple[T, ...]
    next_cursor: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@attrs.frozen
class ClaimSummary:
    """A line of a work queue: what a list shows of a claim, read from indexed columns.

    Open the claim itself with ``get(id)`` (a queue page of 50 does not
    decode 50 whole claims).
    """

    id: str
    number: str | None
    customer_id: str
    state: ClaimState
    due_at: datetime | None
    version: int
    next_check_at: datetime | None = None
    """The schedule's next check: the stage's warning until it is recorded, then its due time."""

    def sla_status(self, now: datetime) -> SlaStatus:
        """On track, warning (past the SLA policy's threshold) or breached, at ``now``."""
        return scheduled_status(self.due_at, self.next_check_at, now)


class ClaimRepository(DuplicateLookups, AuditQueue, Protocol):
    """Claims, inside one :class:`UnitOfWork`; nothing is visible to others before commit.

    The duplicate look-ups are :class:`~reimbursement.ports.DuplicateLookups`, the
    audit queue :class:`~reimbursement.ports.AuditQueue`.

    Every read sees the unit of work's own adds, saves and request keys, as a
    database transaction sees its own writes. Saves are optimistic: a claim
    is saved only over the version it was read at, checked again on commit.
    Lists are keyset-paginated :class:`Page` objects (``limit`` from 1 to
    1,000, else :class:`~reimbursement.errors.ValidationError`). Adapters
    translate driver errors into the library's errors
    (:class:`~reimbursement.errors.StorageError` for a store that cannot be
    reached or holds a record it cannot read).
    """

    def get(self, claim_id: str) -> Claim:
        """The claim ``claim_id`` as last committed (or saved in this unit of work).

        Raises :class:`~reimbursement.errors.ClaimNotFoundError`.
        """
        ...

    def by_number(self, number: str) -> Claim:
        """The claim numbered ``number`` (``CLM-2026-000001``), from an index.

        Raises :class:`~reimbursement.errors.ClaimNotFoundError`.
        """
        ...

    def add(self, claim: Claim, schedule: ClaimSchedule = NO_SCHEDULE) -> None:
        """Store a new claim.

        Raises :class:`~reimbursement.errors.DuplicateError` if the id exists
        (at once or on commit).
        """
        ...

    def save(
        self, claim: Claim, expected_version: int, schedule: ClaimSchedule = NO_SCHEDULE
    ) -> None:
        """Store ``claim`` over the version it was read at, ``expected_version``.

        Raises :class:`~reimbursement.errors.ConcurrencyError` when the stored
        version is not ``expected_version`` (someone else saved in between),
        at once or at the latest on commit, or when ``claim.version`` is not
        above it; :class:`~reimbursement.errors.ClaimNotFoundError` when the
        claim was never added.
        """
        ...

    def reschedule(self, claim_id: str, schedule: ClaimSchedule) -> None:
        """Replace the stored schedule of ``claim_id`` alone (the claim is unchanged).

        Raises :class:`~reimbursement.errors.ClaimNotFoundError`.
        """
        ...

    def for_customer(
        self, customer_id: str, *, after: str | None = None, limit: int = 50
    ) -> Page[Claim]:
        """The customer's claims in the order they were added (oldest first)."""
        ...

    def latest_for_customer(self, customer_id: str) -> Claim | None:
        """The customer's claim added last, if any (used to pre-fill drafts)."""
        ...

    def in_states(
        self, states: Iterable[ClaimState], *, after: str | None = None, limit: int = 50
    ) -> Page[Claim]:
        """The claims in any of ``states``, in the order they were added."""
        ...

    def work_queue(
        self, reviewers: Iterable[str], *, after: str | None = None, limit: int = 50
    ) -> Page[ClaimSummary]:
        """The claims in review that any of ``reviewers`` holds (as assignee or plan step).

        Ordered by the schedule's ``due_at`` (soonest first, claims without a
        due time last), then by the order they were added.
        """
        ...

    def due_for_check(
        self,
        before: datetime,
        *,
        limit: int = 50,
        skip_locked: bool = False,
        excluding: Collection[str] = (),
    ) -> Sequence[Claim]:
        """The claims whose ``next_check_at`` is at or before ``before``, soonest first.

        At most ``limit`` of them, none of the ids in ``excluding`` (claims the
        sweeper found unreadable). A stored claim that cannot be read raises
        :class:`~reimbursement.errors.StorageError` with its ``claim_id``.

        With ``skip_locked`` a database adapter locks the claims returned until
        this unit of work ends and skips those another unit of work holds
        (``FOR UPDATE SKIP LOCKED``), so that many sweepers share the work.
        """
        ...

    def open_work(self, reviewers: Iterable[str] | None = None) -> Mapping[str, int]:
        """How many claims or plan steps in review each reviewer holds, from the stored claims.

        Only reviewers holding something are listed (all of them, or those in
        ``reviewers``). It is what routing counts as a reviewer's load: read
        inside the transaction, it is the same in every process.
        """
        ...

    def next_number(self, scope: str) -> int:
        """The next value (1, 2, …) of the sequence ``scope``; never repeats, even on rollback."""
        ...

    def request(self, key: str) -> RequestRecord | None:
        """What the command with request ``key`` produced, if it was committed (or staged here)."""
        ...

    def remember_request(self, record: RequestRecord) -> None:
        """Record ``record`` with this unit of work.

        Request keys are unique in the store: when another unit of work
        committed the same key first, :meth:`UnitOfWork.commit` raises
        :class:`~reimbursement.errors.DuplicateRequestError` and writes
        nothing. Keys are kept as long as the store keeps its claims.
        """
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
    """Notifications written in the same transaction as the claim (transactional outbox).

    Delivery is the :class:`OutboxQueue`'s job, outside any unit of work.
    """

    def add(self, notification: Notification) -> None:
        """Queue ``notification`` on commit; a key already queued is kept once, as first queued."""
        ...

    def lease_on_commit(self, until: datetime) -> None:
        """Lease what this unit of work queues to its caller until ``until``, in the commit itself.

        For delivery right after the commit without another transaction:
        a claim's newly queued messages are leased only when the claim had
        no undelivered message in line before them (its older messages go
        first, through a dispatcher; a deferred one is out of line), and a
        key that was already queued is not leased again. After
        :meth:`UnitOfWork.commit`, :attr:`leased` has them; nobody else
        leases them before ``until``.
        """
        ...

    @property
    def leased(self) -> Sequence[Notification]:
        """What the last commit queued leased to the caller, in the order added.

        Empty before a commit, without :meth:`lease_on_commit`, and after a
        refused commit. The caller delivers them in order, stops a claim's
        line at its first failure, and reports each through the
        :class:`OutboxQueue` as it would a leased batch (a failure of one
        of them is its first attempt).
        """
        ...


@attrs.frozen
class OutboxMessage:
    """A committed notification waiting for delivery, with its delivery history."""

    notification: Notification
    attempts: int = 0
    """Failed deliveries so far."""
    last_error: str | None = None


class OutboxQueue(Protocol):
    """The dispatcher's side of the outbox: leased batches, acknowledgements, poison messages.

    Each method is its own short transaction on committed data. Delivery is
    at least once: a message leased by a dispatcher that dies is leased
    again when its lease ends, and the notifier's dedupe key (the
    notification's ``key``) keeps the customer from seeing it twice. A
    claim's notifications are delivered in the order they were queued.
    """

    def claim_batch(
        self,
        limit: int,
        *,
        now: datetime,
        lease: timedelta,
    ) -> Sequence[OutboxMessage]:
        """Lease up to ``limit`` messages due at ``now`` to the caller until ``now + lease``.

        At most one message per claim: the oldest of that claim not yet
        delivered nor parked nor deferred (see :meth:`defer`), and only if no
        other dispatcher holds a live lease on it and its retry time has come.
        Oldest first. Raises
        :class:`~reimbursement.errors.ValidationError` for a ``limit`` below 1
        or a lease of zero or less.
        """
        ...

    def mark_delivered(self, keys: Iterable[str]) -> None:
        """The messages ``keys`` were delivered: never leased again (unknown keys are ignored)."""
        ...

    def record_failure(self, key: str, reason: str, *, retry_at: datetime) -> None:
        """A delivery of ``key`` failed: count it, keep ``reason``, wait until ``retry_at``."""
        ...

    def defer(self, key: str, reason: str, *, until: datetime) -> None:
        """Hold ``key`` until ``until`` without holding back its claim's later messages.

        For a message that must wait for the customer (quiet hours), not for a
        failure: it is not an attempt, and while it waits the claim's next
        message may be leased (an urgent one goes out at once). From ``until``
        it takes its place in its claim's line again, by the order it was
        first queued, ahead of the messages queued after it. It counts as
        pending; a key not pending (delivered, parked, unknown) is ignored.
        """
        ...

    def park(self, key: str, reason: str) -> None:
        """Give up on ``key`` (a poison message): kept for inspection, no longer delivered.

        A parked message does not hold back its claim's later messages.
        """
        ...

    def parked(self, limit: int = 100) -> Sequence[OutboxMessage]:
        """Parked messages, oldest first, for an operator to inspect."""
        ...

    def requeue(self, key: str) -> None:
        """Put a parked message back in line, with its attempts reset (after a fix)."""
        ...

    def pending_count(self) -> int:
        """How many messages are neither delivered nor parked."""
        ...


class UnitOfWork(Protocol):
    """One transaction: the claims, their events, request keys and the outbox commit together.

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

        Raises :class:`~reimbursement.errors.ConcurrencyError` if any saved
        claim was changed by another unit of work, and
        :class:`~reimbursement.errors.DuplicateRequestError` if another one
        committed one of its request keys first; then nothing is written.
        """
        ...

    def rollback(self) -> None:
        """Forget every change of this unit of work."""
        ...
