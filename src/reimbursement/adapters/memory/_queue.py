"""The in-memory outbox queue: what a dispatcher leases, acknowledges and parks.

Each claim has a line of undelivered messages in the order they were
queued; only its head can be leased, so a claim's notifications go out in
order however many dispatchers run. Of a delivered message only its key is
kept (a long-running notebook delivers many), so a key queued again is
still kept once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from ...errors import ValidationError
from ...ports import Notification, OutboxMessage

__all__ = ["InMemoryOutboxQueue"]


@attrs.define
class _Entry:
    notification: Notification
    order: int
    attempts: int = 0
    last_error: str | None = None
    leased_until: datetime | None = None
    retry_at: datetime | None = None
    state: str = "pending"  # pending or parked (a delivered message keeps only its key)

    def message(self) -> OutboxMessage:
        return OutboxMessage(self.notification, self.attempts, self.last_error)


class InMemoryOutboxQueue:
    """The :class:`~reimbursement.ports.OutboxQueue` of an in-memory claim store."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock if lock is not None else threading.RLock()
        self._entries: dict[str, _Entry] = {}
        self._lines: dict[str, deque[str]] = {}  # claim id -> pending keys, oldest first
        self._delivered: set[str] = set()
        self._order = 0

    def enqueue(self, notifications: Iterable[Notification]) -> None:
        """Queue committed notifications (called by the unit of work, under the lock)."""
        with self._lock:
            for notification in notifications:
                key = notification.key
                if key in self._entries or key in self._delivered:
                    continue  # kept once, as first queued
                self._order += 1
                self._entries[key] = _Entry(notification, self._order)
                line = self._lines.get(notification.claim_id)
                if line is None:
                    line = self._lines[notification.claim_id] = deque()
                line.append(key)

    def claim_batch(
        self,
        limit: int,
        *,
        now: datetime,
        lease: timedelta,
        claim_id: str | None = None,
    ) -> Sequence[OutboxMessage]:
        if type(limit) is not int or limit < 1:
            raise ValidationError.at("limit", "must be a whole number of 1 or more")
        if lease <= _ZERO:
            raise ValidationError.at("lease", f"must be above zero, got {lease}")
        with self._lock:
            if claim_id is not None:  # right after a commit: the one claim's head, if due
                line = self._lines.get(claim_id)
                if not line:
                    return ()
                entry = self._entries[line[0]]
                if not _due(entry, now):
                    return ()
                entry.leased_until = now + lease
                return (entry.message(),)
            heads = [self._entries[line[0]] for line in self._lines.values() if line]
            ready = [e for e in heads if _due(e, now)]
            ready.sort(key=lambda e: e.order)
            chosen = ready[:limit]
            until = now + lease
            for entry in chosen:
                entry.leased_until = until
            return [entry.message() for entry in chosen]

    def mark_delivered(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None and entry.state == "pending":
                    self._leave_line(entry)
                    del self._entries[key]
                    self._delivered.add(key)

    def record_failure(self, key: str, reason: str, *, retry_at: datetime) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.state != "pending":
                return
            entry.attempts += 1
            entry.last_error = reason
            entry.retry_at = retry_at
            entry.leased_until = None

    def park(self, key: str, reason: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.state != "pending":
                return
            entry.state = "parked"
            entry.last_error = reason
            entry.leased_until = None
            self._leave_line(entry)

    def parked(self, limit: int = 100) -> Sequence[OutboxMessage]:
        with self._lock:
            found = sorted(
                (e for e in self._entries.values() if e.state == "parked"), key=lambda e: e.order
            )
            return [e.message() for e in found[:limit]]

    def requeue(self, key: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.state != "parked":
                return
            entry.state = "pending"
            entry.attempts = 0
            entry.retry_at = None
            line = self._lines.setdefault(entry.notification.claim_id, deque())
            # back in its place in the claim's line, by the order it was first queued
            keys = sorted([*line, key], key=lambda k: self._entries[k].order)
            line.clear()
            line.extend(keys)

    def pending_count(self) -> int:
        with self._lock:
            return sum(len(line) for line in self._lines.values())

    def _leave_line(self, entry: _Entry) -> None:
        claim_id = entry.notification.claim_id
        line = self._lines[claim_id]
        key = entry.notification.key
        if line[0] == key:
            line.popleft()  # the usual case: the head was delivered
        else:
            line.remove(key)
        if not line:
            del self._lines[claim_id]


_ZERO = timedelta(0)


def _due(entry: _Entry, now: datetime) -> bool:
    if entry.leased_until is not None and entry.leased_until > now:
        return False
    return entry.retry_at is None or entry.retry_at <= now
