"""The SQL claim store and its unit of work: one database transaction per unit of work.

A unit of work borrows one pooled connection the first time it is used and
gives it back on commit or rollback. Its reads before the first write run
in autocommit, each statement a transaction of its own (no ``BEGIN``, no
``COMMIT``: on PostgreSQL two round trips fewer, and a unit of work that
only reads sends none), and see the latest commit, as at READ COMMITTED; the
first write says ``BEGIN`` (SQLite: ``BEGIN IMMEDIATE``, the single write
lock), and the unit of work is one transaction from there to its commit.
Every save is checked by its own ``WHERE version``, never by a snapshot. A
read snapshot held until the first write would have to be ended first on
SQLite: a snapshot cannot take the write lock once another writer has
committed. Claim numbers are taken in the write transaction on SQLite, as a
statement of their own on PostgreSQL (see ``next_number``); request keys
and notifications are inserted on commit in the write transaction. The
events' digests are written with the events, as the Merkle log's pending
entries; :meth:`SqlClaimStore.seal` appends them to the log (see ``_log``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, Self

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...errors import DuplicateRequestError, StorageError
from ...ports import Notification, RequestRecord
from ._acknowledgements import Acknowledgements, write_acknowledgements
from ._cache import CACHED_CLAIMS, ClaimCache
from ._claims import SqlClaimRepository
from ._codec import answer_text
from ._direct import Direct
from ._engine import (
    autocommit,
    guard,
    is_postgres,
    make_engine,
    prepare,
    shown,
    take_write_lock,
)
from ._log import SqlLogStore
from ._migrations import check
from ._outbox import SqlOutbox, SqlOutboxQueue, insert_staged
from ._schema import REQUESTS, SEQUENCES

__all__ = ["SqlClaimStore", "SqlUnitOfWork"]


class SqlClaimStore:
    """Claims, events, request keys, sequences and the outbox in one SQL database.

    ``url_or_engine`` is ``sqlite:///path.db``, ``postgresql+psycopg://…``
    or an engine you made (the store then leaves disposing of it to you).
    ``cache_size`` bounds the decoded claims ``get`` and ``by_number`` reuse
    while their stored version is unchanged (0: none; see docs/storage.md).
    Opening checks the schema version and never changes it: raises
    :class:`~reimbursement.errors.SchemaVersionError` when the database needs
    ``python -m reimbursement db upgrade``, and
    :class:`~reimbursement.errors.StorageError` when it cannot be reached.
    """

    def __init__(self, url_or_engine: str | sa.Engine, *, cache_size: int = CACHED_CLAIMS) -> None:
        self.cache = ClaimCache(cache_size)
        """Decoded claims by id and version, shared by the units of work (see ``_cache``)."""
        if isinstance(url_or_engine, sa.Engine):
            self.engine, self._owned = prepare(url_or_engine), False
        else:
            self.engine, self._owned = make_engine(url_or_engine), True
        try:
            self.schema_version = check(self.engine)
        except BaseException:
            self.close()
            raise
        self.queue = SqlOutboxQueue(self.engine)
        """The dispatcher's side of the outbox (:class:`~reimbursement.ports.OutboxQueue`)."""
        self.log = SqlLogStore(self.engine)
        """The desk's Merkle log (:class:`~reimbursement.audit.LogStore`): every unit of work
        commits the digests of the events it adds as pending entries, which :meth:`seal`
        appends; every read of the log seals first."""

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work (one transaction) on this store."""
        return SqlUnitOfWork(self.engine, self.cache, self.queue.acknowledgements)

    def seal(self, limit: int | None = None, *, wait: bool = True) -> int:
        """Append the events committed since the last seal to the Merkle log: how many.

        What ``python -m reimbursement worker`` does every round (or a
        scheduler of yours, every few seconds): see :meth:`SqlLogStore.seal`
        for ``limit`` and ``wait``. Raises
        :class:`~reimbursement.errors.StorageError` when the database cannot be reached.
        """
        return self.log.seal(limit, wait=wait)

    def outbox_queue(self) -> SqlOutboxQueue:
        """The dispatcher's side of the outbox (the same object as :attr:`queue`)."""
        return self.queue

    def close(self) -> None:
        """Mark the deliveries still waiting (see ``_outbox``); close the pooled connections
        (if the store made its engine)."""
        try:
            queue = getattr(self, "queue", None)  # absent when opening failed
            if queue is not None:
                queue.flush()
        finally:
            if self._owned:
                self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlClaimStore({shown(self.engine)!r})"


