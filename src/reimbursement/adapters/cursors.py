"""Keyset-pagination cursors shared by the adapters: opaque text over a sort key.

A cursor is the sort key of the last item of a page (a few integers or
strings), as URL-safe base64 of its JSON. It carries no offset, so a page
stays right while rows are added before it. A cursor that is not one of
ours is refused with :class:`~reimbursement.errors.ValidationError` at
``after``, never trusted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..errors import ValidationError
from ..ports import Page

__all__ = ["MAX_LIMIT", "check_limit", "decode_cursor", "encode_cursor", "page"]

MAX_LIMIT = 1_000
"""The largest page a list call gives."""

_MAX_CURSOR = 512  # characters: our cursors are a few dozen

T = TypeVar("T")


def check_limit(limit: int) -> None:
    """Refuse a page size outside 1 to :data:`MAX_LIMIT`."""
    if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.at("limit", f"must be a whole number from 1 to {MAX_LIMIT}")


def encode_cursor(*key: int | str) -> str:
    """The cursor after the item whose sort key is ``key``."""
    text = json.dumps(list(key), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type[Any]]) -> tuple[Any, ...]:
    """The sort key in ``cursor``, each part checked against ``types``."""
    problem = "is not a cursor this store made; pass a page's next_cursor as it is"
    if type(cursor) is not str or not cursor or len(cursor) > _MAX_CURSOR:
        raise ValidationError.at("after", problem)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError):
        raise ValidationError.at("after", problem) from None
    if (
        type(key) is not list
        or len(key) != len(types)
        or any(type(part) is not kind for part, kind in zip(key, types, strict=True))
    ):
        raise ValidationError.at("after", problem)
    return tuple(key)


def page(items: Sequence[T], limit: int, cursor_of: Callable[[int], str]) -> Page[T]:
    """A page of ``items[:limit]``; ``items`` holds one more when a next page exists.

    ``cursor_of(i)`` makes the cursor after item ``i``.
    """
    if len(items) > limit:
        return Page(tuple(items[:limit]), cursor_of(limit - 1))
    return Page(tuple(items), None)
