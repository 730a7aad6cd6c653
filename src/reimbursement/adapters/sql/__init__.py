"""Durable claims on SQLite and PostgreSQL: SQLAlchemy Core, the ``[sql]`` extra.

One adapter for both databases, in the shape of
:mod:`reimbursement.adapters.memory`: a class per port
(:class:`SqlUnitOfWork` with its claim repository and outbox,
:class:`SqlOutboxQueue`), one store object (:class:`SqlClaimStore`) and one
factory (:func:`create`)::

    from reimbursement.adapters import sql

    sql.upgrade("sqlite:///claims.db")          # once, by a deployment step
    store = sql.create("sqlite:///claims.db")   # in every worker or desk
    with store.unit_of_work() as uow: ...
    store.queue.claim_batch(10, now=..., lease=...)
    store.close()

The schema (``rb_claims``, ``rb_claim_items``, ``rb_events``, ``rb_holdings``, ``rb_loads``,
``rb_requests``, ``rb_sequences``, ``rb_outbox``, ``rb_log_nodes`` and ``rb_log_events`` of
:class:`SqlLogStore`, ``rb_schema_version``; see ``docs/storage.md``) is
changed only by :func:`upgrade` or ``python -m reimbursement db upgrade
--database URL``; opening a store whose
schema is older or newer than the library raises
:class:`~reimbursement.errors.SchemaVersionError` naming that command.

Why no Alembic: the schema is a handful of tables that the library, not the
application, owns. An ordered tuple of plain SQL steps with a
``rb_schema_version`` table does all we need (forward-only, in one
transaction, the exact SQL a DBA can read and run by hand with
``python -m reimbursement db sql``), without a second dependency, an
``alembic.ini`` and a migration environment inside the users' deployments.

What each database guarantees:

- Claims: optimistic concurrency in ``UPDATE … WHERE id = :id AND version =
  :expected``; a stale save changes nothing and raises
  :class:`~reimbursement.errors.ConcurrencyError`. A unit of work is one
  transaction: never half-applied.
- Claim numbers (:meth:`~reimbursement.ports.ClaimRepository.next_number`):
  from a row of ``rb_sequences`` per scope; no number is ever handed out
  twice. On SQLite it is taken under the unit of work's single write lock,
  and a rollback gives it back (no gaps). On PostgreSQL it is taken in a
  one-statement transaction of its own, so that workers submitting at once
  do not wait on that row for the rest of each other's transactions; a unit
  of work that rolls back after taking one leaves a gap. The ``UNIQUE``
  index on ``rb_claims.number`` stands behind it.
- Request keys: ``PRIMARY KEY``, inserted on commit; a key another unit of
  work committed first raises
  :class:`~reimbursement.errors.DuplicateRequestError` and nothing is written.
- Many workers: PostgreSQL leases outbox batches and SLA sweeps with
  ``FOR UPDATE SKIP LOCKED``; SQLite has one writer at a time (WAL mode,
  ``BEGIN IMMEDIATE``, a busy timeout), which is right for one host.

Driver errors become the library's: a database that cannot be reached
raises :class:`~reimbursement.errors.StorageError` naming the URL without
its password; a stored row that cannot be read back as a valid claim raises
:class:`~reimbursement.errors.StoredDataError` naming the claim.
"""

from __future__ import annotations

from ..._extras import missing

try:
    import sqlalchemy as sa
except ModuleNotFoundError as error:
    raise missing(error, "sql", "the SQL adapter (reimbursement.adapters.sql)") from error

from ._bank_ledger import SqlBankLedger
from ._cache import CACHED_CLAIMS
from ._claims import SqlClaimRepository
from ._duplicates import reindex_duplicates as _reindex
from ._engine import guard, make_engine, prepare
from ._inbox import SqlDeliveryLog, SqlGoneEndpoints, SqlInbox
from ._log import SqlLogStore
from ._migrations import SCHEMA_VERSION, check, current_version, statements
from ._migrations import upgrade as _upgrade
from ._outbox import SqlOutbox, SqlOutboxQueue
from ._passkeys import SqlPasskeys
from ._store import SqlClaimStore, SqlUnitOfWork

__all__ = [
    "SCHEMA_VERSION",
    "SqlBankLedger",
    "SqlClaimRepository",
    "SqlClaimStore",
    "SqlDeliveryLog",
    "SqlGoneEndpoints",
    "SqlInbox",
    "SqlLogStore",
    "SqlOutbox",
    "SqlOutboxQueue",
    "SqlPasskeys",
    "SqlUnitOfWork",
    "create",
    "reindex_duplicates",
    "schema_sql",
    "schema_version",
    "upgrade",
]


def create(url_or_engine: str | sa.Engine, *, cache_size: int = CACHED_CLAIMS) -> SqlClaimStore:
    """The claim store at ``url_or_engine`` (``sqlite:///path.db``, ``postgresql+psycopg://…``).

    ``cache_size``: how many decoded claims reads by id or number reuse while
    their stored version is unchanged (0: none).

    Raises :class:`~reimbursement.errors.SchemaVersionError` when the schema
    is not this library's (run :func:`upgrade`) and
    :class:`~reimbursement.errors.StorageError` when the database cannot be
    reached.
    """
    return SqlClaimStore(url_or_engine, cache_size=cache_size)


def _engine(url_or_engine: str | sa.Engine) -> tuple[sa.Engine, bool]:
    if isinstance(url_or_engine, sa.Engine):
        return prepare(url_or_engine), False
    return make_engine(url_or_engine), True


def upgrade(url_or_engine: str | sa.Engine, *, to: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to version ``to`` (default: this library's); the version it is at.

    Safe to run again and from two processes at once. Raises
    :class:`~reimbursement.errors.SchemaVersionError` for a database newer
    than the library, :class:`~reimbursement.errors.StorageError` when it
    cannot be reached.
    """
    engine, owned = _engine(url_or_engine)
    try:
        return _upgrade(engine, to=to)
    finally:
        if owned:
            engine.dispose()


def reindex_duplicates(url_or_engine: str | sa.Engine, *, batch: int = 500) -> int:
    """Index every stored claim for duplicate look-ups again; how many claims it read.

    Claims stored before schema version 5 have no rows in the duplicate
    index until they are next saved, so a new claim's twin among them goes
    unflagged: run this (``python -m reimbursement db reindex-duplicates
    --database URL``) once after upgrading from an older version. Safe to
    run again, and while desks work: ``batch`` claims per transaction.
    Raises :class:`~reimbursement.errors.SchemaVersionError` when the
    schema is not this library's, :class:`~reimbursement.errors.StorageError`
    when the database cannot be reached.
    """
    engine, owned = _engine(url_or_engine)
    try:
        check(engine)
        return _reindex(engine, batch=batch)
    finally:
        if owned:
            engine.dispose()


def schema_version(url_or_engine: str | sa.Engine) -> int:
    """The database's schema version (0: none yet); raises ``StorageError`` when unreachable."""
    engine, owned = _engine(url_or_engine)
    try:
        with guard(engine, "read the schema version"), engine.connect() as connection:
            return current_version(connection)
    finally:
        if owned:
            engine.dispose()


def schema_sql(dialect: str = "postgresql", *, after: int = 0) -> list[str]:
    """The SQL statements :func:`upgrade` runs from version ``after``, for a DBA to read.

    ``dialect`` is ``"postgresql"`` or ``"sqlite"``.
    """
    return statements(dialect, after=after)
