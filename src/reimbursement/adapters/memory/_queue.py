"""The in-memory outbox queue: what a dispatcher leases, acknowledges and parks.

Each claim has a line of undelivered messages in the order they were
queued; only its head can be leased, so a claim's notifications go out in
order however many dispatchers run. A deferred message (quiet hours) leaves
its line until its time, and then goes back in its place. Of a delivered message only its key is
kept (a long-running notebook delivers many), so a key queued again is
still kept once.

A message is a ``(notification, order)`` pair; leases, retry times, failed
attempts and errors live in side tables that hold only the few messages
that have one, so the usual message (queued, leased, delivered) costs a
dictionary entry and a place in its claim's line (a list: lines are short).

A delivered key is kept for good, so it is kept small: a key in the desk's
form ``"<claim id>#<seq>"`` is one bit of an ``int`` per claim id
(:func:`_delivered_bit`); any other key is kept as it is. What it buys,
measured by ``benchmarks/instructions.py`` (tracemalloc, 10,000 claims):
3,590 bytes per stored claim instead of 3,966 (the key strings and their
set). What it costs: parsing the key on each queue and acknowledgement,
about 21k instructions per claim for its three messages (cachegrind,
121k against 100k for the queue alone), 1.6 % of the lifecycle.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from ...domain.checks import require_count
from ...errors import ValidationError
from ...ports import Notification, OutboxMessage

__all__ = ["InMemoryOutboxQueue"]

_Queued = tuple[Notification, int]  # the notification and the order it was queued in
_ZERO = timedelta(0)


def _delivered_bit(key: str) -> tuple[str, int]:
    """Where the delivered-keys table keeps ``key``: ``(prefix, bit)``.

    A key ``"<prefix>#<n>"`` with ``n`` written plainly (1 to 9999) is bit
    ``n`` of its prefix's entry; any other key is bit 0 of its own entry.
    """
    prefix, sep, seq = key.rpartition("#")
    if sep and seq.isdigit() and seq.isascii() and seq[0] != "0" and len(seq) <= 4:
        return prefix, 1 << int(seq)
    return key, 1


class InMemoryOutboxQueue:
    """The :class:`~reimbursement.ports.OutboxQueue` of an in-memory claim store."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock if lock is not None else threading.RLock()
        self._pending: dict[str, _Queued] = {}
        self._parked: dict[str, _Queued] = {}
        self._lines: dict[str, list[str]] = {}  # claim id -> pending keys, oldest first
        self._delivered: dict[str, int] = {}  # see _delivered_bit
        self._leases: dict[str, datetime] = {}
        self._retry_at: dict[str, datetime] = {}
        self._attempts: dict[str, int] = {}
        self._errors: dict[str, str] = {}
        self._deferred: dict[str, datetime] = {}  # out of their line until then
        self._count = 0

    def enqueue(
        self, notifications: Iterable[Notification], until: datetime | None = None
    ) -> list[Notification]:
        """Queue committed notifications (called by the unit of work, under the lock).

        With ``until``, lease to the committer, until then, the new messages
        of each claim whose line was empty before them; returns those.
        """
        leased: list[Notification] = []
        with self._lock:
            pending, lines, parked, delivered = (
                self._pending,
                self._lines,
                self._parked,
                self._delivered,
            )
            fresh: list[str] = []  # claims whose line this call started
            for notification in notifications:
                key = notification.key
                if key in pending or key in parked:
                    continue  # kept once, as first queued
                entry, bit = _delivered_bit(key)
                if delivered.get(entry, 0) & bit:
                    continue
                self._count += 1
                pending[key] = (notification, self._count)
                claim_id = notification.claim_id
                line = lines.get(claim_id)
                if line is None:
                    lines[claim_id] = [key]
                    fresh.append(claim_id)
                else:
                    line.append(key)
                    if claim_id not in fresh:
                        continue
                if until is not None:
                    self._leases[key] = until
                    leased.append(notification)
        return leased

    def claim_batch(
        self,
        limit: int,
        *,
        now: datetime,
        lease: timedelta,
    ) -> Sequence[OutboxMessage]:
        require_count("limit", limit)
        if lease <= _ZERO:
            raise ValidationError.at("lease", f"must be above zero, got {lease}")
        with self._lock:
            if self._deferred:
                self._wake(now)
            heads = [line[0] for line in self._lines.values()]
            heads.sort(key=lambda key: self._pending[key][1])
            chosen = [key for key in heads if self._due(key, now)][:limit]
            until = now + lease
            for key in chosen:
                self._leases[key] = until
            return [self._message(key, self._pending) for key in chosen]

    def mark_delivered(self, keys: Iterable[str]) -> None:
        with self._lock:
            pending, lines, leases, delivered = (
                self._pending,
                self._lines,
                self._leases,
                self._delivered,
            )
            failed = self._retry_at or self._attempts or self._errors
            for key in keys:
                queued = pending.pop(key, None)
                if queued is None:
                    continue
                claim_id = queued[0].claim_id
                line = lines.get(claim_id)
                if failed and self._deferred.pop(key, None) is not None:
                    pass  # deferred: out of its line already
                elif line is not None and len(line) == 1:  # the usual case: its only message
                    del lines[claim_id]
                else:
                    self._leave_line(key, claim_id)
                if failed:
                    self._forget(key)
                else:
                    leases.pop(key, None)
                entry, bit = _delivered_bit(key)
                if entry == claim_id:
                    entry = claim_id  # the store holds this string already
                delivered[entry] = delivered.get(entry, 0) | bit

    def record_failure(self, key: str, reason: str, *, retry_at: datetime) -> None:
        with self._lock:
            if key not in self._pending:
                return
            self._attempts[key] = self._attempts.get(key, 0) + 1
            self._errors[key] = reason
            self._retry_at[key] = retry_at
            self._leases.pop(key, None)

    def defer(self, key: str, reason: str, *, until: datetime) -> None:
        with self._lock:
            queued = self._pending.get(key)
            if queued is None or key in self._deferred:
                return
            self._leave_line(key, queued[0].claim_id)
            self._deferred[key] = until
            self._errors[key] = reason
            self._leases.pop(key, None)

    def park(self, key: str, reason: str) -> None:
        with self._lock:
            queued = self._pending.pop(key, None)
            if queued is None:
                return
            if self._deferred.pop(key, None) is None:
                self._leave_line(key, queued[0].claim_id)
            self._parked[key] = queued
            self._errors[key] = reason
            self._leases.pop(key, None)
            self._retry_at.pop(key, None)

    def parked(self, limit: int = 100) -> Sequence[OutboxMessage]:
        with self._lock:
            keys = sorted(self._parked, key=lambda key: self._parked[key][1])
            return [self._message(key, self._parked) for key in keys[:limit]]

    def requeue(self, key: str) -> None:
        with self._lock:
            queued = self._parked.pop(key, None)
            if queued is None:
                return
            self._forget(key)
            self._pending[key] = queued
            self._back_in_line(key)

    def pending_count(self) -> int:  # deferred ones are pending too
        with self._lock:
            return len(self._pending)

    def _back_in_line(self, key: str) -> None:
        """Put pending ``key`` back in its claim's line, by the order it was first queued."""
        line = self._lines.setdefault(self._pending[key][0].claim_id, [])
        keys = sorted([*line, key], key=lambda k: self._pending[k][1])
        line.clear()
        line.extend(keys)

    def _wake(self, now: datetime) -> None:
        """Deferred messages whose time has come go back in their claims' lines."""
        for key in [k for k, until in self._deferred.items() if until <= now]:
            del self._deferred[key]
            self._back_in_line(key)

    def _due(self, key: str, now: datetime) -> bool:
        leased = self._leases.get(key)
        if leased is not None and leased > now:
            return False
        retry = self._retry_at.get(key)
        return retry is None or retry <= now

    def _message(self, key: str, table: dict[str, _Queued]) -> OutboxMessage:
        if not self._attempts:
            return OutboxMessage(table[key][0])
        return OutboxMessage(table[key][0], self._attempts.get(key, 0), self._errors.get(key))

    def _forget(self, key: str) -> None:
        self._leases.pop(key, None)
        if self._retry_at or self._attempts or self._errors:  # only after failures
            self._retry_at.pop(key, None)
            self._attempts.pop(key, None)
            self._errors.pop(key, None)

    def _leave_line(self, key: str, claim_id: str) -> None:
        line = self._lines[claim_id]
        line.remove(key)  # usually the head: lines are short
        if not line:
            del self._lines[claim_id]
