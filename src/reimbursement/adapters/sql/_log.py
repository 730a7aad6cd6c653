"""The desk's Merkle log in the database: ``rb_log_nodes`` and ``rb_log_events``.

``rb_log_nodes`` keeps the hash of every complete subtree (level 0: the
leaf hashes), so a proof reads ``O(log n)`` rows by primary key;
``rb_log_events`` says which leaf holds which event. A transaction buffers
its new rows and writes them in two statements at its end; on PostgreSQL
it first takes ``LOCK TABLE rb_log_events IN EXCLUSIVE MODE``, so appends
are serialized across workers, and on SQLite the write lock. A leaf
another writer took first violates the primary key: nothing is written and
:class:`~reimbursement.errors.ConcurrencyError` asks for a retry.

The claim store's unit of work appends the digests of the events it adds
in its own commit (:func:`append_in`), after its last other write, so that
a claim and its log entries are committed together or not at all, and the
log's lock is held only for the end of the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Final

import sqlalchemy as sa

from ...audit.log import LogWrites, append_entries
from ...errors import ConcurrencyError
from ._engine import begin, guard, is_postgres
from ._schema import LOG_EVENTS, LOG_NODES

__all__ = ["SqlLogStore", "append_in"]

_NODE: Final = sa.select(LOG_NODES.c.hash).where(
    LOG_NODES.c.level == sa.bindparam("level"), LOG_NODES.c.idx == sa.bindparam("idx")
)
# the last leaf's index from the primary key's index (a count would read every row)
_SIZE: Final = sa.select(sa.func.coalesce(sa.func.max(LOG_EVENTS.c.idx) + 1, 0))
_INDEX: Final = sa.select(LOG_EVENTS.c.idx).where(LOG_EVENTS.c.event_id == sa.bindparam("e"))


class _Writes:
    """One transaction's view: the stored rows and those it added, not written yet."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._size = int(connection.execute(_SIZE).scalar_one())
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.events: dict[str, int] = {}

    def size(self) -> int:
        return self._size

    def node(self, level: int, index: int) -> bytes:
        added = self.nodes.get((level, index))
        if added is not None:
            return added
        found = self._connection.execute(_NODE, {"level": level, "idx": index}).scalar()
        if found is None:
            raise IndexError((level, index))
        return bytes(found)

    def add(self, level: int, index: int, value: bytes) -> None:
        self.nodes[(level, index)] = value
        if level == 0:
            self._size = index + 1

    def index_of(self, event_id: str) -> int | None:
        if event_id in self.events:
            return self.events[event_id]
        found = self._connection.execute(_INDEX, {"e": event_id}).scalar()
        return None if found is None else int(found)

    def bind(self, event_id: str, index: int) -> None:
        self.events[event_id] = index

    def flush(self) -> None:
        if self.nodes:
            self._connection.execute(
                LOG_NODES.insert(),
                [{"level": lv, "idx": i, "hash": h} for (lv, i), h in self.nodes.items()],
            )
        if self.events:
            self._connection.execute(
                LOG_EVENTS.insert(), [{"idx": i, "event_id": e} for e, i in self.events.items()]
            )


def _lock(connection: sa.Connection) -> None:
    if is_postgres(connection):  # SQLite: the write transaction holds the one write lock
        connection.exec_driver_sql("LOCK TABLE rb_log_events IN EXCLUSIVE MODE")


def append_in(connection: sa.Connection, entries: Iterable[tuple[str, str]]) -> None:
    """Append ``entries`` (event id, digest) to the log in ``connection``'s write transaction.

    Raises ``sqlalchemy.exc.IntegrityError`` for an event the log holds
    already; the caller rolls its transaction back.
    """
    _lock(connection)
    writes = _Writes(connection)
    append_entries(writes, entries)
    writes.flush()


class SqlLogStore:
    """A :class:`~reimbursement.audit.LogStore` on the SQL store's database (``engine``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[LogWrites]:
        """A write transaction over the log, committed when the block ends without error."""
        with guard(self.engine, "append to the Merkle log"), self.engine.connect() as connection:
            begin(connection, write=True)
            _lock(connection)
            writes = _Writes(connection)
            try:
                yield writes
                writes.flush()
            except sa.exc.IntegrityError:
                connection.rollback()
                raise ConcurrencyError(
                    "another writer appended to the Merkle log meanwhile: retry"
                ) from None
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
