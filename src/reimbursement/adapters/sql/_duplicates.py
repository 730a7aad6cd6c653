"""The SQL duplicate index: three key tables, written with the claim, read by index.

``rb_file_keys`` holds each document's sha256, ``rb_expense_keys`` each
line's provider key, currency, date and scaled amount, ``rb_image_keys``
each photo's perceptual hash with its four 16-bit bands (one index per
band: see :mod:`reimbursement.domain.duplicates`). Only indexed claims
(submitted, not withdrawn) have rows. A save rewrites a claim's rows only
when its lines, its documents or whether it is indexed changed, which the
unit of work tells from the claim as it read it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa

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
from ...errors import ValidationError
from ...ports import DuplicateMatch
from ..cursors import check_limit
from ._codec import claim_columns, load_claims
from ._direct import Direct, inserting
from ._engine import begin, guard, is_postgres
from ._schema import CLAIMS, EXPENSE_KEYS, FILE_KEYS, IMAGE_KEYS

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork

__all__ = ["SqlDuplicateLookups", "index_duplicates", "reindex_duplicates"]

_BIG: Final = 2**63 - 1
_MAX_CANDIDATES: Final = 10_000  # per image look-up: a band value shared by more is noise
_TABLES: Final = (FILE_KEYS, EXPENSE_KEYS, IMAGE_KEYS)
_FORGET: Final = tuple(
    Direct(t.delete().where(t.c.claim_id == sa.bindparam("claim_id"))) for t in _TABLES
)
_FILE_KEY: Final = inserting(FILE_KEYS, ("sha256", "claim_id", "attachment_id", "line_id"))
_EXPENSE_KEY: Final = inserting(
    EXPENSE_KEYS, ("provider", "currency", "incurred_on", "amount", "claim_id", "line_id")
)


def _line_of(claim: Claim) -> dict[str, str]:
    return {doc: line.id for line in claim.lines for doc in line.attachment_ids}


def _clamped(amount: int) -> int:
    return max(-_BIG, min(_BIG, amount))


def index_duplicates(connection: sa.Connection, claim: Claim, before: Claim | None) -> None:
    """Write ``claim``'s key rows in place of those of ``before``.

    ``before`` is the claim at the version the save replaces, when the unit
    of work knows it; ``None`` for a new claim or an unknown version (then
    whatever rows the claim has are deleted first).
    """
    if before is not None and (
        before.lines is claim.lines
        and before.attachments is claim.attachments
        and indexed(before) == indexed(claim)
    ):
        return  # the same keys are stored
    if before is None or indexed(before):
        for forget in _FORGET:
            forget.write(connection, {"claim_id": claim.id})
    if not indexed(claim):
        return
    lines = _line_of(claim)
    files = [
        {"sha256": sha, "claim_id": claim.id, "attachment_id": doc, "line_id": lines.get(doc)}
        for sha, doc in file_keys(claim)
    ]
    if files:
        _FILE_KEY.write(connection, files)
    expenses = [
        {
            "provider": key.provider,
            "currency": key.currency,
            "incurred_on": key.incurred_on.isoformat(),
            "amount": _clamped(key.amount),
            "claim_id": claim.id,
            "line_id": line_id,
        }
        for key, line_id in expense_keys(claim)
    ]
    if expenses:
        _EXPENSE_KEY.write(connection, expenses)
    images = [
        {
            "claim_id": claim.id,
            "attachment_id": doc,
            "line_id": lines.get(doc),
            "phash": f"{phash:016x}",
            **{f"band{i}": band for i, band in enumerate(bands(phash))},
        }
        for phash, doc in image_keys(claim)
    ]
    if images:
        connection.execute(IMAGE_KEYS.insert(), images)


_NUMBERED: Final = (
    sa.select(CLAIMS.c.position, *claim_columns())
    .where(CLAIMS.c.position > sa.bindparam("after"), CLAIMS.c.number.is_not(None))
    .order_by(CLAIMS.c.position)
    .limit(sa.bindparam("limit"))
)


def reindex_duplicates(engine: sa.Engine, *, batch: int = 500) -> int:
    """Write the duplicate keys of every stored claim again; how many claims it read.

    For claims stored before schema version 5 (or rows lost): each batch of
    ``batch`` numbered claims, in the order they were added, is one
    transaction that reads the claims and rewrites their key rows, so it
    may run while desks work (on PostgreSQL the batch's rows are locked
    ``FOR UPDATE``, so a save waits for it; SQLite has one writer at a
    time). Running it again writes the same rows. Raises
    :class:`~reimbursement.errors.StoredDataError` for a row that cannot be
    read back, naming the claim, and :class:`~reimbursement.errors.ValidationError`
    for a ``batch`` outside 1 to 1,000.
    """
    if type(batch) is not int or not 1 <= batch <= 1000:
        raise ValidationError.at("batch", "must be a whole number from 1 to 1,000")
    query = _NUMBERED.with_for_update() if is_postgres(engine) else _NUMBERED
    done = 0
    after = 0
    while True:
        with guard(engine, "index stored claims for duplicates"), engine.connect() as connection:
            begin(connection, write=True)
            rows = connection.execute(query, {"after": after, "limit": batch}).all()
            for claim in load_claims(connection, rows):
                index_duplicates(connection, claim, None)
            connection.commit()
        done += len(rows)
        if len(rows) < batch:
            return done
        after = rows[-1].position


def _joined(table: sa.Table, *extra: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The key rows with their claim's number, read per row by primary key: the key
    table's index drives the query, whatever the planner thinks of the tables' sizes."""
    number = (
        sa.select(CLAIMS.c.number)
        .where(CLAIMS.c.id == table.c.claim_id)
        .scalar_subquery()
        .label("number")
    )
    return sa.select(table.c.claim_id, number, table.c.line_id, *extra)


