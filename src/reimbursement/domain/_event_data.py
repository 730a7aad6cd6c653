"""An event's details: an immutable mapping of strings to strings, kept as one flat tuple."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

__all__ = ["EventData", "flatten_data"]


def flatten_data(items: Mapping[str, str] | None) -> tuple[str, ...]:
    """``items`` as one flat tuple ``(key, value, key, value, …)`` of strings."""
    if type(items) is EventData:
        return items._flat
    if not items:
        return ()
    flat: list[str] = []
    for key, value in items.items():
        if type(key) is not str or type(value) is not str:
            raise TypeError(f"event data maps str to str, got {key!r}: {value!r}")
        flat += (key, value)
    return tuple(flat)


class EventData(Mapping[str, str]):
    """The details of an event: an immutable mapping of strings to strings.

    A view over the flat tuple the event stores: a plain tuple of strings is
    a third of the memory of a small ``dict``, and the garbage collector stops
    tracking it, which matters when a store keeps every event of every claim.
    """

    __slots__ = ("_flat",)
    _flat: tuple[str, ...]

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        object.__setattr__(self, "_flat", flatten_data(items))

    @classmethod
    def _view(cls, flat: tuple[str, ...]) -> EventData:
        data = object.__new__(cls)
        object.__setattr__(data, "_flat", flat)
        return data

    def __reduce__(self) -> tuple[Any, tuple[tuple[str, ...]]]:
        return (EventData._view, (self._flat,))

    def __setattr__(self, name: str, value: object = None) -> NoReturn:
        raise AttributeError(f"event data cannot change ({name!r})")

    __delattr__ = __setattr__

    def __getitem__(self, key: str) -> str:
        flat = self._flat
        for i in range(0, len(flat), 2):
            if flat[i] == key:
                return flat[i + 1]
        raise KeyError(key)

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The value of ``key``, or ``default`` (one scan, no exception)."""
        flat = self._flat
        for i in range(0, len(flat), 2):
            if flat[i] == key:
                return flat[i + 1]
        return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._flat[::2])

    def __len__(self) -> int:
        return len(self._flat) // 2

    def __repr__(self) -> str:
        return f"EventData({dict(self)!r})"

    def __hash__(self) -> int:
        return hash(self._flat)
