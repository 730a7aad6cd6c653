"""The desk's Merkle log in the database: pending entries, then sealed into the tree.

A claim's commit does not touch the tree: the statement that inserts its
events also inserts their digests into ``rb_log_pending`` (on PostgreSQL in
the same statement as the save, on SQLite one more multi-row INSERT), so
the commit takes no log lock and concurrent commits never wait for one
another there. The hash chain (each event's ``prev_hash``) is in the
events themselves, so a claim is tamper-evident from its commit on.

The *sealer* (:meth:`SqlLogStore.seal`, run by ``python -m reimbursement
worker``) appends pending entries to the tree in batches, one transaction
each: the log's lock (PostgreSQL: ``LOCK TABLE rb_log_events IN EXCLUSIVE
MODE``; SQLite: the write lock), the oldest pending rows by position with
the leaf that already holds each, if any (one statement), the tree's right
edge (one recursive statement: the last node of each level), the new nodes
and leaves (two multi-row INSERTs), and the sealed rows deleted, all
committed together: an entry is sealed exactly once, and a crash anywhere
leaves it pending for the next sealer. ``rb_log_nodes`` keeps the hash of
every complete subtree (level 0: the leaf hashes), so a proof reads
``O(log n)`` rows by primary key; ``rb_log_events`` says which leaf holds
which event.

Every read of the log (:meth:`SqlLogStore.transaction`: sizes, checkpoints,
receipts, proofs, ``MerkleLog.verify``) reads a snapshot of the tree without
the lock, so that readers never hold up commits or sealers; when entries are
pending as it begins it seals them first (short transactions under the
lock, as a sealer's), so it sees every event committed before it began and
never reports a committed event as missing from the log.

Order: leaves follow the positions the commits took (PostgreSQL's identity,
SQLite's rowid). A claim's events are always in their order, since a save
of the next event waits for the commit of the one before; events of
different claims committed at the same moment may be sealed in either order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import sqlalchemy as sa

from ...audit.log import LogWrites, new_entries
from ...audit.merkle import MerkleTree
from ...domain.claim import Claim
from ...errors import ConcurrencyError, ValidationError
from ._direct import Direct
from ._engine import autocommit, begin, guard, is_postgres
from ._schema import LOG_EVENTS, LOG_NODES, LOG_PENDING, AnyRow

__all__ = ["PEND", "SEAL_BATCH", "SqlLogStore", "pending_rows"]

SEAL_BATCH: Final = 1000
"""Entries one sealing transaction appends at most."""

PEND: Final = Direct(
    LOG_PENDING.insert().values(
        event_id=sa.bindparam("event_id", type_=sa.Text()),
        digest=sa.bindparam("digest", type_=sa.LargeBinary()),
    )
)
"""The INSERT of a commit's pending entries (rows of :func:`pending_rows`)."""

_NODE: Final = sa.select(LOG_NODES.c.hash).where(
    LOG_NODES.c.level == sa.bindparam("level"), LOG_NODES.c.idx == sa.bindparam("idx")
)
_INDEX: Final = sa.select(LOG_EVENTS.c.idx).where(LOG_EVENTS.c.event_id == sa.bindparam("e"))
# the last node of each level, by the primary key, from the leaves up (a level of two or
# more nodes has one above): the tree's size and every node an append needs
_EDGE: Final = sa.text(
    """WITH RECURSIVE edge(level, idx) AS (
    SELECT 0, (SELECT max(idx) FROM rb_log_nodes WHERE level = 0)
    UNION ALL
    SELECT e.level + 1, (SELECT max(n.idx) FROM rb_log_nodes n WHERE n.level = e.level + 1)
    FROM edge e WHERE e.idx > 0
)
SELECT e.level, e.idx, n.hash FROM edge e
JOIN rb_log_nodes n ON n.level = e.level AND n.idx = e.idx"""
).columns(
    sa.column("level", sa.Integer),
    sa.column("idx", sa.BigInteger),
    sa.column("hash", sa.LargeBinary),
)
_PENDING: Final = (
    sa.select(
        LOG_PENDING.c.position,
        LOG_PENDING.c.event_id,
        LOG_PENDING.c.digest,
        LOG_EVENTS.c.idx.label("logged"),
    )
    .select_from(
        LOG_PENDING.outerjoin(LOG_EVENTS, LOG_EVENTS.c.event_id == LOG_PENDING.c.event_id)
    )
    .order_by(LOG_PENDING.c.position)
    .limit(sa.bindparam("limit"))
)
_SEALED: Final = LOG_PENDING.delete().where(
    LOG_PENDING.c.position.in_(sa.bindparam("positions", expanding=True))
)
_LOCK: Final = "LOCK TABLE rb_log_events IN EXCLUSIVE MODE"
_TAKEN: Final = "another writer appended to the Merkle log meanwhile: retry"
_LOCK_NOT_AVAILABLE: Final = "55P03"  # PostgreSQL's SQLSTATE for NOWAIT finding it taken


