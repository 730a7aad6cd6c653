"""The in-app inbox and an SMS gateway, in memory (tests, demos, notebooks)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

import attrs

from ...errors import DeliveryError
from ...notify.ports import InboxItem, SmsMessage
from ...ports import Page
from ..cursors import check_limit, decode_cursor, encode_cursor, page
from ..notify.sms import check_sms

__all__ = ["InMemoryGoneEndpoints", "InMemoryInbox", "InMemorySmsGateway"]


class InMemoryGoneEndpoints:
    """:class:`~reimbursement.notify.ports.GoneEndpoints` of one process (lost on restart)."""

    def __init__(self) -> None:
        self._gone: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def is_gone(self, name: str) -> bool:
        return name in self._gone

    def mark_gone(self, name: str, at: datetime) -> None:
        with self._lock:
            self._gone.setdefault(name, at)

    def revive(self, name: str) -> None:
        with self._lock:
            self._gone.pop(name, None)


class InMemoryInbox:
    """Each customer's inbox items, newest first; one item per key."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[int, InboxItem]] = {}
        self._lock = threading.Lock()

    def put(self, item: InboxItem) -> None:
        with self._lock:
            if item.key not in self._items:
                self._items[item.key] = (len(self._items) + 1, item)

    def page(
        self,
        customer_id: str,
        *,
        limit: int = 20,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Page[InboxItem]:
        check_limit(limit)
        before = decode_cursor(after, (int,))[0] if after is not None else None
        with self._lock:
            rows = sorted(
                (
                    (position, item)
                    for position, item in self._items.values()
                    if item.customer_id == customer_id
                    and (before is None or position < before)
                    and (not unread_only or item.read_at is None)
                ),
                key=lambda row: -row[0],
            )[: limit + 1]
        return page([item for _, item in rows], limit, lambda i: encode_cursor(rows[i][0]))

    def mark_read(self, customer_id: str, keys: Iterable[str], at: datetime) -> int:
        marked = 0
        with self._lock:
            for key in set(keys):
                found = self._items.get(key)
                if found is None or found[1].customer_id != customer_id or found[1].read_at:
                    continue
                self._items[key] = (found[0], attrs.evolve(found[1], read_at=at))
                marked += 1
        return marked

    def unread_count(self, customer_id: str) -> int:
        with self._lock:
            return sum(
                1
                for _, item in self._items.values()
                if item.customer_id == customer_id and item.read_at is None
            )


class InMemorySmsGateway:
    """An SMS test double: records what it sends, once per key; no real provider.

    ``failures_to_simulate`` makes the next sends fail with
    :class:`~reimbursement.errors.DeliveryError`.
    """

    def __init__(self, max_length: int = 160) -> None:
        self.max_length = max_length
        self.sent: list[SmsMessage] = []
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()
        self.failures_to_simulate = 0

    def send_sms(self, message: SmsMessage) -> str:
        check_sms(message, self.max_length)
        with self._lock:
            if message.key in self._ids:
                return self._ids[message.key]
            if self.failures_to_simulate:
                self.failures_to_simulate -= 1
                raise DeliveryError("simulated SMS provider failure")
            self._ids[message.key] = f"sms-{len(self._ids) + 1}"
            self.sent.append(message)
            return self._ids[message.key]
