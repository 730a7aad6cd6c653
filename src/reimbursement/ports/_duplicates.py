"""The claim store's duplicate look-ups: indexed queries for a claim's twins.

:class:`DuplicateLookups` is part of every
:class:`~reimbursement.ports.ClaimRepository`. The store indexes what
:mod:`reimbursement.domain.duplicates` says (claims submitted at least once
and not withdrawn), in the same transaction as the claim, so that every
look-up is one indexed query whatever the number of stored claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from ..domain.duplicates import ExpenseKey

__all__ = ["DuplicateLookups", "DuplicateMatch"]


@attrs.frozen
class DuplicateMatch:
    """A stored claim that holds the same file, expense or photo.

    ``line_id`` is the matching line (``None`` for a document on no line),
    ``attachment_id`` the matching document (``None`` for an expense),
    ``distance`` the Hamming distance of two perceptual hashes (else 0).
    """

    claim_id: str
    claim_number: str | None
    line_id: str | None
    attachment_id: str | None
    distance: int = 0


class DuplicateLookups(Protocol):
    """Look-ups of a unit of work: they see committed claims and its own writes.

    Each returns at most ``limit`` matches (1 to 1,000, else
    :class:`~reimbursement.errors.ValidationError`) in no promised order,
    and every claim indexed, whoever's it is: leave out the claim you ask
    for yourself.
    """

    def same_file(self, sha256: str, *, limit: int = 20) -> Sequence[DuplicateMatch]:
        """The documents whose content has this sha256 (64 lower-case hex digits)."""
        ...

    def same_expense(
        self, key: ExpenseKey, *, tolerance: Decimal = Decimal(0), days: int = 0, limit: int = 20
    ) -> Sequence[DuplicateMatch]:
        """The lines with ``key``'s provider and currency, a date within ``days`` of its date
        and an amount within ``tolerance`` of its amount (both bounds included)."""
        ...

    def same_expenses(
        self,
        keys: Sequence[ExpenseKey],
        *,
        tolerance: Decimal = Decimal(0),
        days: int = 0,
        limit: int = 20,
    ) -> Sequence[Sequence[DuplicateMatch]]:
        """:meth:`same_expense` of each of ``keys``, in their order: a claim's lines at once
        (the SQL store asks in one statement, not one per line)."""
        ...

    def similar_images(
        self, phash: int, *, max_distance: int, limit: int = 20
    ) -> Sequence[DuplicateMatch]:
        """The photos whose 64-bit perceptual hash is at most ``max_distance`` bits from
        ``phash`` (0 to 11), each with its distance."""
        ...
