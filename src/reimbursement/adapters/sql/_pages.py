"""Keyset pagination: opaque cursors and the page size rule.

A cursor is the sort key of the last row of a page, with the name of the
list it belongs to, as JSON in URL-safe base64. It is opaque to callers;
one this adapter did not make raises
:class:`~reimbursement.errors.ValidationError` at ``after``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final

from ...errors import ValidationError

__all__ = ["MAX_LIMIT", "check_limit", "decode", "encode"]

MAX_LIMIT: Final = 1_000


def check_limit(limit: int) -> None:
    """Raise :class:`~reimbursement.errors.ValidationError` unless 1 <= ``limit`` <= 1,000."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.at("limit", f"must be a whole number from 1 to {MAX_LIMIT}")


def encode(kind: str, key: list[Any]) -> str:
    """The cursor after the row whose sort key is ``key``, in the list ``kind``."""
    text = json.dumps([kind, *key], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(kind: str, cursor: str, size: int) -> list[Any]:
    """The sort key a cursor of the list ``kind`` holds (``size`` values)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (UnicodeError, binascii.Error, ValueError, AttributeError):
        data = None
    if not isinstance(data, list) or len(data) != size + 1 or data[0] != kind:
        raise ValidationError.at("after", "is not a cursor of this list: pass a next_cursor")
    return data[1:]
