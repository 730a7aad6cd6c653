"""RFC 9162 Merkle tree hashing: the desk's append-only log, its proofs and their checks.

Leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left ||
right)``, the root of an empty tree ``SHA-256("")`` (RFC 9162, 2.1.1). A
leaf of the desk's log is the 32-byte digest of one event
(:func:`reimbursement.audit.digest`). Inclusion proofs (2.1.3) and
consistency proofs (2.1.4) are made from a :class:`NodeStore` that keeps
the hash of every complete subtree, so a proof reads ``O(log n)`` hashes
whatever the size of the log; their checks need nothing but the hashes,
and follow RFC 9162's verification algorithms step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from ..errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "MemoryNodes",
    "MerkleTree",
    "NodeStore",
    "leaf_hash",
    "node_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root hash of the empty tree."""


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes | bytearray, right: bytes | bytearray) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The root over ``leaf_hashes`` computed straight from RFC 9162's definition (for tests)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


class NodeStore(Protocol):
    """Where a tree keeps its hashes: every complete subtree, level by level.

    ``node(level, index)`` is the hash of the complete subtree over leaves
    ``index * 2**level`` to ``(index + 1) * 2**level - 1`` (level 0: the
    leaf hashes). ``add(level, index, hash)`` is called in order, each node
    once, as soon as it is complete.
    """

    def size(self) -> int:
        """The number of leaves."""
        ...

    def node(self, level: int, index: int) -> bytes:
        """A complete subtree's hash; raises ``IndexError`` for one not complete."""
        ...

    def add(self, level: int, index: int, value: bytes) -> None:
        """Keep a newly complete subtree's hash."""
        ...


class MemoryNodes:
    """A :class:`NodeStore` in memory: one ``bytearray`` of 32-byte hashes per level."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    @classmethod
    def of_leaf_hashes(cls, hashes: bytes) -> MemoryNodes:
        """The nodes of a tree whose leaf hashes are ``hashes`` (32 bytes each, joined).

        The same nodes as appending the leaves one by one, built a level at a
        time (a bulk load, or a log restored from its leaves).
        """
        if len(hashes) % 32:
            raise ProofError("leaf hashes are 32 bytes each")
        nodes = cls()
        level = bytearray(hashes)
        while level:
            nodes._levels.append(level)
            upper = bytearray()
            for i in range(0, len(level) - 32, 64):
                upper += node_hash(level[i : i + 32], level[i + 32 : i + 64])
            level = upper
        return nodes

    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0]) // 32 if self._levels else 0

    def node(self, level: int, index: int) -> bytes:
        """A complete subtree's hash."""
        if level >= len(self._levels) or index < 0 or (index + 1) * 32 > len(self._levels[level]):
            raise IndexError((level, index))
        return bytes(self._levels[level][index * 32 : index * 32 + 32])

    def add(self, level: int, index: int, value: bytes) -> None:
        """Keep a newly complete subtree's hash (in order)."""
        if level == len(self._levels):
            self._levels.append(bytearray())
        self._levels[level] += value

    def append_leaf_hash(self, value: bytes) -> int:
        """Append a leaf's hash and every subtree it completes: the leaf's index.

        What :meth:`MerkleTree.append` does through ``node`` and ``add``, on
        the ``bytearray`` levels directly: a commit of the in-memory store
        appends each event it adds, and the calls cost more than the hashing.
        """
        levels = self._levels
        if not levels:
            levels.append(bytearray())
        row = levels[0]
        index = len(row) // 32
        row += value
        level, at = 0, index
        while at & 1:  # a right child completes its parent; its left sibling ends the row
            value = hashlib.sha256(b"\x01" + row[-64:]).digest()
            level, at = level + 1, at >> 1
            if level == len(levels):
                levels.append(bytearray())
            row = levels[level]
            row += value
        return index

    def snapshot(self) -> tuple[int, ...]:
        """How long each level is: what :meth:`restore` goes back to."""
        return tuple(len(level) for level in self._levels)

    def restore(self, lengths: tuple[int, ...]) -> None:
        """Forget the nodes added since :meth:`snapshot` gave ``lengths``."""
        del self._levels[len(lengths) :]
        for level, length in zip(self._levels, lengths, strict=True):
            del level[length:]


