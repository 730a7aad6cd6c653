"""Duplicates: the keys a claim store indexes, and what a reviewer's confirmation means.

Three look-ups find a claim's twins on other claims (of any customer):

- the same file: an attachment's sha256;
- the same expense: the provider (compared case- and space-insensitively,
  :func:`provider_key`), the currency, the date within ``days`` and the
  amount within ``amount_tolerance`` (a :class:`DuplicatePolicy`);
- the same paper photographed twice: a photo's 64-bit perceptual hash
  within ``max_image_distance`` bits. Stores index the hash in four
  16-bit bands: two hashes at most ``d`` bits apart share a band within
  ``d // 4`` bits (pigeonhole), so a look-up is an indexed ``IN`` on each
  band (:func:`band_probes`) and the distance is checked on what it finds.

Only claims submitted at least once and not withdrawn are indexed
(:func:`indexed`): a draft the customer abandons is nobody's duplicate.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import attrs

from ..errors import ValidationError
from .claim import Claim, ExpenseLine
from .document_records import DuplicateFlag
from .lifecycle import ClaimState
from .money import Money

__all__ = [
    "AMOUNT_SCALE",
    "MAX_FLAGS",
    "MAX_IMAGE_DISTANCE",
    "DuplicatePolicy",
    "ExpenseKey",
    "band_probes",
    "bands",
    "confirmed_lines",
    "expense_key",
    "file_keys",
    "hamming",
    "image_keys",
    "indexed",
    "provider_key",
    "scaled",
]

AMOUNT_SCALE = 10_000
"""Amounts are indexed as whole multiples of 1/10,000 (no currency has more decimals)."""
MAX_IMAGE_DISTANCE = 11
"""The largest image distance a look-up supports (two bits per band)."""
MAX_FLAGS = 1_000
"""The most duplicate flags a policy may keep on one claim."""
_BANDS = 4


def _tolerance(_: object, attribute: attrs.Attribute[Decimal], value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValidationError.at(
            f"duplicates.{attribute.name}", f"must be a Decimal of zero or more, got {value!r}"
        )


@attrs.frozen
class _Count:
    """An attrs validator: a whole number from ``low`` to ``top``."""

    low: int
    top: int

    def __call__(self, _: object, attribute: attrs.Attribute[int], value: object) -> None:
        if type(value) is not int or not self.low <= value <= self.top:
            raise ValidationError.at(
                f"duplicates.{attribute.name}",
                f"must be a whole number from {self.low} to {self.top}",
            )


@attrs.frozen
class DuplicatePolicy:
    """When two expenses or photos count as the same.

    ``amount_tolerance``: the largest difference of amounts (in the
    expense's currency) still "the same"; ``days``: of dates;
    ``max_image_distance``: of perceptual hashes, in bits (0 to
    :data:`MAX_IMAGE_DISTANCE`; about 10 of 64 bits is still the same
    picture). ``limit``: the most matches kept per look-up; ``max_flags``:
    the most flags kept on one claim (1 to :data:`MAX_FLAGS`), so that a
    claim of many lines alike to many others stays small: the flags a
    reviewer confirmed are always kept, then the others in the order found.
    """

    amount_tolerance: Decimal = attrs.field(default=Decimal("0"), validator=_tolerance)
    days: int = attrs.field(default=0, validator=_Count(0, 366))
    max_image_distance: int = attrs.field(default=8, validator=_Count(0, MAX_IMAGE_DISTANCE))
    limit: int = attrs.field(default=20, validator=_Count(1, 1000))
    max_flags: int = attrs.field(default=100, validator=_Count(1, MAX_FLAGS))


@attrs.frozen
class ExpenseKey:
    """An expense as the store indexes it: provider key, currency, date, scaled amount."""

    provider: str
    currency: str
    incurred_on: date
    amount: int


# Kept per provider name: each submission keys its lines twice (the look-up, then
# the index at commit), and claims name the same providers again and again; the
# cached key is also one string shared by every claim's index entry.
@functools.lru_cache(maxsize=4096)
def provider_key(provider: str) -> str:
    """``provider`` compared loosely: NFKC, case-folded, punctuation and spacing dropped."""
    folded = unicodedata.normalize("NFKC", provider).casefold()
    return "".join(c for c in folded if c.isalnum())


def scaled(amount: Money) -> int:
    """``amount`` in units of 1/:data:`AMOUNT_SCALE`, as the index holds it."""
    return int(amount.amount * AMOUNT_SCALE)


def expense_key(line: ExpenseLine) -> ExpenseKey:
    """The key of ``line``'s expense: as on the receipt (amount and currency as paid)."""
    return ExpenseKey(
        provider_key(line.provider), line.amount.currency, line.incurred_on, scaled(line.amount)
    )


def indexed(claim: Claim) -> bool:
    """Whether a store indexes ``claim``'s documents and expenses."""
    return claim.number is not None and claim.state is not ClaimState.WITHDRAWN


def file_keys(claim: Claim) -> Iterator[tuple[str, str]]:
    """``(sha256, attachment id)`` of each document of an indexed claim."""
    if indexed(claim):
        for attachment in claim.attachments:
            yield attachment.sha256, attachment.id


def image_keys(claim: Claim) -> Iterator[tuple[int, str]]:
    """``(perceptual hash, attachment id)`` of each photo of an indexed claim."""
    if indexed(claim):
        for attachment in claim.attachments:
            if attachment.phash is not None:
                yield int(attachment.phash, 16), attachment.id


def expense_keys(claim: Claim) -> Iterator[tuple[ExpenseKey, str]]:
    """``(key, line id)`` of each line of an indexed claim."""
    if indexed(claim):
        for line in claim.lines:
            yield expense_key(line), line.id


def hamming(a: int, b: int) -> int:
    """The number of bits in which ``a`` and ``b`` differ."""
    return (a ^ b).bit_count()


def bands(phash: int) -> tuple[int, ...]:
    """The four 16-bit bands of a 64-bit hash, high bits first."""
    return tuple((phash >> (16 * (_BANDS - 1 - i))) & 0xFFFF for i in range(_BANDS))


def band_probes(phash: int, max_distance: int) -> tuple[tuple[int, ...], ...]:
    """Per band, every value within ``max_distance // 4`` bits of the hash's band.

    A hash within ``max_distance`` of ``phash`` has at least one band among them.
    """
    flips = min(max_distance, MAX_IMAGE_DISTANCE) // _BANDS
    probes = []
    for band in bands(phash):
        values = [band]
        for n in range(1, flips + 1):
            for bits in itertools.combinations(range(16), n):
                values.append(band ^ sum(1 << b for b in bits))
        probes.append(tuple(values))
    return tuple(probes)


def confirmed_lines(claim: Claim) -> dict[str, DuplicateFlag]:
    """The lines a reviewer confirmed as duplicates: they can only be approved at zero."""
    return {
        flag.line_id: flag
        for flag in claim.duplicate_flags
        if flag.confirmed_by is not None and flag.line_id is not None
    }
