"""The in-memory duplicate index: dictionaries keyed as the SQL tables' indexes are.

One :class:`DuplicateIndex` holds the committed claims' keys (refreshed by
the store's ``write`` at commit); a unit of work's look-up adds the
matches of the claims it staged itself (:func:`staged_matches`), so that it
sees its own writes as a database transaction does.

A look-up costs what it finds, not what is stored: each claim's keys are
computed once when it is indexed, expenses are kept by provider, currency,
date and amount (amounts in order, for a tolerance), and a walk stops at
its limit, as the SQL tables' composite indexes do.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeAlias

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

#: Claim ids in the order they were indexed (a dict as an ordered set), so that
#: a look-up walks the oldest first and stops at its limit, never sorting all.
_Ids: TypeAlias = dict[str, None]


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

    def expense_matches(self, key: _Expense) -> bool:
        """Whether a line's indexed expense ``key`` is like the one asked for."""
        wanted = self.expense
        provider, currency, day, amount, _ = key
        return (
            wanted is not None
            and provider == wanted.provider
            and currency == wanted.currency
            and abs(amount - wanted.amount) <= self.tolerance
            and abs(day - wanted.incurred_on) <= timedelta(days=self.days)
        )


_Day: TypeAlias = tuple[str, str, date]  # provider key, currency, date
_Expense: TypeAlias = tuple[str, str, date, int, str]  # the ExpenseKey's fields, then the line
# One claim's keys, computed once (what the SQL key tables hold as rows): claim id, number,
# files (sha256, attachment, line), images (phash, attachment, line), expenses. Plain
# tuples of strings, ints and dates, not records: the garbage collector stops tracking
# them, and every indexed claim keeps one (six tracked objects a claim as attrs records
# with ExpenseKeys: a fourth of what a stored claim of the lifecycle gives every full
# collection to walk; docs/performance.md, "Issue 11, third session").
_Keys: TypeAlias = tuple[
    str,
    str | None,
    tuple[tuple[str, str, str | None], ...],
    tuple[tuple[int, str, str | None], ...],
    tuple[_Expense, ...],
]


def _keys_of(claim: Claim) -> _Keys:
    """``claim``'s keys (none unless the claim is indexed)."""
    line_of = {doc: line.id for line in claim.lines for doc in line.attachment_ids}
    return (
        claim.id,
        claim.number,
        tuple((sha, doc, line_of.get(doc)) for sha, doc in file_keys(claim)),
        tuple((phash, doc, line_of.get(doc)) for phash, doc in image_keys(claim)),
        tuple(
            (key.provider, key.currency, key.incurred_on, key.amount, line_id)
            for key, line_id in expense_keys(claim)
        ),
    )


def _matches(keys: _Keys, probe: Probe) -> Iterator[DuplicateMatch]:
    """The matches of ``probe`` among a claim's ``keys``."""
    claim_id, number, files, images, expenses = keys
    if probe.sha256 is not None:
        for sha256, doc, line_id in files:
            if sha256 == probe.sha256:
                yield DuplicateMatch(claim_id, number, line_id, doc)
    if probe.phash is not None:
        for phash, doc, line_id in images:
            distance = hamming(phash, probe.phash)
            if distance <= probe.max_distance:
                yield DuplicateMatch(claim_id, number, line_id, doc, distance)
    if probe.expense is not None:
        for expense in expenses:
            if probe.expense_matches(expense):
                yield DuplicateMatch(claim_id, number, expense[4], None)


def staged_matches(
    index: DuplicateIndex, staged: Iterable[Claim], probe: Probe, limit: int
) -> list[DuplicateMatch]:
    """What ``probe`` finds: committed claims, except those staged, then the staged ones."""
    mine = {claim.id: claim for claim in staged}
    found = [m for m in index.find(probe, limit + len(mine)) if m.claim_id not in mine]
    for claim in mine.values():
        found.extend(_matches(_keys_of(claim), probe))
    return found[:limit]


class _Amounts:
    """The claims of one provider, currency and day, by amount (amounts kept in order).

    An amount that one claim holds, as most do, maps to that claim's id itself,
    not to a set of one: a one-entry ``dict`` costs about 180 bytes, and every
    stored claim holds one per line (``benchmarks/lifecycle.py``'s memory per
    claim: 7,483 bytes with a set for every amount, about 7,120 with this).
    A second claim with the same amount turns it into an id set.
    """

    __slots__ = ("by_amount", "order")

    def __init__(self) -> None:
        self.by_amount: dict[int, str | _Ids] = {}
        self.order: list[int] = []

    def add(self, amount: int, claim_id: str) -> None:
        ids = self.by_amount.get(amount)
        if ids is None:
            self.by_amount[amount] = claim_id
            insort(self.order, amount)
        elif isinstance(ids, str):
            if ids != claim_id:
                self.by_amount[amount] = {ids: None, claim_id: None}
        else:
            ids[claim_id] = None

    def remove(self, amount: int, claim_id: str) -> None:
        ids = self.by_amount.get(amount)
        if ids is None:
            return
        if isinstance(ids, str):
            if ids != claim_id:
                return
        else:
            ids.pop(claim_id, None)
            if ids:
                return
        del self.by_amount[amount]
        del self.order[bisect_left(self.order, amount)]

    def within(self, amount: int, tolerance: int) -> Iterator[Iterable[str]]:
        """The ids held at each amount at most ``tolerance`` from ``amount``."""
        if tolerance == 0:
            ids = self.by_amount.get(amount)
            if ids is not None:
                yield (ids,) if isinstance(ids, str) else ids
            return
        order = self.order
        for i in range(bisect_left(order, amount - tolerance), len(order)):
            if order[i] > amount + tolerance:
                return
            ids = self.by_amount[order[i]]
            yield (ids,) if isinstance(ids, str) else ids


