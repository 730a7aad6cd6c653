"""The desk's Merkle log kept in memory (:class:`MemoryLogStore`)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .merkle import MemoryNodes, leaf_hash

if TYPE_CHECKING:
    from .log import LogWrites

__all__ = ["MemoryLogStore"]


class _MemoryWrites(MemoryNodes):
    def __init__(self) -> None:
        super().__init__()
        self.indexes: dict[str, int] = {}
        self.bound: list[str] = []  # the event ids bound in the open transaction

    def index_of(self, event_id: str) -> int | None:
        return self.indexes.get(event_id)

    def bind(self, event_id: str, index: int) -> None:
        self.indexes[event_id] = index
        self.bound.append(event_id)


class MemoryLogStore:
    """A :class:`LogStore` in memory (a failed transaction leaves nothing).

    ``lock`` serializes its transactions (the in-memory claim store passes
    its own, so that a commit appends to the log under the lock it writes
    the claims with).
    """

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._writes = _MemoryWrites()
        self._lock = threading.RLock() if lock is None else lock

    def extend(self, entries: Iterable[tuple[str, str]]) -> None:
        """Append each committed ``(event id, digest)`` of ``entries``, as one transaction would.

        For the in-memory claim store's commit, once its claims are written
        (under the lock it passed): nothing after can fail, so there is
        nothing to undo, and the commit skips a transaction's snapshot and
        the tree's calls per node (about a fifth of an in-memory command,
        ``docs/audit.md``).
        """
        writes = self._writes
        append, indexes, fromhex = writes.append_leaf_hash, writes.indexes, bytes.fromhex
        with self._lock:
            for event, hex_digest in entries:
                indexes[event] = append(leaf_hash(fromhex(hex_digest)))

    @contextmanager
    def transaction(self) -> Iterator[LogWrites]:
        """The store itself, restored as it was if the block raises."""
        writes = self._writes
        with self._lock:  # one transaction at a time: they do not nest
            lengths = writes.snapshot()
            writes.bound = []
            try:
                yield writes
            except BaseException:
                writes.restore(lengths)
                for event in writes.bound:
                    del writes.indexes[event]
                raise
            finally:
                writes.bound = []
