"""The desk's Merkle log kept in memory (:class:`MemoryLogStore`).

What its form buys (``benchmarks/instructions.py``, the in-memory lifecycle;
figures in ``docs/performance.md``, "Issue 11, second session"): a commit
appends an event's 32-byte digest to one ``bytearray`` and its leaf number
to its claim's ``array``, nothing else. The tree's leaf and node hashes are
made from the digests not hashed yet at the start of the next transaction
(a checkpoint, a receipt, ``verify``), a level at a time: the same nodes as
hashing each leaf at its commit, with a fraction of the calls, and none on
the desk's calls. An event's leaf is found from its claim id and ``seq``
(``"<claim id>#<seq>"``): no id string is made or kept per event.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..domain.events import event_id
from .merkle import MemoryNodes

if TYPE_CHECKING:
    from .log import LogWrites

__all__ = ["MemoryLogStore"]


def _position(event: str) -> tuple[str, int] | None:
    """The claim id and ``seq`` of an event id ``"<claim id>#<seq>"`` (``None``: not one)."""
    claim_id, mark, seq = event.rpartition("#")
    if not mark or not seq.isascii() or not seq.isdigit() or seq[0] == "0":
        return None
    return claim_id, int(seq)


class _MemoryWrites(MemoryNodes):
    """The tree's nodes, which leaf holds which event, and the digests not hashed yet."""

    def __init__(self) -> None:
        super().__init__()
        self.leaves: dict[str, array[int]] = {}  # claim id -> the leaf of each event, by seq
        self.others: dict[str, int] = {}  # events bound out of their claim's order
        self.unhashed = bytearray()  # digests of the leaves after the tree's, in order
        self.bound: list[str] = []  # the event ids bound in the open transaction

    def index_of(self, event_id: str) -> int | None:
        found = self.others.get(event_id)
        if found is not None:
            return found
        position = _position(event_id)
        if position is None:
            return None
        leaves = self.leaves.get(position[0])
        seq = position[1]
        return leaves[seq - 1] if leaves is not None and seq <= len(leaves) else None

    def place(self, event: str, index: int) -> None:
        """Remember that leaf ``index`` holds ``event``'s digest."""
        position = _position(event)
        if position is not None and event not in self.others:
            claim_id, seq = position
            leaves = self.leaves.get(claim_id)
            if leaves is None and seq == 1:
                self.leaves[claim_id] = array("q", (index,))
                return
            if leaves is not None and len(leaves) == seq - 1:  # how events are logged
                leaves.append(index)
                return
        self.others[event] = index

    def unplace(self, event: str) -> None:
        """Forget the latest :meth:`place` of ``event``."""
        if self.others.pop(event, None) is not None:
            return
        position = _position(event)
        assert position is not None, event
        leaves = self.leaves[position[0]]
        leaves.pop()
        if not leaves:
            del self.leaves[position[0]]

    def bind(self, event_id: str, index: int) -> None:
        self.place(event_id, index)
        self.bound.append(event_id)

    def next_leaf(self) -> int:
        """The index the next digest appended gets."""
        return self.size() + len(self.unhashed) // 32

    def hash_unhashed(self) -> None:
        """Hash the digests appended since into the tree's leaves and complete subtrees.

        The nodes :meth:`append_leaf_hash` makes leaf by leaf, made a level
        at a time: the new leaf hashes, then each level's newly complete pairs.
        """
        digests = self.unhashed
        if not digests:
            return
        self.unhashed = bytearray()
        sha256, levels = hashlib.sha256, self._levels
        if not levels:
            levels.append(bytearray())
        row = levels[0]
        start = len(row)
        row += b"".join(
            [sha256(b"\x00" + digests[i : i + 32]).digest() for i in range(0, len(digests), 32)]
        )
        level = 0
        while True:
            # every complete pair before the one holding the first new node has its parent
            first, end = start // 64 * 64, len(row) // 64 * 64
            if first >= end:
                return
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            upper = levels[level]
            start = len(upper)
            upper += b"".join(
                [sha256(b"\x01" + row[i : i + 64]).digest() for i in range(first, end, 64)]
            )
            row = upper


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

        For a commit that has written its claims (under the lock it passed):
        nothing after can fail, so there is nothing to undo, and no
        transaction's snapshot is taken.
        """
        writes = self._writes
        with self._lock:
            for event, hex_digest in entries:
                digest = bytes.fromhex(hex_digest)
                writes.place(event, writes.next_leaf())
                writes.unhashed += digest

    def append_events(self, claim_id: str, version: int, digests: bytes) -> None:
        """Append the ``digests`` (32 bytes each, joined) of ``claim_id``'s events after its
        first ``version``.

        :meth:`extend` of those events, for the in-memory claim store's commit
        (under the lock it passed), without an event id per event.
        """
        writes = self._writes
        count = len(digests) // 32
        with self._lock:
            leaves = writes.leaves.get(claim_id)
            index = writes.next_leaf()
            if leaves is None and version == 0:
                writes.leaves[claim_id] = array("q", range(index, index + count))
            elif leaves is not None and len(leaves) == version:
                leaves.extend(range(index, index + count))
            else:
                for seq in range(version + 1, version + count + 1):
                    writes.place(event_id(claim_id, seq), index + seq - version - 1)
            writes.unhashed += digests

    @contextmanager
    def transaction(self) -> Iterator[LogWrites]:
        """The store itself, restored as it was if the block raises."""
        writes = self._writes
        with self._lock:  # one transaction at a time: they do not nest
            writes.hash_unhashed()
            lengths = writes.snapshot()
            writes.bound = []
            try:
                yield writes
            except BaseException:
                writes.restore(lengths)
                for event in reversed(writes.bound):
                    writes.unplace(event)
                raise
            finally:
                writes.bound = []
