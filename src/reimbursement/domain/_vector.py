"""An immutable sequence whose append costs the same at three items or at thousands.

Every command returns a new version of a claim with one more event (and
often one more message, document or line). Appending to a tuple copies
it: every item's reference count is touched twice (by the copy, and when
the old version is freed). On a claim of 3,000 events and 3,000 messages
that cost about as much as the rest of a ``post_message``
(``benchmarks/claim_size.py``: the call took 1.9 times as long as at 300).

:class:`Vector` keeps its items in full chunks of :data:`CHUNK` items plus
a short tail. An append copies the tail (fewer than :data:`CHUNK` items)
and, once per :data:`CHUNK` appends, the tuple of chunks (one reference
per chunk); replacing one item copies one chunk and the tuple of chunks.
Versions share every chunk they did not change.

The structure is fenced in this module; everyone else reads a ``Sequence``
(slices are tuples). A vector equals the tuple of its items, and hashes
like it, so ``claim.attachments == ()`` reads as it always did. Chunks and
tails are plain tuples, so items the garbage collector does not track (an
event log's rows) leave it nothing to walk.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, Generic, TypeVar, overload

__all__ = ["CHUNK", "SMALL", "Vector", "appended", "pieces", "replaced", "vector"]

T = TypeVar("T")

CHUNK: Final = 32
"""Items per chunk: an append copies at most this many references."""

SMALL: Final = 2 * CHUNK
"""Up to this many items a sequence stays a plain tuple.

Reading a tuple runs at C speed and copying one this short costs less
than the chunks' bookkeeping: most claims never grow past it, so the
usual command pays nothing for the chunks (``benchmarks/lifecycle.py``).
"""

_chain = itertools.chain.from_iterable


class Vector(Sequence[T], Generic[T]):
    """An immutable sequence of items with an append that does not copy them all."""

    __slots__ = ("_chunks", "_length", "_tail")

    _chunks: tuple[tuple[T, ...], ...]
    _tail: tuple[T, ...]
    _length: int

    def __init__(self, items: Iterable[T] = ()) -> None:
        flat = tuple(items)
        cut = len(flat) - len(flat) % CHUNK
        self._chunks = tuple(flat[i : i + CHUNK] for i in range(0, cut, CHUNK))
        self._tail = flat[cut:]
        self._length = len(flat)

    @classmethod
    def _make(cls, chunks: tuple[tuple[T, ...], ...], tail: tuple[T, ...]) -> Vector[T]:
        vector: Vector[T] = object.__new__(cls)
        vector._chunks = chunks
        vector._tail = tail
        vector._length = len(chunks) * CHUNK + len(tail)
        return vector

    def append(self, item: T) -> Vector[T]:
        """A new vector with ``item`` after the last; this one is unchanged."""
        tail = (*self._tail, item)
        if len(tail) < CHUNK:
            return Vector._make(self._chunks, tail)
        return Vector._make((*self._chunks, tail), ())

    def set(self, index: int, item: T) -> Vector[T]:
        """A new vector with ``item`` at ``index`` (which must exist); this one is unchanged."""
        chunk, offset = divmod(range(self._length)[index], CHUNK)
        chunks = self._chunks
        if chunk == len(chunks):
            tail = self._tail
            return Vector._make(chunks, (*tail[:offset], item, *tail[offset + 1 :]))
        old = chunks[chunk]
        new = (*old[:offset], item, *old[offset + 1 :])
        return Vector._make((*chunks[:chunk], new, *chunks[chunk + 1 :]), self._tail)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[T]:
        if not self._chunks:
            return iter(self._tail)
        return itertools.chain(_chain(self._chunks), self._tail)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return self._slice(index)
        length = self._length
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise IndexError("Vector index out of range")
        chunk, offset = divmod(index, CHUNK)
        if chunk < len(self._chunks):
            return self._chunks[chunk][offset]
        return self._tail[offset]

    def _slice(self, index: slice) -> tuple[T, ...]:
        start, stop, step = index.indices(self._length)
        if start >= stop and step > 0:
            return ()  # nothing since the last event: no copy of every item to cut it from
        if step != 1:
            return tuple(self)[index]
        first, last = start // CHUNK, (stop - 1) // CHUNK
        chunks = self._chunks[first : last + 1]
        if last >= len(self._chunks):
            chunks = (*chunks, self._tail)
        offset = first * CHUNK
        if len(chunks) == 1:
            return chunks[0][start - offset : stop - offset]
        return tuple(_chain(chunks))[start - offset : stop - offset]

    def __reversed__(self) -> Iterator[T]:
        return itertools.chain(reversed(self._tail), _chain(map(reversed, reversed(self._chunks))))

    def __contains__(self, value: object) -> bool:
        return value in self._tail or any(value in chunk for chunk in self._chunks)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Vector):
            return (
                self._length == other._length
                and self._tail == other._tail
                and self._chunks == other._chunks
            )
        if isinstance(other, tuple):
            return len(other) == self._length and tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: tuple[T, ...]) -> tuple[T, ...]:
        if not isinstance(other, tuple | Vector):
            return NotImplemented
        return (*self, *other)

    def __radd__(self, other: tuple[T, ...]) -> tuple[T, ...]:
        if not isinstance(other, tuple):
            return NotImplemented
        return (*other, *self)

    def __repr__(self) -> str:
        return f"Vector({list(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Vector, (tuple(self),))


def vector(items: Iterable[T]) -> Sequence[T]:
    """``items`` as a tuple, or as a :class:`Vector` past :data:`SMALL` items.

    The converter of claim fields; a vector or a short tuple is kept as it is.
    """
    if type(items) is Vector or (type(items) is tuple and len(items) <= SMALL):
        return items
    flat = tuple(items)
    return flat if len(flat) <= SMALL else Vector(flat)


def appended(items: Sequence[T], item: T) -> Sequence[T]:
    """``items`` with ``item`` after the last (a tuple while short, a vector after)."""
    if type(items) is Vector:  # not isinstance: Vector is an ABC, whose check costs
        return items.append(item)
    if len(items) < SMALL:
        return (*items, item)
    return Vector(items).append(item)


def replaced(items: Sequence[T], index: int, item: T) -> Sequence[T]:
    """``items`` with ``item`` at ``index``, which must exist."""
    if type(items) is Vector:
        return items.set(index, item)
    at = range(len(items))[index]
    return (*items[:at], item, *items[at + 1 :])


def pieces(items: Sequence[T]) -> tuple[tuple[tuple[T, ...], ...], tuple[T, ...]]:
    """The full chunks ``items`` shares with the versions it was made from, and the rest.

    A vector's chunks are the same objects in every version that did not change
    them, so a writer may keep what it derived from one (its encoded JSON) by
    identity; any other sequence has no chunks, only a rest.
    """
    if type(items) is Vector:
        return items._chunks, items._tail
    return (), tuple(items)
