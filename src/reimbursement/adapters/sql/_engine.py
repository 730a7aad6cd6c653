"""Engines for SQLite and PostgreSQL, and the one place driver errors become library errors.

SQLite connections run in WAL mode with foreign keys on and a busy timeout;
the driver's own transaction handling is switched off so that this adapter
says ``BEGIN`` (a read snapshot), ``BEGIN IMMEDIATE`` (the single write
lock) or nothing (each statement its own transaction) itself. PostgreSQL
runs at READ COMMITTED: every write is checked by its own ``WHERE`` clause,
never by the snapshot; its ``BEGIN`` waits for the transaction's first
statement and goes to the server with it (``_direct.Debts``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite

from ..._extras import missing
from ...errors import StorageError
from ._direct import owe_begin, watch

__all__ = [
    "AUTOCOMMIT",
    "WRITE",
    "autocommit",
    "begin",
    "guard",
    "insert",
    "is_postgres",
    "make_engine",
    "prepare",
    "refusal",
    "shown",
    "take_write_lock",
]

BUSY_TIMEOUT_MS: Final = 10_000
"""How long a SQLite writer waits for the write lock before giving up."""

WRITE: Final = "reimbursement_write"
"""Key in ``Connection.info``: how the next transaction begins on SQLite.

``True``: ``BEGIN IMMEDIATE`` (the write lock); :data:`AUTOCOMMIT`: no
``BEGIN`` at all, each statement is its own transaction; absent: ``BEGIN``.
"""

AUTOCOMMIT: Final = "autocommit"


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://…``).

    Raises :class:`~reimbursement.errors.StorageError` for a URL SQLAlchemy cannot use.
    """
    try:
        parsed = sa.make_url(url)
    except exc.ArgumentError as error:
        raise StorageError(f"cannot use the database URL {_safe(url)}: {error}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise StorageError(
            f"cannot use the database URL {_safe(url)}: an in-memory SQLite database "
            "lives only as long as one connection; give a file (sqlite:///claims.db) or "
            "use reimbursement.adapters.memory"
        )
    try:
        # no ping on every checkout (a round trip per unit of work): a connection the
        # server dropped fails its statement with a StorageError, and the pool
        # replaces it; connections older than half an hour are replaced anyway
        engine = sa.create_engine(parsed, pool_recycle=1800)
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] == "psycopg":
            raise missing(error, "sql", f"the database URL {_safe(url)}") from None
        raise StorageError(
            f"cannot use the database URL {_safe(url)}: its driver {error.name!r} is not "
            f"installed (pip install {error.name})"
        ) from None
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError, ValueError) as error:
        raise StorageError(f"cannot use the database URL {_safe(url)}: {error}") from None
    return prepare(engine)


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN from the driver
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA synchronous=NORMAL",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    how = connection.info.pop(WRITE, False)
    if how != AUTOCOMMIT:  # else the driver runs each statement in a transaction of its own
        _say(connection, "BEGIN IMMEDIATE" if how else "BEGIN")


def _say(connection: sa.Connection, statement: str) -> None:
    """``statement`` on the driver's connection: a SQLAlchemy execution costs more than it."""
    try:
        connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr, unused-ignore]
    except connection.dialect.loaded_dbapi.Error as error:
        raise exc.OperationalError(statement, None, error) from error


def take_write_lock(connection: sa.Connection) -> None:
    """``BEGIN`` (SQLite: ``BEGIN IMMEDIATE``) inside a transaction begun in autocommit.

    Its reads so far each saw the latest commit, as a statement of its own;
    from here on the statements are one transaction (on SQLite holding the
    single write lock, waiting for it up to the busy timeout), which the
    connection's commit or rollback ends: psycopg's ``commit()`` sends
    ``COMMIT`` whenever the server is in a transaction, autocommit or not.
    On PostgreSQL the ``BEGIN`` goes with the next statement
    (``_direct.Debts``): it takes no lock there.
    """
    if is_postgres(connection):
        owe_begin(connection)
    else:
        _say(connection, "BEGIN IMMEDIATE")


