"""Command line: ``python -m reimbursement demo`` and ``python -m reimbursement db …``.

``db upgrade --database URL`` brings a database's schema to this library's
version (the only way it changes: stores and workers never migrate);
``db version`` prints the version a database is at; ``db sql`` prints the
SQL an upgrade runs, for a DBA to read first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import ReimbursementError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m reimbursement",
        description="Expense-reimbursement claims for insurers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="play a realistic scenario on the in-memory default")
    _add_db(commands)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        run()
        return 0
    try:
        return _db(args)
    except ReimbursementError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _add_db(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser(
        "db", help="the database schema (the [sql] extra)", description=_db_help()
    )
    actions = db.add_subparsers(dest="action", required=True)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database",
        required=True,
        metavar="URL",
        help="sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    actions.add_parser(
        "upgrade", parents=[database], help="bring the schema to this library's version"
    )
    actions.add_parser("version", parents=[database], help="print the schema version")
    show = actions.add_parser("sql", help="print the SQL an upgrade runs, without running it")
    source = show.add_mutually_exclusive_group(required=True)
    source.add_argument("--database", metavar="URL", help="from the version this database is at")
    source.add_argument(
        "--dialect", choices=["postgresql", "sqlite"], help="from an empty database"
    )


def _db_help() -> str:
    return (
        "Create or upgrade the tables of the SQL claim store. Stores and workers "
        "never change the schema: run `db upgrade` once per deployment."
    )


def _db(args: argparse.Namespace) -> int:
    from .adapters import sql

    if args.action == "sql":
        if args.dialect is not None:
            statements = sql.schema_sql(args.dialect)
        else:
            dialect = "sqlite" if args.database.startswith("sqlite") else "postgresql"
            statements = sql.schema_sql(dialect, after=sql.schema_version(args.database))
        print("\n".join(f"{statement};\n" for statement in statements) or "-- up to date")
        return 0
    before = sql.schema_version(args.database)
    if args.action == "version":
        print(before)
        return 0
    after = sql.upgrade(args.database)
    if after == before:
        print(f"the database is already at schema version {after}")
    else:
        print(f"upgraded the database from schema version {before} to schema version {after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
