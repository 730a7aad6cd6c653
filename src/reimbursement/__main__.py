"""Command line: ``python -m reimbursement demo|worker|check-templates|db …``.

``demo [--database URL|memory]`` plays a realistic scenario (by default on
the SQLite file ``reimbursement-demo.db``); ``worker --database URL`` runs
the Merkle log's sealer, the outbox dispatcher and the SLA sweeper until
SIGTERM or SIGINT.

``check-templates [--templates DIR] [--default-locale TAG]`` checks the
notification templates (the built-in ones and an insurer's folder over
them) and lists every problem, exiting 1 when there is one.

``serve [--database URL|memory] [--host H] [--port P]`` runs the reference
portal and staff workbench (the ``[web]`` extra) with demo identities and
demo claims, on the SQLite file ``reimbursement-portal.db`` by default, and
prints its address.

``db upgrade --database URL`` brings a database's schema to this library's
version (the only way it changes: stores and workers never migrate);
``db version`` prints the version a database is at; ``db sql`` prints the
SQL an upgrade runs, for a DBA to read first; ``db reindex-duplicates
--database URL`` writes the duplicate index of claims stored before schema
version 5 (once, after such an upgrade; safe to repeat).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .errors import MissingExtraError, ReimbursementError, ValidationError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m reimbursement",
        description="Expense-reimbursement claims for insurers.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"reimbursement {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="play a realistic scenario (on a SQLite file by default)"
    )
    demo.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="where the claims go: a database URL, or 'memory' "
        "(default: sqlite:///reimbursement-demo.db)",
    )
    _add_worker(commands)
    _add_check_templates(commands)
    _add_db(commands)
    _add_serve(commands)
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args.database)
        if args.command == "worker":
            return _worker(args)
        if args.command == "check-templates":
            return _check_templates(args)
        if args.command == "serve":
            return _serve(args)
        return _db(args)
    except MissingExtraError as error:
        hint = " (or run the demo with --database memory)" if args.command == "demo" else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return 1
    except ReimbursementError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _demo(database: str | None) -> int:
    from .demo import DEFAULT_DATABASE, run

    chosen = DEFAULT_DATABASE if database is None else database
    run(database=None if chosen == "memory" else chosen)
    return 0


def _add_worker(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="seal the Merkle log, deliver notifications and sweep SLA clocks until stopped",
        description="Run the Merkle log's sealer, the outbox dispatcher and the SLA sweeper "
        "in a loop; stops cleanly on SIGTERM or SIGINT. Run as many as you like against "
        "one database.",
    )
    worker.add_argument("--database", required=True, metavar="URL")
    worker.add_argument(
        "--desk",
        metavar="MODULE:FUNCTION",
        help="a function taking the database URL and returning your ReimbursementDesk "
        "(your SLA policy, notifier, gateway); default: sql_desk(URL)",
    )
    worker.add_argument("--interval", type=float, default=5.0, metavar="SECONDS")
    worker.add_argument("--once", action="store_true", help="run one round and exit")


def _worker(args: argparse.Namespace) -> int:
    import importlib
    import signal
    from datetime import timedelta

    from .bootstrap import sql_desk
    from .service.desk import ReimbursementDesk
    from .service.worker import Worker

    build = sql_desk
    if args.desk:
        module, _, name = args.desk.partition(":")
        build = getattr(importlib.import_module(module), name)
    desk = build(args.database)
    if not isinstance(desk, ReimbursementDesk):
        print(f"error: {args.desk} returned {type(desk).__name__}, not a desk", file=sys.stderr)
        return 2
    with desk:
        worker = Worker(desk, interval=timedelta(seconds=args.interval))
        if args.once:
            done = worker.run_once()
            print(
                f"delivered {done.delivered}, recorded {done.recorded} SLA crossings, "
                f"sealed {done.sealed} events into the Merkle log"
            )
            return 0 if done.failed is None else 1
        for stop in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop, lambda *_: worker.stop())
        print(f"worker running on {_shown(args.database)}; stop it with SIGTERM", flush=True)
        worker.run()
    print("worker stopped", flush=True)
    return 0


def _shown(url: str) -> str:
    """``url`` without its password."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}@{tail}"


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the reference portal and staff workbench (the [web] extra)",
        description="Serve the customer portal, the staff workbench and the JSON API with "
        "demo identities (docs/portal.md). Demo claims are made when the database has none.",
    )
    serve.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="a database URL, or 'memory' (default: sqlite:///reimbursement-portal.db)",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--origin",
        metavar="URL",
        default=None,
        help="the address browsers open, behind a proxy (such as https://claims.example.com): "
        "passkeys are bound to its host name (default: http://HOST:PORT, localhost for a "
        "loopback address)",
    )


