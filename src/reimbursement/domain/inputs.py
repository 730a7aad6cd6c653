"""What callers give to start, fix and decide claims: plain input records."""

from __future__ import annotations

from datetime import date

import attrs

from .money import Money

__all__ = ["ClaimPatch", "LineInput", "LinePatch"]


@attrs.frozen
class LineInput:
    """A new expense line as the customer enters it (amount as on the receipt)."""

    category: str
    incurred_on: date
    provider: str
    amount: Money
    description: str = ""
    attachment_ids: tuple[str, ...] = ()


@attrs.frozen
class LinePatch:
    """Changes to one existing line: only the fields that are not ``None`` change."""

    line_id: str
    category: str | None = None
    incurred_on: date | None = None
    provider: str | None = None
    amount: Money | None = None
    description: str | None = None
    attachment_ids: tuple[str, ...] | None = None


@attrs.frozen
class ClaimPatch:
    """Only what changed: used to edit a draft and to fix a returned claim.

    Nothing already on the claim is typed again: lines are added, changed
    field by field, or removed by id.
    """

    add_lines: tuple[LineInput, ...] = ()
    change_lines: tuple[LinePatch, ...] = ()
    remove_lines: tuple[str, ...] = ()
    payee_account: str | None = None