def pending_rows(claim: Claim, version: int) -> list[dict[str, Any]]:
    """The ``rb_log_pending`` rows of ``claim``'s events after its first ``version``."""
    return [
        {"event_id": event, "digest": bytes.fromhex(hex_digest)}
        for event, hex_digest in new_entries(claim, version)
    ]


class _Writes:
    """One transaction's view of the tree: nodes it read or wrote, and rows not written yet."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        edge = connection.execute(_EDGE).all()
        self._size = next((int(row.idx) + 1 for row in edge if row.level == 0), 0)
        self.start = self._size
        """The tree's size when read: a block's appends stand only on a tree of that size."""
        self._known = {(int(row.level), int(row.idx)): bytes(row.hash) for row in edge}
        self._logged: dict[str, int] = {}
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.events: dict[str, int] = {}

    def size(self) -> int:
        return self._size

    def node(self, level: int, index: int) -> bytes:
        found = self.nodes.get((level, index)) or self._known.get((level, index))
        if found is not None:
            return found
        stored = self._connection.execute(_NODE, {"level": level, "idx": index}).scalar()
        if stored is None:
            raise IndexError((level, index))
        return bytes(stored)

    def add(self, level: int, index: int, value: bytes) -> None:
        self.nodes[(level, index)] = value
        if level == 0:
            self._size = index + 1

    def index_of(self, event_id: str) -> int | None:
        found = self.events.get(event_id, self._logged.get(event_id))
        if found is not None:
            return found
        stored = self._connection.execute(_INDEX, {"e": event_id}).scalar()
        return None if stored is None else int(stored)

    def bind(self, event_id: str, index: int) -> None:
        self.events[event_id] = index

    def flush(self, connection: sa.Connection | None = None) -> None:
        """Write the nodes and leaves added so far (on ``connection``, if another)."""
        if connection is not None:
            self._connection = connection
        if self.nodes:
            self._connection.execute(
                LOG_NODES.insert(),
                [{"level": lv, "idx": i, "hash": h} for (lv, i), h in self.nodes.items()],
            )
        if self.events:
            self._connection.execute(
                LOG_EVENTS.insert(), [{"idx": i, "event_id": e} for e, i in self.events.items()]
            )
        self._known.update(self.nodes)
        self._logged.update(self.events)
        self.nodes, self.events = {}, {}

    def seal(self, rows: Sequence[AnyRow]) -> None:
        """Append the pending entries ``rows`` (of :func:`_pending`) and delete them."""
        tree = MerkleTree(self)
        for row in rows:
            # logged already (MerkleLog.record of a claim before its commit): not twice
            if row.logged is None and row.event_id not in self.events:
                self.bind(row.event_id, tree.append(bytes(row.digest)))
        self.flush()
        self._connection.execute(_SEALED, {"positions": [row.position for row in rows]})


def _pending(connection: sa.Connection, limit: int) -> Sequence[AnyRow]:
    """The oldest ``limit`` pending entries, each with the leaf that holds its event, if any."""
    return connection.execute(_PENDING, {"limit": limit}).all()


def _lock(connection: sa.Connection, *, wait: bool = True) -> bool:
    """Take the log's lock in ``connection``'s write transaction: False if taken and not ``wait``.

    SQLite: the write transaction holds the one write lock already.
    """
    if not is_postgres(connection):
        return True
    if wait:
        connection.exec_driver_sql(_LOCK)
        return True
    try:
        connection.exec_driver_sql(f"{_LOCK} NOWAIT")
    except sa.exc.OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        connection.rollback()
        return False
    return True


class SqlLogStore:
    """A :class:`~reimbursement.audit.LogStore` on the SQL store's database (``engine``).

    ``batch`` bounds the entries one sealing transaction appends (default
    :data:`SEAL_BATCH`); raises :class:`~reimbursement.errors.ValidationError`
    below 1.
    """

    def __init__(self, engine: sa.Engine, *, batch: int = SEAL_BATCH) -> None:
        if type(batch) is not int or batch < 1:
            raise ValidationError.at("batch", "must be a whole number of 1 or more")
        self.engine = engine
        self.batch = batch

    def seal(self, limit: int | None = None, *, wait: bool = True) -> int:
        """Append pending entries to the log, oldest first, at most ``limit``: how many.

        Each batch is a transaction of its own; the call returns when no
        entry is pending (or ``limit`` were sealed). Safe with any number of
        sealers in any number of processes: they take turns under the log's
        lock, and each entry is sealed once. With ``wait=False`` it returns
        at once when another sealer holds the lock on PostgreSQL (that one
        is sealing). Raises :class:`~reimbursement.errors.StorageError` when
        the database cannot be reached, ``ValidationError`` for a ``limit`` below 1.
        """
        if limit is not None and (type(limit) is not int or limit < 1):
            raise ValidationError.at("limit", "must be a whole number of 1 or more, or None")
        sealed = 0
        with guard(self.engine, "seal the Merkle log"), self.engine.connect() as connection:
            while limit is None or sealed < limit:
                size = self.batch if limit is None else min(self.batch, limit - sealed)
                begin(connection, write=True)
                if not _lock(connection, wait=wait):
                    break
                rows = _pending(connection, size)
                if rows:
                    try:
                        _Writes(connection).seal(rows)
                    except sa.exc.IntegrityError:
                        connection.rollback()
                        raise ConcurrencyError(_TAKEN) from None
                connection.commit()
                sealed += len(rows)
                if len(rows) < size:
                    break
        return sealed

    @contextmanager
    def transaction(self) -> Iterator[LogWrites]:
        """The log as sealed, read from a snapshot without its lock; pending entries sealed first.

        Committed when the block ends without error. A block that only reads
        (sizes, checkpoints, receipts, proofs, ``verify``) holds no lock and
        never makes a claim's commit wait: it reads one snapshot of the tree
        (PostgreSQL: ``REPEATABLE READ``; SQLite: a deferred ``BEGIN`` in WAL
        mode), which only ever grows. Entries pending when it begins are
        sealed first, in transactions of their own (what a sealer does), so
        that it sees every event committed before it began; with nothing
        pending it takes no lock at all. A block that appends (``record``)
        writes at its end under the lock, after checking that the tree has
        not grown since its snapshot. Raises
        :class:`~reimbursement.errors.ConcurrencyError` when it has (another
        writer appended first: nothing is written, retry).
        """
        with guard(self.engine, "use the Merkle log"):
            if _anything_pending(self.engine):
                self.seal()
            with self.engine.connect() as connection:
                _snapshot(connection)
                writes = _Writes(connection)
                try:
                    yield writes
                finally:
                    connection.rollback()  # read only: it ends the snapshot
            if writes.nodes or writes.events:
                self._append(writes)

    def _append(self, writes: _Writes) -> None:
        """Write what a block appended, under the lock, if the tree is as the block read it."""
        with self.engine.connect() as connection:
            begin(connection, write=True)
            _lock(connection)
            try:
                if _Writes(connection).size() != writes.start:
                    raise ConcurrencyError(_TAKEN)
                writes.flush(connection)
            except sa.exc.IntegrityError:
                connection.rollback()
                raise ConcurrencyError(_TAKEN) from None
            except BaseException:
                connection.rollback()
                raise
            connection.commit()


_ANY_PENDING: Final = sa.select(LOG_PENDING.c.position).limit(1)


def _anything_pending(engine: sa.Engine) -> bool:
    """Whether any entry waits for the sealer (one statement, in autocommit)."""
    with engine.connect() as connection:
        return autocommit(connection).execute(_ANY_PENDING).first() is not None


def _snapshot(connection: sa.Connection) -> None:
    """Begin a read-only snapshot on ``connection``: it waits for no writer, and none for it."""
    if is_postgres(connection):
        connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    begin(connection, write=False)  # SQLite: a deferred BEGIN, a snapshot from its first read