def _site(host: str, port: int, origin: str | None) -> tuple[str, str]:
    """The passkeys' relying-party id and the origin of the pages (an IP is not an rp id:
    a loopback address is served as ``localhost``, which browsers accept over HTTP)."""
    from urllib.parse import urlsplit

    if origin is None:
        named = "localhost" if host in ("127.0.0.1", "::1", "0.0.0.0", "localhost") else host
        origin = f"http://{named}:{port}"
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValidationError.at(
            "origin", f"{origin[:200]!r} is not an origin such as https://claims.example.com"
        )
    return parts.hostname, f"{parts.scheme}://{parts.netloc}"


def _desk_calls(database: str) -> dict[str, Any]:
    """Where ``serve`` runs the desk's calls on ``database`` (``create_app``'s keywords).

    On SQLite or in memory a call holds the GIL: one thread for writes, and the
    pages' small reads on the event loop (in WAL mode they never wait for a
    writer). PostgreSQL waits on the server for every statement: four threads,
    nothing on the loop.
    """
    local = database == "memory" or database.startswith("sqlite")
    return {"desk_threads": 1 if local else 4, "reads_on_loop": local}


def _serve(args: argparse.Namespace) -> int:
    from ._extras import require

    require("uvicorn", "web", "serving the web portal")
    require("webauthn", "passkey", "signing with passkeys in the web portal")
    import uvicorn

    from .web import create_app
    from .web._demo import DEFAULT_DATABASE, demo_portal, seed

    rp_id, origin = _site(args.host, args.port, args.origin)
    chosen = DEFAULT_DATABASE if args.database is None else args.database
    demo = demo_portal(None if chosen == "memory" else chosen, site=(rp_id, origin))
    try:
        made = seed(demo.unsigned or demo.desk)
        app = create_app(
            demo.desk,
            identify=demo.identities,
            inbox=demo.inbox,
            time_zone="Europe/Berlin",
            passkeys=demo.passkeys,
            **_desk_calls(chosen),
        )
        where = "memory" if chosen == "memory" else _shown(chosen)
        print(f"portal on {where} ({made} demo claims made)", flush=True)
        print(f"open {origin}/ and sign in as a demo identity", flush=True)
        print(f"passkeys: relying party {rp_id}, origin {origin}", flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        demo.close()
    return 0


def _add_check_templates(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check-templates",
        help="check the notification templates (the [notify] extra)",
        description="Load every notification template of every locale, the built-in ones "
        "with your folder over them, and list each problem: a missing template or block, "
        "an unknown value, a syntax error, a template that breaks the sandbox.",
    )
    check.add_argument("--templates", metavar="DIR", help="your own template folder")
    check.add_argument("--default-locale", default="en", metavar="TAG")


def _check_templates(args: argparse.Namespace) -> int:
    from .errors import TemplateError
    from .notify import TemplateSet

    try:
        templates = TemplateSet(args.templates, default_locale=args.default_locale)
    except TemplateError as error:
        print(f"{len(error.problems) + error.omitted} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"templates ok: {', '.join(templates.locales)} "
        f"(default {templates.default_locale}), from {', '.join(map(str, templates.folders))}"
    )
    return 0


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
    reindex = actions.add_parser(
        "reindex-duplicates",
        parents=[database],
        help="index every stored claim for duplicate look-ups (after upgrading past version 5)",
    )
    reindex.add_argument("--batch", type=int, default=500, metavar="CLAIMS")
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
    if args.action == "reindex-duplicates":
        done = sql.reindex_duplicates(args.database, batch=args.batch)
        print(f"indexed {done} submitted claims for duplicate look-ups")
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
