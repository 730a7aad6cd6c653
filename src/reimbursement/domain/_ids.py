"""The ids the commands give a claim's lines and messages, and finding an item by its id.

A line is ``L<n>`` and a message ``M<n>``: each new one is numbered after
the last one ever given (a removed line's number is never given again:
``Claim.last_line_number`` keeps it), and neither is ever reordered, so a claim's items are in the
order of their numbers. That order makes both steps cost the same on a
claim of three lines or of thousands: the next id comes from the last item
alone, and an item is found by binary search.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from typing import Protocol

__all__ = ["id_number", "last_number", "next_ids", "position"]


class _Item(Protocol):
    @property
    def id(self) -> str: ...


def id_number(prefix: str, item_id: str) -> int | None:
    """The number of an id the commands made (``"L12"`` -> 12), or ``None`` for another id."""
    digits = item_id[len(prefix) :]
    if not item_id.startswith(prefix) or not digits.isdecimal() or len(digits) > 18:
        return None
    return int(digits)


def position(items: Sequence[_Item], prefix: str, item_id: str) -> int | None:
    """Where the item ``item_id`` is in ``items``, or ``None`` when it is not there.

    A binary search on the ids' numbers finds it in O(log n). An item it
    misses is looked for one by one, so items kept in another order (not
    made by the commands) are still searched right; only a miss pays that.
    """
    number = id_number(prefix, item_id) if type(item_id) is str else None
    if number is not None:

        def key(item: _Item) -> int:
            found = id_number(prefix, item.id)
            return -1 if found is None else found

        i = bisect.bisect_left(items, number, key=key)
        if i < len(items) and items[i].id == item_id:
            return i
    for i, item in enumerate(items):
        if item.id == item_id:
            return i
    return None


def last_number(prefix: str, items: Sequence[_Item], given: int = 0) -> int:
    """The highest number of ``items``' ids, or ``given`` (the highest ever given, removed
    items' included) when that is higher.

    The last item has the highest number (see the module docstring), so no
    other item is read. Items whose last id is not ``<prefix><n>`` (not
    made by the commands) are read all, for their highest number.
    """
    last = id_number(prefix, items[-1].id) if items else 0
    if last is None:
        numbers = (id_number(prefix, item.id) for item in items)
        last = max((n for n in numbers if n is not None), default=0)
    return max(last, given)


def next_ids(prefix: str, items: Sequence[_Item], given: int = 0) -> Callable[[], str]:
    """A function that gives the ids of new items, numbered after :func:`last_number`."""
    counter = itertools.count(last_number(prefix, items, given) + 1)
    return lambda: f"{prefix}{next(counter)}"
