"""A claim's lines, documents and messages as rows of ``rb_claim_items``.

The claim's row (``rb_claims.body``, record format 3) holds how many items
each of these lists has; each item is a row of its own, keyed by the claim,
the list and its index, with the claim version that last wrote it. So a
call that adds a message inserts one row and rewrites a small claim row,
whatever the claim holds already (``benchmarks/claim_size.py``).

A save writes only the items that differ from the claim the unit of work
read at the version it replaces (every write of a claim writes its items in
the same transaction, so that claim's items are the stored ones): vectors
share their unchanged chunks (``domain._vector``), so finding them costs one
identity test per chunk of 32. Without that claim, every row is written
again. Every item is encoded (and checked) before the first write.

Reading joins the rows back in order (``_codec``). A read that is not in a
write transaction may see a later commit's rows: a row written by a version
after the claim row's, or a count that does not match, says so, and the
reader reads the claim again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import attrs
import sqlalchemy as sa

from ...domain._vector import CHUNK, pieces
from ...domain.claim import Claim
from ._body import VECTORS, item_text
from ._schema import ITEMS

__all__ = ["ITEMS_OF_MANY", "ITEMS_OF_ONE", "ItemWrites", "item_writes", "write_items"]

_bound = sa.bindparam
ITEMS_OF_ONE: Final = (
    sa.select(ITEMS.c.claim_id, ITEMS.c.list, ITEMS.c.idx, ITEMS.c.version, ITEMS.c.body)
    .where(ITEMS.c.claim_id == _bound("claim_id"))
    .order_by(ITEMS.c.list, ITEMS.c.idx)
)
ITEMS_OF_MANY: Final = (
    sa.select(ITEMS.c.claim_id, ITEMS.c.list, ITEMS.c.idx, ITEMS.c.version, ITEMS.c.body)
    .where(ITEMS.c.claim_id.in_(_bound("ids", expanding=True)))
    .order_by(ITEMS.c.claim_id, ITEMS.c.list, ITEMS.c.idx)
)
_INSERT: Final = ITEMS.insert()
_REWRITE: Final = (
    ITEMS.update()
    .where(
        ITEMS.c.claim_id == _bound("i_claim"),
        ITEMS.c.list == _bound("i_list"),
        ITEMS.c.idx == _bound("i_idx"),
    )
    .values(version=_bound("i_version"), body=_bound("i_body", type_=ITEMS.c.body.type))
)
_CUT: Final = ITEMS.delete().where(
    ITEMS.c.claim_id == _bound("i_claim"),
    ITEMS.c.list == _bound("i_list"),
    ITEMS.c.idx >= _bound("i_from"),
)
_FORGET: Final = ITEMS.delete().where(ITEMS.c.claim_id == _bound("i_claim"))


@attrs.frozen
class ItemWrites:
    """The item rows one write of a claim inserts, rewrites and cuts off (all encoded)."""

    claim_id: str
    forget: bool
    """Delete every stored row first (the stored items are not known)."""
    inserts: list[dict[str, Any]] = attrs.Factory(list)
    rewrites: list[dict[str, Any]] = attrs.Factory(list)
    cuts: list[dict[str, Any]] = attrs.Factory(list)


def item_writes(claim: Claim, before: Claim | None, *, added: bool = False) -> ItemWrites:
    """What writing ``claim`` over ``before`` (its items as stored; None: not known)
    changes in ``rb_claim_items``; ``added``: a new claim, with no rows yet.

    Raises :class:`~reimbursement.errors.ValidationError`, naming the item, for
    what the converter refuses to write.
    """
    writes = ItemWrites(claim.id, forget=before is None and not added)
    for field in VECTORS:
        items: Sequence[Any] = getattr(claim, field)
        stored: Sequence[Any] = () if before is None else getattr(before, field)
        for index, item in _changed(items, stored):
            body = item_text(field, index, item)
            if index < len(stored):
                writes.rewrites.append(
                    {"i_claim": claim.id, "i_list": field, "i_idx": index}
                    | {"i_version": claim.version, "i_body": body}
                )
            else:  # the table's own column names: an INSERT binds them as they are
                writes.inserts.append(
                    {"claim_id": claim.id, "list": field, "idx": index}
                    | {"version": claim.version, "body": body}
                )
        if len(stored) > len(items):
            writes.cuts.append({"i_claim": claim.id, "i_list": field, "i_from": len(items)})
    return writes


def _changed(items: Sequence[Any], stored: Sequence[Any]) -> list[tuple[int, Any]]:
    """The (index, item) of ``items`` that ``stored`` does not hold at that index."""
    chunks, rest = pieces(items)
    kept, _ = pieces(stored)
    found: list[tuple[int, Any]] = []
    start = 0
    for number, chunk in enumerate((*chunks, rest)):
        if number < len(chunks) and number < len(kept) and kept[number] is chunk:
            start += CHUNK  # the same chunk object: the same items
            continue
        for index, item in enumerate(chunk, start):
            if index >= len(stored) or (stored[index] is not item and stored[index] != item):
                found.append((index, item))
        start += len(chunk)
    return found


def write_items(connection: sa.Connection, writes: ItemWrites) -> None:
    """Apply ``writes`` (in the transaction that writes the claim's row)."""
    if writes.forget:
        connection.execute(_FORGET, {"i_claim": writes.claim_id})
    if writes.cuts:
        connection.execute(_CUT, writes.cuts)
    if writes.rewrites:
        connection.execute(_REWRITE, writes.rewrites)
    if writes.inserts:
        connection.execute(_INSERT, writes.inserts)
