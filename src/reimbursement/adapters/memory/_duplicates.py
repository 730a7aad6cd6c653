"""The in-memory duplicate index: dictionaries keyed as the SQL tables' indexes are.

One :class:`DuplicateIndex` holds the committed claims' keys (refreshed by
the store's ``write`` at commit); a unit of work's look-up adds the
matches of the claims it staged itself (:func:`staged_matches`), so that it
sees its own writes as a database transaction does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal

import attrs

from ...domain.claim import Claim
from ...domain.duplicates import (
    AMOUNT_SCALE,
    ExpenseKey,
    band_probes,
    bands,
    expense_keys,
    file_keys,
    hamming,
    image_keys,
    indexed,
)
from ...ports import DuplicateMatch

__all__ = ["DuplicateIndex", "Probe", "staged_matches"]


@attrs.frozen
class Probe:
    """One look-up: what it asks for, and how it tells a match."""

    sha256: str | None = None
    expense: ExpenseKey | None = None
    tolerance: int = 0  # in 1/AMOUNT_SCALE units
    days: int = 0
    phash: int | None = None
    max_distance: int = 0

    @classmethod
    def of_expense(cls, key: ExpenseKey, tolerance: Decimal, days: int) -> Probe:
        """A look-up of expenses like ``key``."""
        return cls(expense=key, tolerance=int(tolerance * AMOUNT_SCALE), days=days)

    def expense_matches(self, key: ExpenseKey) -> bool:
        """Whether the line ``key`` is like the one asked for."""
        wanted = self.expense
        return (
            wanted is not None
            and (key.provider, key.currency) == (wanted.provider, wanted.currency)
            and abs(key.amount - wanted.amount) <= self.tolerance
            and abs(key.incurred_on - wanted.incurred_on) <= timedelta(days=self.days)
        )


def _line_of(claim: Claim, attachment_id: str) -> str | None:
    for line in claim.lines:
        if attachment_id in line.attachment_ids:
            return line.id
    return None


def claim_matches(claim: Claim, probe: Probe) -> Iterator[DuplicateMatch]:
    """The matches of ``probe`` among ``claim``'s own keys."""
    number = claim.number
    if probe.sha256 is not None:
        for sha256, doc in file_keys(claim):
            if sha256 == probe.sha256:
                yield DuplicateMatch(claim.id, number, _line_of(claim, doc), doc)
    if probe.phash is not None:
        for phash, doc in image_keys(claim):
            distance = hamming(phash, probe.phash)
            if distance <= probe.max_distance:
                yield DuplicateMatch(claim.id, number, _line_of(claim, doc), doc, distance)
    if probe.expense is not None:
        for key, line_id in expense_keys(claim):
            if probe.expense_matches(key):
                yield DuplicateMatch(claim.id, number, line_id, None)


def staged_matches(
    index: DuplicateIndex, staged: Iterable[Claim], probe: Probe, limit: int
) -> list[DuplicateMatch]:
    """What ``probe`` finds: committed claims, except those staged, then the staged ones."""
    mine = {claim.id: claim for claim in staged}
    found = [m for m in index.find(probe, limit + len(mine)) if m.claim_id not in mine]
    for claim in mine.values():
        found.extend(claim_matches(claim, probe))
    return found[:limit]


class DuplicateIndex:
    """The keys of the committed claims, by sha256, by expense and by hash band.

    Not thread-safe by itself: the store calls it under its lock.
    """

    def __init__(self) -> None:
        self.claims: dict[str, Claim] = {}  # indexed claims, by id
        self.files: dict[str, set[str]] = {}  # sha256 -> claim ids
        self.expenses: dict[tuple[str, str], dict[date, set[str]]] = {}
        self.bands: tuple[dict[int, set[str]], ...] = tuple({} for _ in range(4))

    def write(self, claim: Claim, before: Claim | None) -> None:
        """Index ``claim`` in place of ``before`` (its previous committed version, if any)."""
        if (
            before is not None
            and before.lines is claim.lines
            and before.attachments is claim.attachments
            and indexed(before) == indexed(claim)
        ):
            if claim.id in self.claims:
                self.claims[claim.id] = claim
            return
        if before is not None:
            self._each(before, lambda keys: keys.discard(before.id))
        self.claims.pop(claim.id, None)
        if indexed(claim):
            self.claims[claim.id] = claim
            self._each(claim, lambda keys: keys.add(claim.id), make=True)

    def _each(
        self, claim: Claim, apply: Callable[[set[str]], None], *, make: bool = False
    ) -> None:
        """Call ``apply`` on the set of claim ids under each of ``claim``'s keys."""
        for sha256, _ in file_keys(claim):
            found = self.files.setdefault(sha256, set()) if make else self.files.get(sha256)
            if found is not None:
                apply(found)
        for phash, _ in image_keys(claim):
            for table, band in zip(self.bands, bands(phash), strict=True):
                found = table.setdefault(band, set()) if make else table.get(band)
                if found is not None:
                    apply(found)
        for key, _ in expense_keys(claim):
            days = self.expenses.setdefault((key.provider, key.currency), {})
            found = days.setdefault(key.incurred_on, set()) if make else days.get(key.incurred_on)
            if found is not None:
                apply(found)

    def _candidates(self, probe: Probe) -> set[str]:
        ids: set[str] = set()
        if probe.sha256 is not None:
            ids |= self.files.get(probe.sha256, set())
        if probe.phash is not None:
            for table, values in zip(
                self.bands, band_probes(probe.phash, probe.max_distance), strict=True
            ):
                for value in values:
                    ids |= table.get(value, set())
        if probe.expense is not None:
            days = self.expenses.get((probe.expense.provider, probe.expense.currency), {})
            start = probe.expense.incurred_on
            for offset in range(-probe.days, probe.days + 1):
                try:
                    ids |= days.get(start + timedelta(days=offset), set())
                except OverflowError:  # a date near year 1 or 9999
                    continue
        return ids

    def find(self, probe: Probe, limit: int) -> list[DuplicateMatch]:
        """At most ``limit`` matches among the committed claims."""
        found: list[DuplicateMatch] = []
        for claim_id in sorted(self._candidates(probe)):
            found.extend(claim_matches(self.claims[claim_id], probe))
            if len(found) >= limit:
                break
        return found[:limit]