class _Table(dict[object, _Ids]):
    """Claim ids by one kind of key: a sha256, or one band of an image hash."""

    def add(self, key: object, claim_id: str) -> None:
        self.setdefault(key, {})[claim_id] = None

    def remove(self, key: object, claim_id: str) -> None:
        ids = self.get(key)
        if ids is not None:
            ids.pop(claim_id, None)
            if not ids:
                del self[key]


class _Expenses(dict[_Day, _Amounts]):
    """Claim ids by expense: provider, currency and day, then amount (kept in order)."""

    def add(self, key: tuple[_Day, int], claim_id: str) -> None:
        day, amount = key
        amounts = self.get(day)
        if amounts is None:
            amounts = self[day] = _Amounts()
        amounts.add(amount, claim_id)

    def remove(self, key: tuple[_Day, int], claim_id: str) -> None:
        day, amount = key
        amounts = self.get(day)
        if amounts is not None:
            amounts.remove(amount, claim_id)
            if not amounts.by_amount:
                del self[day]


class DuplicateIndex:
    """The keys of the committed claims, by sha256, by expense and by hash band.

    Not thread-safe by itself: the store calls it under its lock.
    """

    def __init__(self) -> None:
        self.keys: dict[str, _Keys] = {}  # indexed claims' keys, by claim id
        self.files = _Table()  # sha256 -> claim ids
        self.bands = tuple(_Table() for _ in range(4))
        self.expenses = _Expenses()

    def write(self, claim: Claim, before: Claim | None) -> None:
        """Index ``claim`` in place of ``before`` (its previous committed version, if any)."""
        if (
            before is not None
            and before.lines is claim.lines
            and before.attachments is claim.attachments
            and indexed(before) == indexed(claim)
        ):
            return  # the same keys are indexed
        old = self.keys.pop(claim.id, None)
        if old is not None:
            for table, key in self._places(old):
                table.remove(key, claim.id)
        if indexed(claim):
            keys = self.keys[claim.id] = _keys_of(claim)
            for table, key in self._places(keys):
                table.add(key, claim.id)

    def _places(self, keys: _Keys) -> Iterator[tuple[_Table | _Expenses, Any]]:
        """Where each of a claim's keys stands: the table and the key in it."""
        _, _, files, images, expenses = keys
        for sha256, _, _ in files:
            yield self.files, sha256
        for phash, _, _ in images:
            yield from zip(self.bands, bands(phash), strict=True)
        for provider, currency, day, amount, _ in expenses:
            yield self.expenses, ((provider, currency, day), amount)

    def _buckets(self, probe: Probe) -> Iterator[Iterable[str]]:
        """The id sets under each key ``probe`` may match, read in place (never copied)."""
        if probe.sha256 is not None:
            yield self.files.get(probe.sha256, {})
        if probe.phash is not None:
            for table, values in zip(
                self.bands, band_probes(probe.phash, probe.max_distance), strict=True
            ):
                for value in values:
                    yield table.get(value, {})
        wanted = probe.expense
        if wanted is not None:
            for offset in range(-probe.days, probe.days + 1):
                try:
                    day = wanted.incurred_on + timedelta(days=offset)
                except OverflowError:  # a date near year 1 or 9999
                    continue
                amounts = self.expenses.get((wanted.provider, wanted.currency, day))
                if amounts is not None:
                    yield from amounts.within(wanted.amount, probe.tolerance)

    def find(self, probe: Probe, limit: int) -> list[DuplicateMatch]:
        """At most ``limit`` matches among the committed claims, oldest indexed first.

        The work is bounded by the matches wanted, not by how many claims
        share a provider or a day: the walk stops at ``limit``.
        """
        found: list[DuplicateMatch] = []
        seen: set[str] = set()
        for bucket in self._buckets(probe):
            for claim_id in bucket:
                if claim_id in seen:
                    continue
                seen.add(claim_id)
                found.extend(_matches(self.keys[claim_id], probe))
                if len(found) >= limit:
                    return found[:limit]
        return found
