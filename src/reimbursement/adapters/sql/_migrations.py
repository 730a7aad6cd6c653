"""The schema's versions: forward steps of plain SQL, applied only when asked.

Each step (in :mod:`._migration_steps`) is a short list of SQL statements
written out in full for each dialect, so that a DBA reads exactly what will
run: ``python -m reimbursement db sql`` prints it. :func:`upgrade` applies
the steps a database lacks, in one transaction, and records each in
``rb_schema_version``; opening a store only checks the version
(:func:`check`) and never changes the schema.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from ...errors import SchemaVersionError
from ._engine import begin, guard, is_postgres, shown
from ._migration_steps import MIGRATIONS
from ._migration_words import WORDS
from ._schema import SCHEMA_VERSIONS

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "check", "current_version", "statements", "upgrade"]

UPGRADE_COMMAND: Final = "python -m reimbursement db upgrade --database URL"

SCHEMA_VERSION: Final = MIGRATIONS[-1].version
"""The schema version this library works with."""

_VERSION_TABLE: Final = """CREATE TABLE IF NOT EXISTS rb_schema_version (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  TEXT
)"""


def statements(dialect: str, *, after: int = 0, to: int = SCHEMA_VERSION) -> list[str]:
    """The SQL that takes a ``dialect`` database from version ``after`` to ``to``."""
    words = WORDS["postgresql" if dialect == "postgresql" else "sqlite"]
    return [
        sql.format(**words)
        for step in MIGRATIONS
        if after < step.version <= to
        for sql in step.sql
    ]


def current_version(connection: sa.Connection) -> int:
    """The schema version of the database (0: no schema of ours yet)."""
    if not sa.inspect(connection).has_table(SCHEMA_VERSIONS.name):
        return 0
    found = connection.execute(sa.select(sa.func.max(SCHEMA_VERSIONS.c.version))).scalar()
    return int(found or 0)


def upgrade(engine: sa.Engine, *, to: int = SCHEMA_VERSION) -> int:
    """Apply the steps the database lacks, up to ``to``, in one transaction; the version now.

    Running it again does nothing. Raises
    :class:`~reimbursement.errors.SchemaVersionError` when the database is
    newer than this library, :class:`~reimbursement.errors.StorageError`
    when it cannot be reached.
    """
    with guard(engine, "upgrade the schema"), engine.connect() as connection:
        begin(connection, write=True)
        if is_postgres(connection):  # two upgrades at once: the second waits, then skips
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7275092)")
        connection.exec_driver_sql(_VERSION_TABLE)
        found = current_version(connection)
        if found > SCHEMA_VERSION:
            raise _newer(engine, found)
        dialect = connection.dialect.name
        for step in MIGRATIONS:
            if found < step.version <= to:
                for sql in statements(dialect, after=step.version - 1, to=step.version):
                    connection.exec_driver_sql(sql)
                connection.execute(
                    SCHEMA_VERSIONS.insert().values(
                        version=step.version,
                        description=step.description,
                        applied_at=sa.func.current_timestamp(),
                    )
                )
        connection.commit()
        return max(found, min(to, SCHEMA_VERSION))


def check(engine: sa.Engine) -> int:
    """The schema version, if it is the one this library works with.

    Raises :class:`~reimbursement.errors.SchemaVersionError` naming the
    command to run otherwise, :class:`~reimbursement.errors.StorageError`
    when the database cannot be reached.
    """
    with guard(engine, "read the schema version"), engine.connect() as connection:
        found = current_version(connection)
        connection.rollback()
    if found > SCHEMA_VERSION:
        raise _newer(engine, found)
    if found < SCHEMA_VERSION:
        state = "has no reimbursement schema" if found == 0 else f"is at schema version {found}"
        raise SchemaVersionError(
            f"the database {shown(engine)} {state}; this library needs version "
            f"{SCHEMA_VERSION}: run `{UPGRADE_COMMAND}` (the schema is never changed "
            "on the fly)"
        )
    return found


def _newer(engine: sa.Engine, found: int) -> SchemaVersionError:
    return SchemaVersionError(
        f"the database {shown(engine)} is at schema version {found}, newer than this "
        f"library's {SCHEMA_VERSION}: upgrade the reimbursement library before using it"
    )