_SAME_FILE: Final = (
    _joined(FILE_KEYS, FILE_KEYS.c.attachment_id)
    .where(FILE_KEYS.c.sha256 == sa.bindparam("sha256"))
    .limit(sa.bindparam("limit"))
)
_SIMILAR: Final = (
    _joined(IMAGE_KEYS, IMAGE_KEYS.c.attachment_id, IMAGE_KEYS.c.phash)
    .where(
        sa.or_(
            *(
                IMAGE_KEYS.c[f"band{i}"].in_(sa.bindparam(f"band{i}", expanding=True))
                for i in range(4)
            )
        )
    )
    .limit(_MAX_CANDIDATES)
)


_LISTED_DAYS: Final = 7
"""Up to this many days either side, a look-up names each day of its window."""


def _window(days: int) -> int | None:
    """The days either side a look-up names; ``None`` beyond :data:`_LISTED_DAYS` (a range)."""
    return days if days <= _LISTED_DAYS else None


def _dates(i: int, window: int | None) -> sa.ColumnElement[bool]:
    """Key ``i``'s dates: each day of the ``window`` named (``IN``), or one range.

    An index serves a range on one column only: with a range of dates, every
    key of the provider in those days is read to test its amount (a large
    provider's day can hold thousands). With each day named, the amount's
    range is part of the index range too: one short range per day.
    """
    if window is None:
        first = sa.bindparam(f"first_{i}", type_=sa.Text())
        last = sa.bindparam(f"last_{i}", type_=sa.Text())
        return EXPENSE_KEYS.c.incurred_on.between(first, last)
    named = [sa.bindparam(f"day{n}_{i}", type_=sa.Text()) for n in range(2 * window + 1)]
    return EXPENSE_KEYS.c.incurred_on.in_(named)


@functools.lru_cache(maxsize=64)
def _same_expenses(count: int, window: int | None) -> Direct:
    """``count`` expense look-ups in one statement: each a few ranges of the index, limited.

    Built once per number of keys (a claim's lines) and window, bound per call;
    each row says which key it matched (``probe``).
    """
    members = []
    for i in range(count):
        member = (
            _joined(EXPENSE_KEYS, sa.literal(i, sa.Integer()).label("probe"))
            .where(
                EXPENSE_KEYS.c.provider == sa.bindparam(f"provider_{i}"),
                EXPENSE_KEYS.c.currency == sa.bindparam(f"currency_{i}"),
                _dates(i, window),
                EXPENSE_KEYS.c.amount.between(sa.bindparam(f"low_{i}"), sa.bindparam(f"high_{i}")),
            )
            .limit(sa.bindparam("limit"))
            .subquery(f"probe_{i}")
        )
        members.append(sa.select(*member.c))
    return Direct(members[0] if count == 1 else sa.union_all(*members))


