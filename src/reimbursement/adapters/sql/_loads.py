"""Each reviewer's open work as a count (``rb_loads``), written with the claim's holdings.

Routing reads every reviewer's load at each submission. Summed over
``rb_holdings``, that read grew with the work in review (224–289 ms on
SQLite with 250,000 claims in review); kept as a count, it reads a few rows
per reviewer whatever the store holds (about 1.1 ms there).

A claim's change of holders adds its difference to the count in the same
transaction as its ``rb_holdings`` rows, so the count is always the sum of
those rows. A reviewer's count is kept in up to :data:`SHARDS` rows, and a
claim always writes the row of its own shard: on PostgreSQL two concurrent
units of work routing claims to the same reviewer then seldom wait for each
other's commit on one row. Rows are written in reviewer order, so two
transactions never take them in opposite orders.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ._direct import Direct
from ._schema import LOADS

__all__ = ["SHARDS", "add_loads", "loads_query"]

SHARDS: Final = 8
"""Rows per reviewer at most; a claim's shard is a stable hash (CRC-32) of its id."""


def _upsert(insert: postgresql.Insert | sqlite.Insert) -> Direct:
    statement = insert.values(
        reviewer_id=sa.bindparam("l_reviewer"),
        shard=sa.bindparam("l_shard"),
        steps=sa.bindparam("l_steps"),
    )
    return Direct(
        statement.on_conflict_do_update(
            index_elements=[LOADS.c.reviewer_id, LOADS.c.shard],
            set_={"steps": LOADS.c.steps + statement.excluded.steps},
        )
    )


_ADD: Final = {
    "postgresql": _upsert(postgresql.insert(LOADS)),
    "sqlite": _upsert(sqlite.insert(LOADS)),
}

_TOTAL: Final = sa.func.sum(LOADS.c.steps)
_ALL: Final = (
    sa.select(LOADS.c.reviewer_id, _TOTAL).group_by(LOADS.c.reviewer_id).having(_TOTAL != 0)
)
_SOME: Final = _ALL.where(LOADS.c.reviewer_id.in_(sa.bindparam("names", expanding=True)))


def loads_query(reviewers: Iterable[str] | None) -> tuple[sa.Select[Any], dict[str, Any]]:
    """The statement (and its parameters) of ``open_work``: every reviewer's or some's."""
    if reviewers is None:
        return _ALL, {}
    return _SOME, {"names": sorted(set(reviewers))}


def add_loads(
    connection: sa.Connection, claim_id: str, before: Mapping[str, int], after: Counter[str]
) -> None:
    """Add the difference between the claim's holders ``before`` and ``after`` to the counts."""
    changed = sorted(
        (reviewer, after[reviewer] - before.get(reviewer, 0))
        for reviewer in {*before, *after}
        if after[reviewer] != before.get(reviewer, 0)
    )
    if not changed:
        return
    shard = zlib.crc32(claim_id.encode()) % SHARDS
    _ADD[connection.dialect.name].write(
        connection,
        [{"l_reviewer": r, "l_shard": shard, "l_steps": steps} for r, steps in changed],
    )