class SqlUnitOfWork:
    """:class:`~reimbursement.ports.UnitOfWork` on one SQL transaction."""

    def __init__(
        self,
        engine: sa.Engine,
        cache: ClaimCache | None = None,
        acknowledgements: Acknowledgements | None = None,
    ) -> None:
        self.engine = engine
        self._postgres = is_postgres(engine)
        self._cache = cache
        self._acknowledgements = acknowledgements
        self._connection: sa.Connection | None = None
        self._writing = False
        self._refused = False
        self.claims = SqlClaimRepository(self, cache)
        self.outbox = SqlOutbox()

    # -- the connection ------------------------------------------------------------------

    def _open(self, *, write: bool) -> sa.Connection:
        if self._refused:
            raise StorageError("this unit of work was refused and rolled back: start a new one")
        connection = self._connection
        if connection is None:
            connection = self._connection = self.engine.connect()
        if not connection.in_transaction():
            autocommit(connection)  # no BEGIN: every read sees the latest commit
            connection.begin()
        if write and not self._writing:
            take_write_lock(connection)  # nothing is written yet, no snapshot is held
            self._writing = True
        return connection

    @contextmanager
    def reading(self, action: str) -> Iterator[sa.Connection]:
        """The connection, in this unit of work's transaction."""
        with guard(self.engine, action):
            yield self._open(write=False)

    @contextmanager
    def writing(self, action: str, *, integrity: bool = False) -> Iterator[sa.Connection]:
        """The connection, in this unit of work's write transaction (``integrity``: see
        :func:`~._engine.guard`)."""
        with guard(self.engine, action, integrity=integrity):
            yield self._open(write=True)

    def refuse(self) -> None:
        """Roll back after a refused write the database has already aborted."""
        self.rollback()
        self._refused = True

    def _release(self) -> None:
        connection, self._connection = self._connection, None
        self._writing = False
        self.claims.forget()
        self.outbox.staged.clear()
        self.outbox.until = None
        if connection is not None:
            try:
                # only reads: nothing to end on the server (psycopg sends no ROLLBACK,
                # which would drop the connection's prepared statements, when none is open)
                if connection.in_transaction():
                    connection.rollback()
            finally:
                connection.close()

    # -- the port ------------------------------------------------------------------------

    def next_number(self, scope: str) -> int:
        """The next value of ``scope``: never handed out twice, even after a rollback.

        On SQLite it is taken in this unit of work's write transaction (the
        single write lock is the unit of work's anyway), so a rollback gives
        it back unused. On PostgreSQL it is taken in a transaction of its own,
        committed at once: a row lock held until this unit of work commits
        made every worker's submission wait for the others' (4 workers did
        less than one). A unit of work that then rolls back leaves a gap.
        """
        if not self._postgres:
            with self.writing("take a claim number") as connection:
                return _take(connection, scope)
        with guard(self.engine, "take a claim number"):
            if self._writing:  # this transaction wrote already: another connection takes it
                with self.engine.connect() as other:
                    taken = other.execution_options(isolation_level="AUTOCOMMIT")
                    return int(_TAKE_AT_ONCE.run(taken, {"scope": scope}).scalar_one())
            connection = self._open(write=False)  # in autocommit: a transaction of its own
            return int(_TAKE_AT_ONCE.run(connection, {"scope": scope}).scalar_one())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        except StorageError:
            if exc is None:
                raise

    def commit(self) -> None:
        self.outbox.leased = ()
        requests = list(self.claims.requests.values())
        notifications = list(self.outbox.staged.values())
        acknowledged: list[str] = []
        if self._acknowledgements is not None and (self._writing or requests or notifications):
            acknowledged = self._acknowledgements.take()  # deliveries of earlier commits
        try:
            leased = self._write_on_commit(requests, notifications, acknowledged)
        except BaseException:
            if self._acknowledgements is not None:
                self._acknowledgements.give_back(acknowledged)
            raise
        written = list(self.claims.written.values())
        self._release()
        if self._cache is not None:
            for claim in written:  # committed: each version now has this content for good
                self._cache.put(claim)
        self.outbox.leased = leased  # only once the commit stands

    def _write_on_commit(
        self,
        requests: Sequence[RequestRecord],
        notifications: Sequence[Notification],
        acknowledged: Sequence[str],
    ) -> Sequence[Notification]:
        """The request keys, the acknowledgements waiting and the outbox; then COMMIT.

        On PostgreSQL the ``COMMIT`` goes with the outbox's INSERT when there
        is one (one round trip for both); the connection's own commit after
        it then has nothing left to send.
        """
        leased: Sequence[Notification] = ()
        if requests or notifications or acknowledged:
            # no integrity error is expected here: one is the database's refusal
            with self.writing("commit", integrity=True) as connection:
                # first: a claim whose last message is marked here gets its next one leased
                write_acknowledgements(connection, acknowledged)
                remember = _REMEMBER[connection.dialect.name]
                for record in requests:
                    parameters = {
                        "key": record.key,
                        "fingerprint": record.fingerprint,
                        "claim_id": record.claim_id,
                        "version": record.version,
                        "answer": answer_text(record.answer),
                    }
                    if remember.run(connection, parameters).first() is None:
                        self._release()
                        raise DuplicateRequestError(
                            f"request {record.key} was committed by another unit of work "
                            "first; nothing of this one was written"
                        )
                # last: on PostgreSQL the COMMIT below is sent with it
                leased = insert_staged(connection, notifications, self.outbox.until, last=True)
        open_connection = self._connection
        if open_connection is not None:
            with guard(self.engine, "commit", integrity=True):  # the writes owed go with it
                if open_connection.in_transaction():
                    open_connection.commit()
        return leased

    def rollback(self) -> None:
        with guard(self.engine, "roll back"):
            self._release()