class MerkleTree:
    """An append-only RFC 9162 tree over a :class:`NodeStore`."""

    def __init__(self, nodes: NodeStore | None = None) -> None:
        self.nodes: NodeStore = MemoryNodes() if nodes is None else nodes

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self.nodes.size()

    def append(self, leaf: bytes) -> int:
        """Append ``leaf`` (its data; hashed here): its index, from 0."""
        if isinstance(self.nodes, MemoryNodes):
            return self.nodes.append_leaf_hash(leaf_hash(leaf))
        index = self.nodes.size()
        value = leaf_hash(leaf)
        self.nodes.add(0, index, value)
        level, at = 0, index
        while at & 1:  # a right child completes its parent
            value = node_hash(self.nodes.node(level, at - 1), value)
            level, at = level + 1, at >> 1
            self.nodes.add(level, at, value)
        return index

    def _hash(self, start: int, end: int) -> bytes:
        """MTH of leaves ``start`` to ``end - 1``: ``start`` is aligned to the range's split."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:  # a complete subtree: stored
            return self.nodes.node(n.bit_length() - 1, start // n)
        k = _split(n)
        return node_hash(self._hash(start, start + k), self._hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the tree's first ``size`` leaves (default: all)."""
        size = self.size if size is None else self._size(size)
        return EMPTY_ROOT if size == 0 else self._hash(0, size)

    def _size(self, size: int) -> int:
        if type(size) is not int or not 0 <= size <= self.size:
            raise ProofError(f"the log has {self.size} leaves, not {size!r}")
        return size

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 ``PATH(index, D[size])``: the audit path of leaf ``index``."""
        size = self.size if size is None else self._size(size)
        if type(index) is not int or not 0 <= index < size:
            raise ProofError(f"no leaf {index!r} in a tree of {size}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self._hash(start + k, end))
                end = start + k
            else:
                path.append(self._hash(start, start + k))
                start += k
        return path[::-1]

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """RFC 9162 ``PROOF(old, D[new])``: that the first ``old`` leaves are unchanged."""
        new = self.size if new is None else self._size(new)
        if type(old) is not int or not 0 < old <= new:
            raise ProofError(f"no consistency proof from {old!r} to {new}")
        path: list[bytes] = []
        start, end, complete = 0, new, True
        while old != end:  # SUBPROOF(old - start, D[start:end], complete)
            k = _split(end - start)
            if old - start <= k:
                path.append(self._hash(start + k, end))
                end, complete = start + k, complete
            else:
                path.append(self._hash(start, start + k))
                start, complete = start + k, False
        if not complete:
            path.append(self._hash(start, end))
        return path[::-1]


def _bad(what: str) -> ProofError:
    return ProofError(f"the {what} does not verify: the log was changed, or the proof is not its")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (its data) is leaf ``index`` of the tree of ``size`` with ``root``.

    RFC 9162, 2.1.3.2. Raises :class:`~reimbursement.errors.ProofError`.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            raise _bad("inclusion proof (too long)")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise _bad("inclusion proof")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new`` leaves extends the tree of ``old`` leaves.

    RFC 9162, 2.1.4.2. Raises :class:`~reimbursement.errors.ProofError` for
    a proof that fails: a log that was rewritten or forked between the two.
    """
    if not 0 < old <= new:
        raise ProofError(f"no consistency between sizes {old} and {new}")
    if old == new:
        if proof or old_root != new_root:
            raise _bad("consistency proof (same size, other root: a forked log)")
        return
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    if not path:
        raise _bad("consistency proof (empty)")
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _bad("consistency proof (too long)")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise _bad("consistency proof")
