"""The in-memory claim store: claims, their indexes, request keys and the outbox.

It keeps what a database adapter keeps, with the same guarantees: reads see
the unit of work's own writes, saves are checked against the version read
(at once and again on commit), request keys are unique on commit, the
outbox is written with the claims and leased to dispatchers one message per
claim at a time. Everything lives in dictionaries guarded by one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from ...audit.log import MemoryLogStore
from ...domain.audit_review import audit_entry_changed, awaiting_audit
from ...domain.claim import Claim
from ...domain.lifecycle import ClaimState
from ...domain.routing import holders
from ...errors import (
    ConcurrencyError,
    DuplicateError,
    DuplicateRequestError,
)
from ...ports import (
    ClaimSchedule,
    Notification,
    RequestRecord,
)
from ._duplicates import DuplicateIndex
from ._queue import InMemoryOutboxQueue
from ._repository import Repository, forget_answers

__all__ = ["InMemoryClaimStore", "InMemoryUnitOfWork"]


class InMemoryClaimStore:
    """The committed data: claims, indexes, sequences, request keys and the outbox.

    Shared by every :class:`InMemoryUnitOfWork` made from it; thread-safe.
    ``queue`` is its :class:`~reimbursement.ports.OutboxQueue`; ``log`` the
    desk's Merkle log (:class:`~reimbursement.audit.LogStore`): every commit
    appends the digests of the events it adds, with the claims, under the
    same lock (``MerkleLog(store.log, origin, signer)`` signs checkpoints
    and gives receipts over it). In memory an append costs less than a
    pending entry would, so the log is sealed at commit and :meth:`seal`
    has nothing to do (the SQL store seals in batches, see ``docs/audit.md``);
    the tree's hashes of what commits appended are made at the log's next
    transaction (``audit/_memory.py`` says what that buys).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.claims: dict[str, Claim] = {}
        self.rank: dict[str, int] = {}  # claim id -> the order it was added in
        self.by_customer: dict[str, list[str]] = {}
        self.by_number: dict[str, str] = {}
        self.schedules: dict[str, ClaimSchedule] = {}
        self.held: dict[str, tuple[str, ...]] = {}  # claim id -> holders(claim)
        self.holdings: dict[str, dict[str, int]] = {}  # reviewer -> claim id -> count
        self.loads: dict[str, int] = {}  # reviewer -> what they hold, kept with holdings
        self.sequences: dict[str, int] = {}
        self.requests: dict[str, RequestRecord] = {}
        self.duplicates = DuplicateIndex()
        self.audits: dict[str, datetime] = {}  # claim id -> when drawn, while awaiting audit
        self.queue = InMemoryOutboxQueue(self.lock)
        self.log = MemoryLogStore(self.lock)

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new transaction on this store."""
        return InMemoryUnitOfWork(self)

    def outbox_queue(self) -> InMemoryOutboxQueue:
        """The dispatcher's port on this store's outbox."""
        return self.queue

    def seal(self, limit: int | None = None, *, wait: bool = True) -> int:
        """Nothing is ever pending here (each commit appends to the log): 0."""
        return 0

    def __len__(self) -> int:
        return len(self.claims)

    def write(self, claim: Claim) -> None:
        """Store ``claim`` and refresh its indexes (under the lock, at commit)."""
        claim_id = claim.id
        if claim_id not in self.rank:
            self.rank[claim_id] = len(self.rank)
            self.by_customer.setdefault(claim.customer_id, []).append(claim_id)
        previous = self.claims.get(claim_id)
        self.duplicates.write(claim, previous)
        if previous is None or audit_entry_changed(previous, claim):
            drawn = awaiting_audit(claim)
            if drawn is None:
                self.audits.pop(claim_id, None)
            else:
                self.audits[claim_id] = drawn
        self.claims[claim_id] = claim
        if claim.number is not None:
            self.by_number[claim.number] = claim_id
        held = holders(claim) if claim.state is ClaimState.IN_REVIEW else ()
        before = self.held.get(claim_id, ())
        if held == before:
            return
        loads, holdings = self.loads, self.holdings
        for reviewer in before:
            claims = holdings[reviewer]
            claims.pop(claim_id, None)
            if not claims:
                del holdings[reviewer]
            loads[reviewer] -= 1
            if not loads[reviewer]:
                del loads[reviewer]
        for reviewer in held:
            claims = holdings.setdefault(reviewer, {})
            claims[claim_id] = claims.get(claim_id, 0) + 1
            loads[reviewer] = loads.get(reviewer, 0) + 1
        if held:
            self.held[claim_id] = held
        else:
            self.held.pop(claim_id, None)


class _Outbox:
    """What one unit of work queues, and what its commit leased to it."""

    __slots__ = ("leased", "staged", "until")

    def __init__(self) -> None:
        self.staged: list[Notification] = []
        self.until: datetime | None = None
        self.leased: Sequence[Notification] = ()

    def add(self, notification: Notification) -> None:
        self.staged.append(notification)

    def lease_on_commit(self, until: datetime) -> None:
        self.until = until


class InMemoryUnitOfWork:
    """One transaction on an :class:`InMemoryClaimStore`: all or nothing, checked on commit."""

    __slots__ = ("_store", "claims", "outbox")

    def __init__(self, store: InMemoryClaimStore) -> None:
        self._store = store
        self.claims = Repository(store)
        self.outbox = _Outbox()
        """The notifications staged in this unit of work."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()  # left without commit (or after it): forget what was staged

    def commit(self) -> None:
        repo, store, outbox = self.claims, self._store, self.outbox
        outbox.leased = ()
        claims = store.claims
        saved, added, requests = repo.saved, repo.added, repo.requests
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
            if requests is not None:
                for key in requests:
                    if key in store.requests:
                        raise DuplicateRequestError(
                            f"request key {key!r} was committed by another unit of work first"
                        )
            # the events' digests, before anything is written: nothing below can refuse
            logged = (
                []
                if added is None
                else [(c, 0, c.events.raw_digests_since(0)) for c in added.values()]
            )
            if saved is not None:
                logged += [
                    (c, read, c.events.raw_digests_since(read)) for c, read in saved.values()
                ]
            write = store.write
            if added is not None:
                for claim in added.values():
                    write(claim)
            if saved is not None:
                for claim, _ in saved.values():
                    write(claim)
            append = store.log.append_events  # after the claims, under their lock: no undo
            for claim, read, digests in logged:
                append(claim.id, read, digests)
            if repo.schedules is not None:
                store.schedules.update(repo.schedules)
            if requests is not None:
                store.requests.update(requests)
            if saved is not None:
                forget_answers(store.requests, saved)
            if outbox.staged:
                outbox.leased = store.queue.enqueue(outbox.staged, outbox.until)
        self.rollback()

    def rollback(self) -> None:
        repo, outbox = self.claims, self.outbox
        repo.added = repo.saved = repo.requests = repo.schedules = None
        if outbox.staged:
            outbox.staged = []
        outbox.until = None