def _taking(dialect_insert: Any) -> Direct:
    return Direct(
        dialect_insert(SEQUENCES)
        .values(scope=sa.bindparam("scope"), value=1)
        .on_conflict_do_update(index_elements=["scope"], set_={"value": SEQUENCES.c.value + 1})
        .returning(SEQUENCES.c.value)
    )


def _remembering(dialect_insert: Any) -> Direct:
    return Direct(
        dialect_insert(REQUESTS)
        .values(
            key=sa.bindparam("key"),
            fingerprint=sa.bindparam("fingerprint"),
            claim_id=sa.bindparam("claim_id"),
            version=sa.bindparam("version"),
            answer=sa.bindparam("answer", type_=REQUESTS.c.answer.type),
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(REQUESTS.c.key)
    )


# PostgreSQL's number, in a statement committed on its own without waiting for the WAL
# flush (set_config(..., true) is local to the statement's transaction): lost in a
# server crash, it is handed out again only if nothing used it, since the commit of a
# claim numbered with it flushes the WAL up to it first (the WAL is written in order).
_TAKE_AT_ONCE: Final = Direct(
    postgresql.insert(SEQUENCES)
    .from_select(
        ["scope", "value"],
        sa.select(sa.bindparam("scope", type_=sa.Text()), sa.literal(1, sa.BigInteger())).where(
            sa.select(sa.func.set_config("synchronous_commit", "off", sa.true()))
            .scalar_subquery()
            .is_not(None)
        ),
    )
    .on_conflict_do_update(index_elements=["scope"], set_={"value": SEQUENCES.c.value + 1})
    .returning(SEQUENCES.c.value)
)

# built once per dialect (ON CONFLICT is written differently), bound per use
_TAKE: Final = {"postgresql": _taking(postgresql.insert), "sqlite": _taking(sqlite.insert)}
_REMEMBER: Final = {
    "postgresql": _remembering(postgresql.insert),
    "sqlite": _remembering(sqlite.insert),
}


def _take(connection: sa.Connection, scope: str) -> int:
    statement = _TAKE[connection.dialect.name]
    return int(statement.run(connection, {"scope": scope}).scalar_one())
