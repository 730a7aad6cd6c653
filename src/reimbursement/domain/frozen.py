"""Mappings that cannot change: what every record holds where it holds a mapping.

A frozen record that keeps a ``dict`` is frozen only on the surface: a
caller who changes ``feedback.ratings`` on a claim it was given changes the
claim in the store too. Every mapping a public record holds is a
:class:`FrozenMap` instead (its fields convert with :func:`frozen_map`), as
every sequence is a tuple. Unlike ``types.MappingProxyType``, a ``FrozenMap``
hashes (so do the frozen records that hold one) and pickles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn, TypeVar

__all__ = ["FrozenMap", "frozen_map", "frozen_map_of"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """An immutable, hashable mapping; equal to any mapping with the same items.

    Built from a mapping or from ``(key, value)`` pairs; it keeps a private
    copy, so changing what it was built from changes nothing here.
    """

    __slots__ = ("_hash", "_items")

    _items: dict[K, V]
    _hash: int | None

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        object.__setattr__(self, "_items", dict(items))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._items.get(key, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._items.items())))
        assert self._hash is not None
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

    def __reduce__(self) -> tuple[Callable[..., FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (FrozenMap, (self._items,))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a FrozenMap cannot change (setting {name!r})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a FrozenMap cannot change (deleting {name!r})")


def frozen_map(items: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> FrozenMap[Any, Any]:
    """``items`` as a :class:`FrozenMap` (itself when it is one): mapping fields convert so."""
    return items if type(items) is FrozenMap else FrozenMap(items)


def frozen_map_of(
    freeze_value: Callable[[Any], V],
) -> Callable[[Mapping[K, Any]], FrozenMap[K, V]]:
    """A converter freezing a mapping whose values are frozen by ``freeze_value`` too."""

    def convert(items: Mapping[K, Any]) -> FrozenMap[K, V]:
        return FrozenMap((key, freeze_value(value)) for key, value in items.items())

    return convert