def _day(value: date, offset: int) -> str:
    try:
        return (value + timedelta(days=offset)).isoformat()
    except OverflowError:
        return (date.min if offset < 0 else date.max).isoformat()


_PROBES: Final = 32
"""Expense keys one statement of ``same_expenses`` looks up at most."""


def _probe(key: ExpenseKey, tolerance: Decimal, days: int) -> dict[str, Any]:
    """The bounds of ``key``'s look-up: provider, currency, dates and amounts."""
    spread = int(tolerance * AMOUNT_SCALE)
    bounds = {
        "provider": key.provider,
        "currency": key.currency,
        "low": _clamped(key.amount - spread),
        "high": _clamped(key.amount + spread),
    }
    window = _window(days)
    if window is None:
        return bounds | {
            "first": _day(key.incurred_on, -days),
            "last": _day(key.incurred_on, days),
        }
    return bounds | {f"day{n}": _day(key.incurred_on, n - window) for n in range(2 * window + 1)}


class SqlDuplicateLookups:
    """:class:`~reimbursement.ports.DuplicateLookups` on the key tables (a repository's part)."""

    _uow: SqlUnitOfWork

    def _matches(self, query: sa.Select[Any] | Direct, parameters: dict[str, Any]) -> list[Any]:
        with self._uow.reading("look for duplicates") as connection:
            if isinstance(query, Direct):
                return query.run(connection, parameters).all()
            return list(connection.execute(query, parameters).all())

    def same_file(self, sha256: str, *, limit: int = 20) -> Sequence[DuplicateMatch]:
        check_limit(limit)
        rows = self._matches(_SAME_FILE, {"sha256": sha256, "limit": limit})
        return [DuplicateMatch(r.claim_id, r.number, r.line_id, r.attachment_id) for r in rows]

    def same_expense(
        self, key: ExpenseKey, *, tolerance: Decimal = Decimal(0), days: int = 0, limit: int = 20
    ) -> Sequence[DuplicateMatch]:
        return self.same_expenses([key], tolerance=tolerance, days=days, limit=limit)[0]

    def same_expenses(
        self,
        keys: Sequence[ExpenseKey],
        *,
        tolerance: Decimal = Decimal(0),
        days: int = 0,
        limit: int = 20,
    ) -> Sequence[Sequence[DuplicateMatch]]:
        check_limit(limit)
        found: list[list[DuplicateMatch]] = [[] for _ in keys]
        for start in range(0, len(keys), _PROBES):  # a claim of many lines: a few statements
            chunk = keys[start : start + _PROBES]
            parameters: dict[str, Any] = {"limit": limit}
            for i, key in enumerate(chunk):
                parameters |= {f"{k}_{i}": v for k, v in _probe(key, tolerance, days).items()}
            for r in self._matches(_same_expenses(len(chunk), _window(days)), parameters):
                found[start + r.probe].append(
                    DuplicateMatch(r.claim_id, r.number, r.line_id, None)
                )
        return found

    def similar_images(
        self, phash: int, *, max_distance: int, limit: int = 20
    ) -> Sequence[DuplicateMatch]:
        check_limit(limit)
        probes = band_probes(phash, max_distance)
        rows = self._matches(_SIMILAR, {f"band{i}": list(p) for i, p in enumerate(probes)})
        found = []
        for row in rows:
            distance = hamming(int(row.phash, 16), phash)
            if distance <= max_distance:
                found.append(
                    DuplicateMatch(
                        row.claim_id, row.number, row.line_id, row.attachment_id, distance
                    )
                )
        found.sort(key=lambda m: m.distance)
        return found[:limit]