def prepare(engine: sa.Engine) -> sa.Engine:
    """``engine``, made ready for the store (once).

    On SQLite: WAL, foreign keys and a busy timeout on every new connection,
    and ``BEGIN`` or ``BEGIN IMMEDIATE`` said by the store, not the driver.
    An engine of yours should be new: connections it opened before keep
    the driver's own transaction handling. On PostgreSQL: the listeners
    that send a write transaction's ``BEGIN`` and its writes owed with its
    next statement (``_direct.watch``).
    """
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise StorageError(
            f"cannot use {shown(engine)}: the SQL claim store runs on SQLite and PostgreSQL"
        )
    if engine.dialect.name == "sqlite" and not event.contains(engine, "begin", _sqlite_begin):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    if engine.dialect.name == "postgresql":
        watch(engine)
    return engine


def is_postgres(engine: sa.Engine | sa.Connection) -> bool:
    """True on PostgreSQL (``FOR UPDATE SKIP LOCKED``, JSONB, identity columns)."""
    return bool(engine.dialect.name == "postgresql")  # bool: sqlalchemy may be untyped


def begin(connection: sa.Connection, *, write: bool) -> None:
    """Start a transaction on ``connection``; with ``write`` on SQLite, take the write lock."""
    if write and connection.dialect.name == "sqlite":
        connection.info[WRITE] = True
    connection.begin()


def autocommit(connection: sa.Connection) -> sa.Connection:
    """``connection``, running each statement in a transaction of its own (one statement).

    On PostgreSQL the driver's autocommit (reset when the connection goes back
    to the pool); on SQLite no ``BEGIN``, the driver already leaving each
    statement to commit itself (a write still waits for the lock, up to the
    busy timeout, as ``BEGIN IMMEDIATE`` would).
    """
    if is_postgres(connection):
        return connection.execution_options(isolation_level="AUTOCOMMIT")
    connection.info[WRITE] = AUTOCOMMIT
    return connection


def insert(connection: sa.Connection, table: sa.Table) -> Any:
    """An ``INSERT`` of the connection's dialect, which has ``ON CONFLICT`` clauses."""
    if is_postgres(connection):
        return postgresql.insert(table)
    return sqlite.insert(table)


def shown(engine: sa.Engine) -> str:
    """The engine's URL as an error message may show it: without the password."""
    return str(engine.url.render_as_string(hide_password=True))


def _safe(url: str) -> str:
    try:
        return str(sa.make_url(url).render_as_string(hide_password=True))
    except exc.ArgumentError:
        return "(unreadable URL)"


def refusal(engine: sa.Engine, action: str, error: exc.DBAPIError) -> StorageError:
    """``error`` as a :class:`~reimbursement.errors.StorageError`: what was attempted, on
    which database (no password), and the database's first line."""
    detail = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    password = engine.url.password
    if password:
        detail = detail.replace(str(password), "***")
    return StorageError(f"cannot {action} on {shown(engine)}: {detail}")


@contextmanager
def guard(engine: sa.Engine, action: str, *, integrity: bool = False) -> Iterator[None]:
    """Turn a driver error raised inside into :class:`~reimbursement.errors.StorageError`.

    The message says what was attempted and on which database (no password).
    Integrity errors are left to the caller, which knows what they mean,
    unless ``integrity`` (a caller that expects none: one is a refusal too).
    """
    try:
        yield
    except exc.IntegrityError as error:
        if not integrity:
            raise
        raise refusal(engine, action, error) from error
    except exc.DBAPIError as error:
        raise refusal(engine, action, error) from error
    except exc.SQLAlchemyError as error:
        raise StorageError(f"cannot {action} on {shown(engine)}: {error}") from error
