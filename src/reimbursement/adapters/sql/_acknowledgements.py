"""Deliveries not yet marked so, written by the next transaction that writes anyway.

``SqlOutboxQueue.mark_delivered`` writes nothing at once: the keys wait in
the store (:class:`Acknowledgements`) and are marked by the next
transaction that writes anyway: the next writing unit of work of the same
store (first, before it queues anything, so that its claim's next message
is leased on its commit), the queue's next call, or closing the store. A
delivery's acknowledgement in a transaction of its own was a fifth of a
claim's time on SQLite. Until it is written the message is pending and
leased, as while it was being delivered: no dispatcher takes it before its
lease ends, and a process that dies first leaves it to be delivered again
when the lease ends, which at-least-once delivery and the dedupe key
already allow.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Sequence
from typing import Final

import sqlalchemy as sa

from ._direct import Direct
from ._schema import OUTBOX

__all__ = ["DELIVERED", "DELIVERED_STATEMENT", "Acknowledgements", "write_acknowledgements"]

DELIVERED: Final = "delivered"

DELIVERED_STATEMENT: Final = (
    OUTBOX.update()
    .where(OUTBOX.c.key.in_(sa.bindparam("keys", expanding=True)))
    .values(status=DELIVERED, leased_until=None)
)


class Acknowledgements:
    """Keys delivered and not yet marked so: written by the next transaction that writes.

    Thread-safe. A writer takes the keys (:meth:`take`), so that no two
    transactions update the same rows and wait on each other's row locks,
    and gives them back (:meth:`give_back`) when its transaction fails.
    """

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def add(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._keys.update(keys)

    def take(self) -> list[str]:
        """The keys waiting, now this caller's to write (sorted: rows locked in one order)."""
        with self._lock:
            keys, self._keys = self._keys, set()
        return sorted(keys)

    def give_back(self, keys: Iterable[str]) -> None:
        self.add(keys)


_FEW: Final = 8
"""Up to this many keys, the statement is a direct one of its own (see ``_delivered``)."""


@functools.cache
def _delivered(count: int) -> Direct:
    """``DELIVERED_STATEMENT`` for ``count`` keys, run directly (one or two, mostly)."""
    keys = [sa.bindparam(f"key_{i}", type_=sa.Text()) for i in range(count)]
    return Direct(
        OUTBOX.update().where(OUTBOX.c.key.in_(keys)).values(status=DELIVERED, leased_until=None)
    )


def write_acknowledgements(connection: sa.Connection, keys: Sequence[str]) -> None:
    """Mark ``keys`` delivered in ``connection``'s transaction (which writes anyway)."""
    if len(keys) > _FEW:
        connection.execute(DELIVERED_STATEMENT, {"keys": list(keys)})
    elif keys:
        _delivered(len(keys)).write(connection, {f"key_{i}": key for i, key in enumerate(keys)})
