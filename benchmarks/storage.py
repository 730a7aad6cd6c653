"""Throughput and lookups of the SQL adapter on SQLite (a file, WAL) and PostgreSQL.

Lifecycle: N claims pushed from submission to payment (submit -> approve,
payment requested in the same step -> finance approval -> pay, settled by the
in-memory gateway) through ``sql_desk`` with ``DeskSettings(require_receipts=
False)`` and the desk's default immediate dispatch of notifications; the
drafts are made first, untimed, as in ``benchmarks/lifecycle.py``. On
PostgreSQL with 1, 2 and 4 worker processes (spawned, each with its own
desk, on disjoint claims of one database): wall time of the whole batch.
Beside each database, in the same run, two references on one process:

- the floor: raw SQLAlchemy Core on the library's tables, no library code.
  A traced run of the desk (a ``before_cursor_execute`` listener plus the
  ``begin``/``commit``/``rollback`` events) records the transactions and
  statements each call issues; the floor replays that plan statement for
  statement (the same verb on the same table, the same number of rows per
  INSERT, a read of the claim's row that leaves the body out at a known
  version, a version checked UPDATE of the JSON row, the duplicate look-ups by
  index (one range per expense key, in as many statements as the desk)
  and the claim's key rows, the outbox's INSERT) in as many transactions;
  each claim has expenses of its own, as in ``benchmarks/lifecycle.py``,
  so that no claim is another's duplicate. A transaction is what
  the database runs as one: a desk call's write transaction (from its BEGIN,
  BEGIN IMMEDIATE on SQLite, to its COMMIT), and each statement run in
  autocommit outside one (the reads before a unit of work's first write,
  PostgreSQL's claim number, the acknowledgements the queue writes on its own),
  which the floor replays the same way;
- the peer: the ``eventsourcing`` package's SQLite or PostgreSQL application
  recorder, an Aggregate with as many events per claim as the desk records
  (one at draft, then 2, 2, 1, 2), each call a ``get`` then a ``save`` (one
  transaction), as the desk reads before it writes. It runs on its own
  defaults (SQLite ``synchronous=FULL``, where the library sets NORMAL);
  its PostgreSQL module needs ``psycopg_pool``. On SQLite it is also run
  with ``synchronous=NORMAL`` (``sqlite_peer_normal_claims_per_s``), like
  with like.

Also measured: the desk with ``dispatch_immediately=False`` (notifications
left in the outbox for a dispatcher), to show what immediate delivery costs.
The rounds are interleaved (one of each configuration per round) and each
figure is the median of ``--repeat`` rounds. The defaults (800 claims, 3
rounds) keep a full run near 10 minutes on a shared 2-core machine, where
the desk does 20 to 60 claims/s on PostgreSQL; the issue's 20,000 claims is
``--claims 20000 --repeat 1`` (well over an hour here).

Lookups: ``--stored`` claims (default 1,000,000) bulk-inserted with Core
into the library's tables in the library's row format (rows of two real
claims made through the desk, one in review and one paid, copied with new
ids, numbers, customers and reviewers; a quarter in review, held by 1,000
reviewers). Medians of timed calls, each in its own unit of work, after a
warm-up: ``uow.claims.get(id)`` (the primary-key reference), ``by_number``,
a reviewer's 50-row ``work_queue`` page and every reviewer's load
(``open_work``, what routing reads at each submission); the query plans of the
statements the adapter issued (EXPLAIN QUERY PLAN / EXPLAIN). On SQLite by
default; ``--pg`` also loads PostgreSQL (slow: several minutes for 1,000,000).

Each run uses fresh SQLite files in a temporary folder and fresh PostgreSQL
schemas ``rb_bench_<random>_<what>`` (``search_path`` set through the URL's
``options``), dropped at the end.

Usage: python benchmarks/storage.py [--claims 800] [--repeat 3] [--stored 1000000]
       [--skip-pg] [--pg] [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import itertools
import json
import multiprocessing
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from lifecycle import LINES, lines_for  # every claim its own expenses, as in lifecycle.py
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite

from reimbursement import Actor, CustomerProfile, DeskSettings
from reimbursement.adapters import sql
from reimbursement.bootstrap import sql_desk
from reimbursement.payments import iban_for

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CUSTOMERS = 1000
REVIEWERS = [f"r{i}" for i in range(10)]
FINANCE = Actor.finance("f1")
SETTINGS = DeskSettings(require_receipts=False)
QUEUED = DeskSettings(require_receipts=False, dispatch_immediately=False)


# -- databases ---------------------------------------------------------------------------


@dataclass
class Target:
    """One fresh database for one measurement: a SQLite file or a PostgreSQL schema."""

    url: str
    documents: str
    schema: str | None = None

    @property
    def is_pg(self) -> bool:
        return self.schema is not None


@dataclass
class Databases:
    """Makes fresh targets and drops the PostgreSQL schemas it made."""

    folder: Path
    pg_url: str
    run: str = field(default_factory=lambda: secrets.token_hex(3))
    schemas: list[str] = field(default_factory=list)

    def sqlite(self, what: str) -> Target:
        path = self.folder / f"{what}.db"
        return Target(f"sqlite:///{path}", str(self.folder / f"{what}-documents"))

    def pg(self, what: str) -> Target:
        schema = f"rb_bench_{self.run}_{what}"
        engine = sa.create_engine(self.pg_url)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        engine.dispose()
        self.schemas.append(schema)
        separator = "&" if "?" in self.pg_url else "?"
        url = f"{self.pg_url}{separator}options={quote(f'-csearch_path={schema}')}"
        return Target(url, str(self.folder / f"{what}-documents"), schema)

    def drop(self) -> None:
        if not self.schemas:
            return
        engine = sa.create_engine(self.pg_url)
        with engine.begin() as connection:
            for schema in self.schemas:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()


def fresh(databases: Databases, pg: bool, what: str) -> Target:
    """A fresh target with the library's schema (``upgrade`` first)."""
    target = databases.pg(what) if pg else databases.sqlite(what)
    sql.upgrade(target.url)
    if target.is_pg:  # the adapter must have honoured search_path
        engine = sa.create_engine(databases.pg_url)
        with engine.connect() as connection:
            found = connection.execute(
                sa.text(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name = :t"
                ),
                {"t": "rb_claims"},
            ).scalars()
            assert target.schema in set(found), f"rb_claims not created in {target.schema}"
        engine.dispose()
    return target


# -- the library -------------------------------------------------------------------------


def profiles() -> list[CustomerProfile]:
    return [
        CustomerProfile(
            f"c{i}", f"Customer {i}", f"POL-{i}", "EUR", payee_account=iban_for("DE", f"{i:018d}")
        )
        for i in range(CUSTOMERS)
    ]


def make_desk(target: Target, prefix: str, settings: DeskSettings = SETTINGS) -> Any:
    counter = itertools.count(1)
    return sql_desk(
        target.url,
        documents=target.documents,
        customers=profiles(),
        reviewers=REVIEWERS,
        settings=settings,
        new_id=lambda: f"{prefix}{next(counter)}",
    )


class LibraryRun:
    """The desk: drafts made in ``prepare`` (untimed), the four calls per claim in ``run``."""

    def __init__(
        self, target: Target, worker: int, count: int, settings: DeskSettings = SETTINGS
    ) -> None:
        self.desk = make_desk(target, f"w{worker}-", settings)
        first = worker * count  # claims are numbered across workers: no two share expenses
        self.claims = [
            (Actor.customer(f"c{i % CUSTOMERS}"), i) for i in range(first, first + count)
        ]
        self.drafts: list[str] = []

    def prepare(self) -> None:
        self.drafts = [self.desk.start_draft(c, lines_for(i)).id for c, i in self.claims]

    def lifecycle(self, customer: Actor, claim_id: str) -> None:
        """One draft's four calls, from submission to payment."""
        desk = self.desk
        desk.submit(customer, claim_id)  # the customer's view: no assignee in it
        assignee = desk.get(FINANCE, claim_id).assignee  # served by the claim cache
        claim = desk.approve(Actor.reviewer(str(assignee)), claim_id)
        claim = desk.approve_payment(FINANCE, claim.id)
        claim = desk.pay(FINANCE, claim.id)
        assert claim.state == "paid"

    def run(self) -> None:
        for (customer, _), claim_id in zip(self.claims, self.drafts, strict=True):
            self.lifecycle(customer, claim_id)
        self.desk.seal_log()  # the worker's job, timed here: every event of the run in the log

    def close(self) -> None:
        self.desk.close()


# -- what the library issues -------------------------------------------------------------

# LOCK TABLE: the Merkle log's lock on PostgreSQL
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|TABLE)\s+\"?(rb_\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Op:
    """One statement of the plan: its verb, its table and how many rows it binds.

    ``autocommit``: it ran as a transaction of its own (no BEGIN, no COMMIT:
    the acknowledgements); ``no_flush``: that commit skipped the WAL flush
    (the acknowledgements on PostgreSQL).
    """

    verb: str
    table: str
    rows: int = 1
    no_flush: bool = False
    autocommit: bool = False


Transaction = list[Op]
Call = list[Transaction]


_PARENTHESIZED = re.compile(r"\([^()]*\)")


def _outer(statement: str) -> str:
    """The statement without what it has in parentheses (subqueries, column lists)."""
    while (shorter := _PARENTHESIZED.sub(" ", statement)) != statement:
        statement = shorter
    return statement


def classify(statement: str, parameters: Any, many: bool) -> Op:
    verb = statement.lstrip().split(None, 1)[0].upper()
    # a SELECT's table is the one it reads, not one of a subquery's (the duplicate look-ups
    # read each match's claim number from rb_claims in a subquery)
    match = _TABLE.search(_outer(statement) if verb == "SELECT" else statement)
    rows = len(parameters) if many else 1
    if verb == "SELECT" and match is None:  # look-ups of several keys: a UNION ALL of subqueries
        # the table each member reads, not rb_claims of its claim-number subquery
        tables = [m for m in _TABLE.finditer(statement) if m.group(1) != "rb_claims"]
        match = tables[0] if tables else _TABLE.search(statement)
        rows = statement.upper().count("UNION ALL") + 1
    if verb == "WITH":  # PostgreSQL's save: UPDATE rb_claims and INSERT its events, one statement
        rows = sum(1 for name in parameters if re.fullmatch(r"seq_\d+", name))
    elif verb == "INSERT" and re.search(r"\)\s+SELECT\b", statement):
        # the outbox's INSERT … SELECT of its staged messages: one SELECT per message
        rows = statement.upper().count("UNION ALL") + 1
    return Op(verb, match.group(1) if match else "?", rows, "set_config(" in statement)


@dataclass
class Trace:
    """Statements and transactions per claim, as the library issued them, per call."""

    calls: list[Call]
    statements: list[str]
    sealing: list[Transaction] = field(default_factory=list)
    """The sealer's transactions after the traced claims (every claim's events)."""
    sealed: int = 0
    """The events that sealing appended to the Merkle log."""

    @property
    def statement_count(self) -> int:
        return sum(len(t) for call in self.calls for t in call)

    @property
    def transaction_count(self) -> int:
        return sum(len(call) for call in self.calls)

    def summary(self) -> str:
        counts = Counter(f"{op.verb} {op.table}" for call in self.calls for t in call for op in t)
        per_call = ", ".join(
            f"{name} {sum(len(t) for t in call)}/{len(call)}"
            for name, call in zip(CALL_NAMES, self.calls, strict=True)
        )
        single = [t for call in self.calls for t in call if all(op.autocommit for op in t)]
        flush = ", without a WAL flush" if any(op.no_flush for t in single for op in t) else ""
        flush = f", {len(single)} of them single autocommitted statements{flush}" if single else ""
        return (
            f"{self.statement_count} statements in {self.transaction_count} transactions "
            f"per claim{flush} (statements/transactions: {per_call}); "
            + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))
        )

    def sealing_summary(self, claims: int) -> str:
        statements = sum(len(t) for t in self.sealing)
        events = self.sealed / claims
        kinds = ", ".join(f"{op.verb} {op.table}" for t in self.sealing[:1] for op in t)
        return (
            f"the sealer appended the {self.sealed} events of {claims} claims in "
            f"{len(self.sealing)} transaction(s) of {statements} statements ({kinds}): "
            f"{statements / claims:.2f} statements per claim here, about "
            f"{statements / len(self.sealing) * events / SEAL_BATCH:.3f} in full batches of "
            f"{SEAL_BATCH} events"
        )


CALL_NAMES = ("submit", "approve", "approve_payment", "pay")
_EVENTS = (("INSERT", "rb_events"), ("WITH", "rb_claims"))  # the statements writing events
_EVENT_FIELDS = ("seq", "type", "at", "body")


def _on_its_own(connection: sa.Connection) -> bool:
    """Whether the statement about to run is a transaction of its own (autocommit, no BEGIN).

    The library's reads before a unit of work's first write run so on both
    databases (its ``BEGIN`` goes to the driver, unseen by the listeners).
    """
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        return driver.isolation_level is None and not driver.in_transaction
    return bool(driver.autocommit) and driver.info.transaction_status == 0  # psycopg: IDLE


class Recorder:
    """Engine-wide listeners: every statement and transaction of every engine, by connection."""

    def __init__(self) -> None:
        self.open: dict[int, Transaction] = {}
        self.closing: dict[int, Transaction] = {}  # in their commit
        self.started: list[Transaction] = []  # in the order they began
        self.texts: list[tuple[str, Any]] = []
        self.on = False

    def _begin(self, connection: sa.Connection) -> None:
        self.closing.pop(id(connection), None)
        if self.on:  # listed at its first statement: in the order transactions ran
            self.open[id(connection)] = []

    def _end(self, connection: sa.Connection) -> None:
        # statements sent in the commit (on PostgreSQL the writes owed, which go with the
        # COMMIT; the library's listener may run after this one) are the transaction's
        transaction = self.open.pop(id(connection), None)
        if transaction is not None:
            self.closing[id(connection)] = transaction

    def _rolled_back(self, connection: sa.Connection) -> None:
        # a transaction that wrote and ended in a rollback, when nothing failed: statements
        # in autocommit, each committed as it ran (the SQLAlchemy transaction was nominal)
        transaction = self.open.pop(id(connection), None)
        if transaction and any(op.verb != "SELECT" for op in transaction):
            transaction[:] = [dataclasses.replace(op, autocommit=True) for op in transaction]

    def _statement(
        self, connection: sa.Connection, cursor: Any, statement: str, parameters: Any, *_: Any
    ) -> None:
        if not self.on or statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            return
        many = bool(_[-1]) if _ else False
        self.texts.append((statement, parameters))
        op = classify(statement, parameters, many)
        if _on_its_own(connection):  # autocommit, outside BEGIN: a transaction of its own
            self.started.append([dataclasses.replace(op, autocommit=True)])
            return
        closing = self.closing.get(id(connection))
        if closing is not None and connection.in_transaction():
            closing.append(op)
            return
        transaction = self.open.setdefault(id(connection), [])  # outside any: one begins
        if not transaction:
            self.started.append(transaction)
        transaction.append(op)

    @contextmanager
    def listening(self) -> Iterator[Recorder]:
        hooks: list[tuple[str, Callable[..., None]]] = [
            ("begin", self._begin),
            ("commit", self._end),
            ("rollback", self._rolled_back),
            ("before_cursor_execute", self._statement),
        ]
        for name, hook in hooks:
            sa_event.listen(sa.Engine, name, hook)
        try:
            yield self
        finally:
            for name, hook in hooks:
                sa_event.remove(sa.Engine, name, hook)

    @contextmanager
    def capture(self) -> Iterator[list[Transaction]]:
        self.open, self.started, self.on = {}, [], True
        out: list[Transaction] = []
        try:
            yield out
        finally:
            self.on = False
            out.extend(t for t in self.started if t)


def trace_library(
    databases: Databases, pg: bool, settings: DeskSettings = SETTINGS, claims: int = 6
) -> Trace:
    """The plan of one claim (the last of a few, after the first claims' one-off work)."""
    target = fresh(databases, pg, f"trace{secrets.token_hex(2)}")
    desk = make_desk(target, "t-", settings)
    customer = Actor.customer("c1")
    drafts = [desk.start_draft(customer, lines_for(i)).id for i in range(claims)]
    traces: list[list[Call]] = []
    recorder = Recorder()
    with recorder.listening():
        for claim_id in drafts:
            calls: list[Call] = []
            with recorder.capture() as transactions:
                desk.submit(customer, claim_id)
            calls.append(transactions)
            reviewer = Actor.reviewer(str(desk.get(FINANCE, claim_id).assignee))
            steps: list[Callable[[], Any]] = [
                partial(desk.approve, reviewer, claim_id),
                partial(desk.approve_payment, FINANCE, claim_id),
                partial(desk.pay, FINANCE, claim_id),
            ]
            for step in steps:
                with recorder.capture() as transactions:
                    step()
                calls.append(transactions)
            traces.append(calls)
        with recorder.capture() as sealing:
            sealed = desk.seal_log()
    desk.close()
    shapes = {tuple(len(t) for call in calls for t in call) for calls in traces[1:]}
    if len(shapes) > 1:
        print(f"  note: claims differ in their statements after the first: {sorted(shapes)}")
    return Trace(traces[-1], [s for s, _ in recorder.texts], sealing, sealed)


# -- the floor: raw Core on the same tables, the same plan -------------------------------

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ORDERED_DOC = sa.JSON().with_variant(postgresql.JSON(), "postgresql")

T_CLAIMS = sa.table(
    "rb_claims",
    sa.column("id"),
    sa.column("position"),
    sa.column("number"),
    sa.column("customer_id"),
    sa.column("state"),
    sa.column("due_at"),
    sa.column("next_check_at"),
    sa.column("version"),
    sa.column("format"),
    sa.column("body", JSON_DOC),
)
T_EVENTS = sa.table(
    "rb_events",
    sa.column("claim_id"),
    sa.column("seq"),
    sa.column("type"),
    sa.column("at"),
    sa.column("body", ORDERED_DOC),
)
T_ITEMS = sa.table(
    "rb_claim_items",
    sa.column("claim_id"),
    sa.column("list"),
    sa.column("idx"),
    sa.column("version"),
    sa.column("body", JSON_DOC),
)
T_HOLDINGS = sa.table(
    "rb_holdings",
    sa.column("claim_id"),
    sa.column("reviewer_id"),
    sa.column("steps"),
    sa.column("due_key"),
    sa.column("position"),
)
T_LOADS = sa.table("rb_loads", sa.column("reviewer_id"), sa.column("shard"), sa.column("steps"))
T_SEQUENCES = sa.table("rb_sequences", sa.column("scope"), sa.column("value"))
# the duplicate index: a submitted claim's keys, looked up by index before it is saved
T_FILE_KEYS = sa.table(
    "rb_file_keys",
    sa.column("sha256"),
    sa.column("claim_id"),
    sa.column("attachment_id"),
    sa.column("line_id"),
)
T_EXPENSE_KEYS = sa.table(
    "rb_expense_keys",
    sa.column("claim_id"),
    sa.column("line_id"),
    sa.column("provider"),
    sa.column("currency"),
    sa.column("incurred_on"),
    sa.column("amount"),
)
T_IMAGE_KEYS = sa.table(
    "rb_image_keys",
    sa.column("claim_id"),
    sa.column("attachment_id"),
    sa.column("line_id"),
    sa.column("phash"),
    *(sa.column(f"band{i}") for i in range(4)),
)
KEY_TABLES = {t.name: t for t in (T_FILE_KEYS, T_EXPENSE_KEYS, T_IMAGE_KEYS)}
T_OUTBOX = sa.table(
    "rb_outbox",
    sa.column("key"),
    sa.column("position"),
    sa.column("claim_id"),
    sa.column("status"),
    sa.column("attempts"),
    sa.column("last_error"),
    sa.column("retry_at"),
    sa.column("leased_until"),
    sa.column("body", JSON_DOC),
)
# the desk's Merkle log: every complete subtree's hash, and which leaf holds which event
T_LOG_NODES = sa.table("rb_log_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))
T_LOG_EVENTS = sa.table("rb_log_events", sa.column("idx"), sa.column("event_id"))
# what each commit writes of the log: its events' digests, pending until a sealer appends them
T_LOG_PENDING = sa.table(
    "rb_log_pending", sa.column("position"), sa.column("event_id"), sa.column("digest")
)
SEAL_BATCH = 1000  # the library's default (reimbursement.adapters.sql._log.SEAL_BATCH)


def _floor_engine(target: Target) -> sa.Engine:
    """A plain engine; on SQLite the usual recipe: WAL, our own BEGIN / BEGIN IMMEDIATE."""
    engine = sa.create_engine(target.url, pool_pre_ping=target.is_pg)
    if not target.is_pg:

        @sa_event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000"):
                dbapi_connection.execute(f"PRAGMA {pragma}")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        @sa_event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            write = connection.info.pop("write", False)
            if write != "autocommit":  # else each statement is its own transaction
                connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@functools.lru_cache(maxsize=8)
def _expense_lookups(count: int) -> Any:
    """The floor's ``count`` expense look-ups in one statement, as ``same_expenses`` asks."""
    b, expenses = sa.bindparam, T_EXPENSE_KEYS.c
    number = sa.select(T_CLAIMS.c.number).where(T_CLAIMS.c.id == expenses.claim_id)
    members = [
        sa.select(
            *sa.select(expenses.claim_id, number.scalar_subquery(), expenses.line_id)
            .where(
                expenses.provider == b(f"provider_{n}"),
                expenses.currency == "EUR",
                expenses.incurred_on.in_([b(f"day_{n}")]),  # each day of the window named
                expenses.amount.between(b(f"amount_{n}"), b(f"amount_{n}")),
            )
            .limit(20)
            .subquery(f"probe_{n}")
            .c
        )
        for n in range(count)
    ]
    return sa.union_all(*members)


@dataclass
class FloorClaim:
    id: str
    customer: str
    version: int = 1
    index: int = 0  # across workers: the expenses (and keys) of this claim alone
    number: str | None = None
    outbox: list[str] = field(default_factory=list)
    lookups: int = 0  # duplicate look-ups made so far (one per key)


class FloorRun:
    """The library's plan, replayed with Core statements built once, bound per call."""

    def __init__(self, target: Target, worker: int, count: int, plan: list[Call]) -> None:
        self.engine = _floor_engine(target)
        self.pg = target.is_pg
        self.plan = plan
        self.claims = [
            FloorClaim(f"f{worker}-{i}", f"c{i % CUSTOMERS}", index=i)
            for i in range(worker * count, (worker + 1) * count)
        ]
        self.body = {
            "id": "",
            "claimant": {"customer_id": "", "name": "Customer", "policy_number": "POL-1"},
            "currency": "EUR",
            "lines": [
                {"id": f"L{n}", "category": line.category, "amount": str(line.amount)}
                for n, line in enumerate(LINES, 1)
            ],
            "state": "draft",
            "number": None,
            "assignee": None,
            "decisions": [],
            "payments": [],
        }
        self.clock = datetime(2026, 1, 5, 9, tzinfo=UTC)
        self.statements = self._statements()

    def _statements(self) -> dict[tuple[str, ...], Any]:
        """One statement per kind in the plan, with bound parameters (as a careful app does)."""
        b = sa.bindparam
        dialect_insert = postgresql.insert if self.pg else sqlite.insert
        claims, events, holdings, outbox = T_CLAIMS.c, T_EVENTS.c, T_HOLDINGS.c, T_OUTBOX.c
        outbox_values: dict[str, Any] = {
            "key": b("key"),
            "claim_id": b("cid"),
            "status": "pending",
            "attempts": 0,
            "leased_until": b("until"),
            "body": b("body", type_=JSON_DOC),
        }
        if not self.pg:  # as the library does on SQLite (one writer): the next position
            outbox_values["position"] = self._position(T_OUTBOX)
        delivered = (
            sa.update(T_OUTBOX)
            .where(outbox.key.in_(b("keys", expanding=True)))
            .values(status="delivered", leased_until=None)
        )
        # as the library acknowledges on PostgreSQL: one statement, committed without a flush
        no_flush = sa.select(sa.func.set_config("synchronous_commit", "off", sa.true()))
        # a read by key sends the version it knows: the body is left out when it matches
        known_version = sa.and_(claims.id == b("cid"), claims.version == b("cached"))
        return (
            {
                ("SELECT", "rb_claims"): sa.select(
                    claims.id,
                    claims.version,
                    claims.format,
                    sa.case((known_version, sa.null()), else_=claims.body),
                ).where(claims.id == b("cid")),
                ("SELECT", "rb_events"): sa.select(events.claim_id, events.seq, events.body)
                .where(events.claim_id.in_(b("ids", expanding=True)))
                .order_by(events.claim_id, events.seq),
                ("INSERT", "rb_sequences"): dialect_insert(T_SEQUENCES)
                .values(scope=b("scope"), value=1)
                .on_conflict_do_update(
                    index_elements=["scope"], set_={"value": T_SEQUENCES.c.value + 1}
                )
                .returning(T_SEQUENCES.c.value),
                # PostgreSQL's: in a transaction of its own, committed without a flush
                ("INSERT", "rb_sequences", "no flush"): dialect_insert(T_SEQUENCES)
                .from_select(
                    ["scope", "value"],
                    sa.select(b("scope", type_=sa.Text()), sa.literal(1, sa.BigInteger())).where(
                        no_flush.scalar_subquery().is_not(None)
                    ),
                )
                .on_conflict_do_update(
                    index_elements=["scope"], set_={"value": T_SEQUENCES.c.value + 1}
                )
                .returning(T_SEQUENCES.c.value),
                ("SELECT", "rb_loads"): sa.select(
                    T_LOADS.c.reviewer_id, sa.func.sum(T_LOADS.c.steps)
                ).group_by(T_LOADS.c.reviewer_id),
                # a reviewer's count changed by a claim's new holders, in the claim's shard
                ("INSERT", "rb_loads"): dialect_insert(T_LOADS)
                .values(reviewer_id=b("reviewer"), shard=b("shard"), steps=b("steps"))
                .on_conflict_do_update(
                    index_elements=["reviewer_id", "shard"],
                    set_={"steps": T_LOADS.c.steps + sa.literal_column("excluded.steps")},
                ),
                ("UPDATE", "rb_claims"): sa.update(T_CLAIMS)
                .where(claims.id == b("cid"), claims.version == b("expected"))
                .values(
                    number=b("number"),
                    customer_id=b("customer"),
                    state=b("state"),
                    due_at=None,
                    next_check_at=None,
                    version=b("new_version"),
                    format=1,
                    body=b("body", type_=JSON_DOC),
                ),
                ("INSERT", "rb_events"): sa.insert(T_EVENTS),
                ("DELETE", "rb_holdings"): sa.delete(T_HOLDINGS).where(
                    holdings.claim_id == b("cid")
                ),
                # with the claim's work-queue sort key: its due time and position
                ("INSERT", "rb_holdings"): sa.insert(T_HOLDINGS).values(
                    claim_id=b("cid"),
                    reviewer_id=b("reviewer"),
                    steps=b("steps"),
                    due_key=b("due"),
                    position=sa.select(claims.position)
                    .where(claims.id == b("cid"))
                    .scalar_subquery(),
                ),
                ("UPDATE", "rb_holdings"): sa.update(T_HOLDINGS)
                .where(holdings.claim_id == b("cid"))
                .values(due_key=b("due")),
                ("INSERT", "rb_outbox"): dialect_insert(T_OUTBOX)
                .values(outbox_values)
                .on_conflict_do_nothing(index_elements=["key"]),
                ("UPDATE", "rb_outbox"): delivered,
                ("UPDATE", "rb_outbox", "no flush"): delivered.where(
                    no_flush.scalar_subquery().is_not(None)
                ),
            }
            | self._key_statements()
            | self._log_statements()
        )

    def _log_statements(self) -> dict[tuple[str, ...], Any]:
        """A commit's pending log entries, and the sealer's batch: the oldest pending with the
        leaf already holding each, the tree's right edge, the new nodes and leaves, the delete."""
        events, pending = T_LOG_EVENTS.c, T_LOG_PENDING.c
        last = "(SELECT max(idx) FROM rb_log_nodes WHERE level = {})"
        statements: dict[tuple[str, ...], Any] = {
            ("INSERT", "rb_log_pending"): sa.insert(T_LOG_PENDING),
            ("SELECT", "rb_log_pending"): sa.select(
                pending.position, pending.event_id, pending.digest, events.idx
            )
            .select_from(
                T_LOG_PENDING.outerjoin(T_LOG_EVENTS, events.event_id == pending.event_id)
            )
            .order_by(pending.position)
            .limit(SEAL_BATCH),
            # the last node of each level (the sealer needs the edge only), by primary key
            ("WITH", "rb_log_nodes"): sa.text(
                "WITH RECURSIVE edge(level, idx) AS (SELECT 0, "
                + last.format("0")
                + " UNION ALL SELECT e.level + 1, "
                + last.format("e.level + 1")
                + " FROM edge e WHERE e.idx > 0) SELECT e.level, e.idx, n.hash FROM edge e "
                "JOIN rb_log_nodes n ON n.level = e.level AND n.idx = e.idx"
            ),
            ("INSERT", "rb_log_nodes"): sa.insert(T_LOG_NODES),
            ("INSERT", "rb_log_events"): sa.insert(T_LOG_EVENTS),
            ("DELETE", "rb_log_pending"): sa.delete(T_LOG_PENDING).where(
                pending.position.in_(sa.bindparam("positions", expanding=True))
            ),
        }
        if self.pg:  # sealers take turns, as the library's do
            statements[("LOCK", "rb_log_events")] = sa.text(
                "LOCK TABLE rb_log_events IN EXCLUSIVE MODE"
            )
        return statements

    @staticmethod
    def _pending(claim: FloorClaim, seqs: range) -> list[dict[str, Any]]:
        """The pending log entries of ``claim``'s events ``seqs``: an id and a 32-byte digest."""
        return [
            {"event_id": f"{claim.id}#{n}", "digest": hashlib.sha256(b"%d" % n).digest()}
            for n in seqs
        ]

    def seal(self, connection: sa.Connection) -> None:
        """The sealer, as the library runs it: batches of the oldest pending entries, each a
        transaction, appended to the RFC 9162 tree (every complete subtree's hash kept)."""
        s = self.statements
        while True:
            connection.info["write"] = True  # BEGIN IMMEDIATE on SQLite
            with connection.begin():
                if self.pg:
                    connection.execute(s[("LOCK", "rb_log_events")])
                rows = connection.execute(s[("SELECT", "rb_log_pending")]).all()
                if rows:
                    self._append(connection, rows)
            if len(rows) < SEAL_BATCH:
                return

    def _append(self, connection: sa.Connection, rows: Sequence[Any]) -> None:
        s = self.statements
        edge = connection.execute(s[("WITH", "rb_log_nodes")]).all()
        size = next((int(idx) + 1 for level, idx, _ in edge if level == 0), 0)
        known = {(int(level), int(idx)): bytes(value) for level, idx, value in edge}
        nodes, leaves = [], []
        for row in rows:
            value = hashlib.sha256(b"\x00" + bytes(row.digest)).digest()
            level, at = 0, size
            known[(0, at)] = value
            nodes.append({"level": 0, "idx": at, "hash": value})
            leaves.append({"idx": size, "event_id": row.event_id})
            while at & 1:  # a right child completes its parent
                value = hashlib.sha256(b"\x01" + known[(level, at - 1)] + value).digest()
                level, at = level + 1, at >> 1
                known[(level, at)] = value
                nodes.append({"level": level, "idx": at, "hash": value})
            size += 1
        connection.execute(s[("INSERT", "rb_log_nodes")], nodes)
        connection.execute(s[("INSERT", "rb_log_events")], leaves)
        connection.execute(
            s[("DELETE", "rb_log_pending")], {"positions": [r.position for r in rows]}
        )

    def _key_statements(self) -> dict[tuple[str, ...], Any]:
        """The duplicate index: a look-up by each key (with the match's claim number),
        the claim's key rows written and forgotten."""
        b = sa.bindparam
        files, expenses, images = T_FILE_KEYS.c, T_EXPENSE_KEYS.c, T_IMAGE_KEYS.c

        def matches(table: Any, *extra: Any) -> Any:
            number = sa.select(T_CLAIMS.c.number).where(T_CLAIMS.c.id == table.c.claim_id)
            return sa.select(table.c.claim_id, number.scalar_subquery(), table.c.line_id, *extra)

        statements: dict[tuple[str, ...], Any] = {
            ("SELECT", "rb_file_keys"): matches(T_FILE_KEYS, files.attachment_id)
            .where(files.sha256 == b("sha256"))
            .limit(20),
            ("SELECT", "rb_expense_keys"): matches(T_EXPENSE_KEYS)
            .where(
                expenses.provider == b("provider"),
                expenses.currency == "EUR",
                expenses.incurred_on.between(b("day"), b("day")),
                expenses.amount.between(b("amount"), b("amount")),
            )
            .limit(20),
            ("SELECT", "rb_image_keys"): matches(T_IMAGE_KEYS, images.attachment_id, images.phash)
            .where(
                sa.or_(*(images[f"band{i}"].in_(b(f"band{i}", expanding=True)) for i in range(4)))
            )
            .limit(10_000),
        }
        for name, table in KEY_TABLES.items():
            statements[("INSERT", name)] = sa.insert(table)
            statements[("DELETE", name)] = sa.delete(table).where(table.c.claim_id == b("cid"))
        return statements

    @staticmethod
    def _key(claim: FloorClaim, n: int) -> dict[str, Any]:
        """Key ``n`` of ``claim``: one of its own, found in no other claim."""
        phash = (claim.index * 4 + n) * 0x0001_0001_0001_0001
        return {
            "claim_id": claim.id,
            "line_id": f"L{n + 1}",
            "attachment_id": f"D{n + 1}",
            "sha256": f"{claim.index:032x}{n:032x}",
            "provider": "city pharmacy",
            "currency": "EUR",
            "incurred_on": "2026-01-02",
            "amount": claim.index * 10 + n,
            "phash": f"{phash:016x}",
            **{f"band{i}": (phash >> (16 * i)) & 0xFFFF for i in range(4)},
        }

    @functools.cache  # noqa: B019 (one floor per process, a handful of sizes)
    def _saving(self, count: int) -> Any:
        """PostgreSQL: the version-checked UPDATE and ``count`` events in one statement."""
        saved = self.statements[("UPDATE", "rb_claims")].returning(T_CLAIMS.c.id).cte()
        types = {"seq": sa.Integer(), "type": sa.Text(), "at": sa.DateTime(timezone=True)}
        types["body"] = ORDERED_DOC
        rows = sa.union_all(
            *(
                sa.select(*(sa.bindparam(f"{n}_{i}", type_=types[n]) for n in _EVENT_FIELDS))
                for i in range(count)
            )
        ).subquery()
        select = sa.select(saved.c.id, *rows.c).select_from(saved.join(rows, sa.true()))
        entries = sa.union_all(
            *(
                sa.select(
                    sa.bindparam(f"eid_{i}", type_=sa.Text()),
                    sa.bindparam(f"digest_{i}", type_=sa.LargeBinary()),
                )
                for i in range(count)
            )
        ).subquery()
        logged = (
            sa.insert(T_LOG_PENDING)
            .from_select(
                ["event_id", "digest"],
                sa.select(*entries.c).select_from(saved.join(entries, sa.true())),
            )
            .cte("logged")
        )
        return (
            sa.insert(T_EVENTS)
            .from_select(["claim_id", *_EVENT_FIELDS], select)
            .returning(T_EVENTS.c.seq)
            .add_cte(logged)
        )

    def _now(self) -> Any:
        self.clock += timedelta(milliseconds=1)
        if self.pg:
            return self.clock
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")

    def _event(self, claim: FloorClaim, seq: int, kind: str) -> dict[str, Any]:
        at = self._now()
        return {
            "claim_id": claim.id,
            "seq": seq,
            "type": kind,
            "at": at,
            "body": {
                "seq": seq,
                "type": kind,
                "claim_id": claim.id,
                "actor": claim.customer,
                "role": "customer",
                "at": str(at),
                "from_state": "draft",
                "to_state": kind,
                "reason": None,
                "data": {"number": claim.number, "claimed": "162.50 EUR"},
                "visibility": "customer",
            },
        }

    def _position(self, table: Any) -> Any:
        return sa.select(sa.func.coalesce(sa.func.max(table.c.position), 0) + 1).scalar_subquery()

    def prepare(self) -> None:
        """The drafts, untimed: a row and its first event each."""
        with self.engine.connect() as connection:
            for claim in self.claims:
                values: dict[str, Any] = {
                    "id": claim.id,
                    "customer_id": claim.customer,
                    "state": "draft",
                    "version": 1,
                    "format": 1,
                    "body": {**self.body, "id": claim.id},
                }
                if not self.pg:
                    values["position"] = self._position(T_CLAIMS)
                connection.info["write"] = True
                with connection.begin():
                    connection.execute(sa.insert(T_CLAIMS).values(values))
                    connection.execute(sa.insert(T_EVENTS), [self._event(claim, 1, "draft")])
                    connection.execute(
                        self.statements[("INSERT", "rb_log_pending")],
                        self._pending(claim, range(1, 2)),
                    )

    def run(self) -> None:
        with self.engine.connect() as connection, self.engine.connect() as autocommit:
            autocommit = autocommit.execution_options(isolation_level="AUTOCOMMIT")
            for claim in self.claims:
                for call in self.plan:
                    self._call(connection, autocommit, claim, call)
            self.seal(connection)  # as the library's run ends: every event in the log

    def _call(
        self, connection: sa.Connection, autocommit: sa.Connection, claim: FloorClaim, call: Call
    ) -> None:
        events = sum(op.rows for t in call for op in t if (op.verb, op.table) in _EVENTS)
        leased: list[str] = []
        for transaction in call:
            if all(op.autocommit for op in transaction):  # each statement commits itself
                for op in transaction:
                    autocommit.info["write"] = "autocommit"  # no BEGIN on SQLite
                    leased = self._op(autocommit, claim, op, events, leased)
                    autocommit.commit()
                continue
            if any(op.verb != "SELECT" for op in transaction):
                connection.info["write"] = True  # BEGIN IMMEDIATE on SQLite
            with connection.begin():
                for op in transaction:
                    leased = self._op(connection, claim, op, events, leased)

    def _op(
        self, c: sa.Connection, claim: FloorClaim, op: Op, events: int, leased: list[str]
    ) -> list[str]:
        """Run the plan's statement ``op`` for ``claim``; the outbox keys leased so far."""
        kind = (op.verb, op.table)
        if kind == ("WITH", "rb_claims"):
            statement = self._saving(op.rows)
        else:
            statement = self.statements.get((*kind, "no flush") if op.no_flush else kind)
        if statement is None:
            raise NotImplementedError(f"the floor has no statement like the library's {op}")
        if kind == ("SELECT", "rb_claims"):
            c.execute(statement, {"cid": claim.id, "cached": claim.version}).one()
        elif kind == ("INSERT", "rb_log_pending"):  # after the events: the version is theirs
            c.execute(
                statement,
                self._pending(claim, range(claim.version - op.rows + 1, claim.version + 1)),
            )
        elif kind == ("SELECT", "rb_events"):
            c.execute(statement, {"ids": [claim.id]}).all()
        elif kind == ("INSERT", "rb_sequences"):
            value = c.execute(statement, {"scope": "CLM-2026"}).scalar_one()
            claim.number = f"CLM-2026-{value:06d}"
        elif kind == ("SELECT", "rb_loads"):
            c.execute(statement).all()
        elif kind == ("INSERT", "rb_loads"):
            # the claim's shard and reviewers spread as the library's are (a lock per row)
            spread = zlib.crc32(claim.id.encode())
            rows = [
                {"reviewer": f"r{(spread + n) % len(REVIEWERS)}", "shard": spread % 8, "steps": 1}
                for n in range(op.rows)
            ]
            c.execute(statement, rows)
        elif kind in (("UPDATE", "rb_claims"), ("WITH", "rb_claims")):
            parameters = {
                "cid": claim.id,
                "expected": claim.version,
                "number": claim.number,
                "customer": claim.customer,
                "state": "next",
                "new_version": claim.version + events,
                "body": {**self.body, "id": claim.id, "number": claim.number, "state": "next"},
            }
            if kind == ("UPDATE", "rb_claims"):
                saved = c.execute(statement, parameters).rowcount == 1
            else:  # and its events and their pending log entries, in the same statement
                entries = self._pending(
                    claim, range(claim.version + 1, claim.version + op.rows + 1)
                )
                for n in range(op.rows):
                    event = self._event(claim, claim.version + n + 1, "step")
                    parameters |= {f"{name}_{n}": event[name] for name in _EVENT_FIELDS}
                    parameters |= {f"eid_{n}": entries[n]["event_id"]}
                    parameters |= {f"digest_{n}": entries[n]["digest"]}
                saved = len(c.execute(statement, parameters).all()) == op.rows
                claim.version += op.rows
            if not saved:
                raise RuntimeError(f"floor: {claim.id} is not at version {claim.version}")
        elif kind == ("INSERT", "rb_events"):
            rows = [self._event(claim, claim.version + n, "step") for n in range(1, op.rows + 1)]
            c.execute(statement, rows)
            claim.version += op.rows
        elif op.verb == "DELETE":  # rb_holdings or a duplicate key table
            c.execute(statement, {"cid": claim.id})
        elif kind == ("INSERT", "rb_holdings"):
            rows = [
                {"cid": claim.id, "reviewer": f"r{n}", "steps": 1, "due": self._now()}
                for n in range(op.rows)
            ]
            c.execute(statement, rows)
        elif kind == ("UPDATE", "rb_holdings"):
            c.execute(statement, {"cid": claim.id, "due": self._now()})
        elif op.table in KEY_TABLES and op.verb == "SELECT" and op.rows > 1:
            keys = [self._key(claim, claim.lookups + n) for n in range(op.rows)]  # one statement
            claim.lookups += op.rows
            parameters = {f"{k}_{n}": key[k] for n, key in enumerate(keys) for k in ("provider",)}
            parameters |= {f"day_{n}": key["incurred_on"] for n, key in enumerate(keys)}
            parameters |= {f"amount_{n}": key["amount"] for n, key in enumerate(keys)}
            c.execute(_expense_lookups(op.rows), parameters).all()
        elif op.table in KEY_TABLES and op.verb == "SELECT":
            key = self._key(claim, claim.lookups)
            claim.lookups += 1
            key |= {f"band{i}": [key[f"band{i}"]] for i in range(4)}
            c.execute(statement, {"day": key["incurred_on"], **key}).all()
        elif op.table in KEY_TABLES:  # INSERT: the claim's keys, as many as the library's
            columns = KEY_TABLES[op.table].c.keys()
            rows = [self._key(claim, n) for n in range(op.rows)]
            c.execute(statement, [{k: row[k] for k in columns} for row in rows])
        elif kind == ("INSERT", "rb_outbox"):  # queued leased, as the commit leases them
            until = self._now()
            rows = []
            for _ in range(op.rows):
                key = f"{claim.id}#{len(claim.outbox) + 1}"
                claim.outbox.append(key)
                body = {"key": key, "claim_id": claim.id, "subject": "Claim", "body": "x" * 80}
                rows.append({"key": key, "cid": claim.id, "until": until, "body": body})
                leased.append(key)
            c.execute(statement, rows)
        else:  # ("UPDATE", "rb_outbox"): delivered
            c.execute(statement, {"keys": leased or claim.outbox[-1:]})
            leased = []
        return leased

    def close(self) -> None:
        self.engine.dispose()


# -- the peer: eventsourcing -------------------------------------------------------------


class PeerClaim(Aggregate):
    """A claim as an eventsourcing aggregate: eight events, as the desk records."""

    @event("Started")
    def __init__(self, customer_id: str, lines: list[dict[str, str]]) -> None:
        self.customer_id = customer_id
        self.lines = lines
        self.state = "draft"
        self.number: str | None = None
        self.assignee: str | None = None
        self.payment: dict[str, str] | None = None

    @event("Submitted")
    def submit(self, number: str, claimed: str) -> None:
        self.number, self.state = number, "submitted"

    @event("Assigned")
    def assign(self, reviewer: str, policy: str) -> None:
        self.assignee, self.state = reviewer, "in_review"

    @event("Approved")
    def approve(self, actor: str, approved: str) -> None:
        self.state = "approved"

    @event("PaymentRequested")
    def request_payment(self, amount: str, payee: str, idempotency_key: str) -> None:
        self.payment = {"amount": amount, "payee": payee, "key": idempotency_key}
        self.state = "payment_requested"

    @event("PaymentApproved")
    def approve_payment(self, actor: str) -> None:
        self.state = "payment_approved"

    @event("PaymentSent")
    def send_payment(self, actor: str, reference: str) -> None:
        self.state = "payment_sent"

    @event("Paid")
    def confirm_payment(self, reference: str) -> None:
        self.state = "paid"


def peer_env(target: Target, folder: str) -> dict[str, str]:
    if not target.is_pg:
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": folder}
    url = sa.make_url(target.url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(url.database),
        "POSTGRES_HOST": str(url.host),
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": str(url.username),
        "POSTGRES_PASSWORD": str(url.password or ""),
        "POSTGRES_SCHEMA": str(target.schema),
    }


class PeerRun:
    """eventsourcing: drafts saved untimed; per call a ``get`` and one ``save``."""

    def __init__(self, target: Target, worker: int, count: int) -> None:
        self.app = Application(env=peer_env(target, target.documents + ".peer.db"))
        self.count = count
        self.customers = [f"c{(worker * count + i) % CUSTOMERS}" for i in range(count)]
        self.ids: list[Any] = []
        self.lines = [{"category": x.category, "amount": str(x.amount)} for x in LINES]

    def prepare(self) -> None:
        for customer in self.customers:
            claim = PeerClaim(customer, self.lines)
            self.app.save(claim)
            self.ids.append(claim.id)

    def run(self) -> None:
        app, get = self.app, self.app.repository.get
        for n, claim_id in enumerate(self.ids, 1):
            claim = get(claim_id)
            claim.submit(f"CLM-2026-{n:06d}", "162.50 EUR")
            claim.assign(REVIEWERS[n % len(REVIEWERS)], "round_robin")
            app.save(claim)
            claim = get(claim_id)
            claim.approve(claim.assignee or "", "162.50 EUR")
            claim.request_payment("162.50 EUR", "IBAN", f"{claim_id}:1")
            app.save(claim)
            claim = get(claim_id)
            claim.approve_payment(FINANCE.id)
            app.save(claim)
            claim = get(claim_id)
            claim.send_payment(FINANCE.id, f"PAY-{n:08d}")
            claim.confirm_payment(f"PAY-{n:08d}")
            app.save(claim)
            assert claim.state == "paid"

    def close(self) -> None:
        self.app.close()


# -- running workers ---------------------------------------------------------------------


def _peer_synchronous_normal() -> None:
    """Give this process's eventsourcing SQLite connections ``PRAGMA synchronous=NORMAL``.

    Its recorder sets WAL and leaves ``synchronous`` at SQLite's default, FULL
    (an fsync of the WAL at every commit); the library sets NORMAL, the
    setting SQLite documents as safe in WAL mode (no corruption; a power cut
    may lose the last commits). The peer is measured both ways.
    """
    from eventsourcing.sqlite import SQLiteConnectionPool

    create = SQLiteConnectionPool._create_connection

    def normal(pool: Any) -> Any:
        connection = create(pool)
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection

    SQLiteConnectionPool._create_connection = normal  # type: ignore[method-assign]


def _worker(kind: str, target: Target, worker: int, count: int, plan: Any, gate: Any) -> None:
    runner: LibraryRun | FloorRun | PeerRun
    if kind == "library":
        runner = LibraryRun(target, worker, count)
    elif kind == "queued":  # notifications left in the outbox for a dispatcher
        runner = LibraryRun(target, worker, count, QUEUED)
    elif kind == "floor":
        runner = FloorRun(target, worker, count, plan)
    else:
        if kind == "peer_normal":  # like with like: the library's synchronous=NORMAL
            _peer_synchronous_normal()
        runner = PeerRun(target, worker, count)
    runner.prepare()
    gate.wait()  # everyone's drafts are made: the clock starts
    runner.run()
    runner.close()


def claims_per_s(
    kind: str, target: Target, claims: int, workers: int = 1, plan: Any = None
) -> float:
    """Claims per second of ``workers`` spawned processes, wall time of the whole batch."""
    context = multiprocessing.get_context("spawn")
    gate = context.Barrier(workers + 1)
    share = claims // workers
    processes = [
        context.Process(target=_worker, args=(kind, target, w, share, plan, gate))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    gate.wait(timeout=3600)
    start = time.perf_counter()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - start
    if any(p.exitcode != 0 for p in processes):
        raise RuntimeError(
            f"a {kind} worker failed (exit codes {[p.exitcode for p in processes]})"
        )
    return share * workers / elapsed


def lifecycle(
    databases: Databases, pg: bool, claims: int, repeat: int, worker_counts: Sequence[int]
) -> dict[str, float]:
    """Claims per second of the library, the floor and the peer; rounds interleaved."""
    name = "pg" if pg else "sqlite"
    trace = trace_library(databases, pg)
    print(f"{name}: the library issues {trace.summary()}")
    print(f"{name}: {trace.sealing_summary(6)}")
    queued = trace_library(databases, pg, QUEUED)
    print(
        f"{name}: with dispatch_immediately=False: {queued.statement_count} statements in "
        f"{queued.transaction_count} transactions per claim"
    )
    one = f"{name}_claims_per_s" + ("_1" if pg else "")
    configs = [
        (f"{name}_claims_per_s" + (f"_{w}" if pg else ""), "library", w) for w in worker_counts
    ]
    configs += [(f"{name}_{kind}_claims_per_s", kind, 1) for kind in ("queued", "floor", "peer")]
    if not pg:  # the peer at the library's synchronous setting too
        configs.append(("sqlite_peer_normal_claims_per_s", "peer_normal", 1))
    if pg and 4 in worker_counts:  # can this machine scale at all? the floor on 4 processes
        configs.append(("pg_floor_claims_per_s_4", "floor", 4))
    runs: dict[str, list[float]] = {key: [] for key, _, _ in configs}
    counter = itertools.count()
    for _ in range(repeat):  # one of each per round, so that the machine's drift hits all
        for key, kind, workers in configs:
            target = fresh(databases, pg, f"{kind}{workers}_{next(counter)}")
            runs[key].append(claims_per_s(kind, target, claims, workers, trace.calls))
    results: dict[str, float] = {
        f"{name}_statements_per_claim": trace.statement_count,
        f"{name}_transactions_per_claim": trace.transaction_count,
    }
    labels = {
        "queued": "library, dispatch_immediately=False",
        "floor": "floor",
        "peer": "peer",
        "peer_normal": "peer with synchronous=NORMAL",
    }
    for key, kind, workers in configs:
        results[key] = statistics.median(runs[key])
        what = labels.get(kind, "library") + f", {workers} process(es)"
        print(f"{name}: {what}: {results[key]:,.0f} claims/s ({_runs(runs[key])})")
    for other, target in (("floor", ">= 0.33"), ("peer", "> 1")):
        ratio = results[one] / results[f"{name}_{other}_claims_per_s"]
        results[f"{name}_vs_{other}"] = ratio
        rounds = [
            a / b for a, b in zip(runs[one], runs[f"{name}_{other}_claims_per_s"], strict=True)
        ]
        print(
            f"{name}: library / {other} {ratio:.2f} (target {target}; per round: "
            + ", ".join(f"{r:.2f}" for r in rounds)
            + ")"
        )
    if not pg:
        ratio = results[one] / results["sqlite_peer_normal_claims_per_s"]
        results["sqlite_vs_peer_normal"] = ratio
        print(f"sqlite: library / peer with synchronous=NORMAL {ratio:.2f}")
    if pg and 4 in worker_counts:
        results["pg_scaling_4_vs_1"] = results["pg_claims_per_s_4"] / results[one]
        results["pg_floor_scaling_4_vs_1"] = (
            results["pg_floor_claims_per_s_4"] / results["pg_floor_claims_per_s"]
        )
        print(
            f"pg: 4 workers / 1 worker {results['pg_scaling_4_vs_1']:.2f} (target >= 1.5); "
            f"the floor's own: {results['pg_floor_scaling_4_vs_1']:.2f}"
        )
    return results


def _runs(runs: Sequence[float]) -> str:
    return "runs: " + ", ".join(f"{r:,.0f}" for r in runs)


# -- lookups over many stored claims -----------------------------------------------------

IN_REVIEW_SHARE = 4  # every fourth stored claim is in review, held by a reviewer
STORED_REVIEWERS = 1000
HELD_PER_REVIEWER = 250  # fewer reviewers for fewer stored claims, so a page stays full
STORED_CUSTOMERS = 100_000
BATCH = 10_000
TEMPLATE = {"id": "TPLCLAIM", "customer": "TPLCUST", "reviewer": "TPLREV"}


@dataclass
class Template:
    """The rows of one real claim, as text, with its id, number, customer, reviewer to replace."""

    number: str
    claim: dict[str, Any]
    body: str
    events: list[dict[str, Any]]
    items: list[dict[str, Any]]
    holdings: list[dict[str, Any]]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def templates(target: Target) -> tuple[Template, Template]:
    """One claim in review and one paid, made through the desk, read back as rows, removed."""
    ids = iter(("TPLCLAIMA", "TPLCLAIMB"))
    desk = sql_desk(
        target.url,
        documents=target.documents,
        customers=[
            CustomerProfile(
                "TPLCUST", "Customer", "POL-1", "EUR", payee_account=iban_for("DE", f"{1:018d}")
            )
        ],
        reviewers=["TPLREV"],
        settings=SETTINGS,
        new_id=lambda: next(ids),
    )
    customer = Actor.customer("TPLCUST")
    review = desk.submit(customer, desk.start_draft(customer, lines_for(0)).id)
    paid = desk.submit(customer, desk.start_draft(customer, lines_for(1)).id)
    desk.approve(Actor.reviewer("TPLREV"), paid.id)
    desk.approve_payment(FINANCE, paid.id)
    desk.pay(FINANCE, paid.id)
    desk.close()
    engine = sa.create_engine(target.url)
    out = []
    with engine.begin() as connection:
        for claim in (review, paid):
            row = connection.execute(
                sa.select(T_CLAIMS.c.id)
                .add_columns(*_plain(T_CLAIMS, "id"))
                .where(T_CLAIMS.c.id == claim.id)
            ).one()
            values = dict(row._mapping)
            events = connection.execute(
                sa.select(*_plain(T_EVENTS)).where(T_EVENTS.c.claim_id == claim.id)
            ).all()
            items = connection.execute(
                sa.select(*_plain(T_ITEMS)).where(T_ITEMS.c.claim_id == claim.id)
            ).all()
            held = connection.execute(
                sa.select(*_plain(T_HOLDINGS)).where(T_HOLDINGS.c.claim_id == claim.id)
            ).all()
            out.append(
                Template(
                    str(claim.number),
                    {k: v for k, v in values.items() if k not in ("body", "position")},
                    _text(values["body"]),
                    [{**e._mapping, "body": _text(e.body)} for e in events],
                    [{**x._mapping, "body": _text(x.body)} for x in items],
                    [dict(h._mapping) for h in held],
                )
            )
            for table in (T_EVENTS, T_ITEMS, T_HOLDINGS, *KEY_TABLES.values()):
                connection.execute(sa.delete(table).where(table.c.claim_id == claim.id))
            connection.execute(sa.delete(T_OUTBOX).where(T_OUTBOX.c.claim_id == claim.id))
            connection.execute(sa.delete(T_CLAIMS).where(T_CLAIMS.c.id == claim.id))
    engine.dispose()
    return out[0], out[1]


def _plain(table: Any, *skip: str) -> list[Any]:
    """The table's columns without their JSON types: documents are read as stored."""
    return [sa.column(c.name) for c in table.c if c.name not in skip]


def _insert(table: Any, columns: Sequence[str], pg: bool, ordered: bool = False) -> Any:
    """An executemany INSERT of text documents (cast to JSONB/JSON on PostgreSQL)."""
    plain = sa.table(table.name, *_plain(table))  # documents bound as the text they are
    values: dict[str, Any] = {name: sa.bindparam(name) for name in columns}
    if pg:
        kind = postgresql.JSON() if ordered else postgresql.JSONB()
        values["body"] = sa.cast(sa.bindparam("body", type_=sa.Text()), kind)
    return sa.insert(plain).values(values)


def stored_id(i: int) -> str:
    return f"s{i:07d}"


def stored_number(i: int) -> str:
    return f"CLM-2026-{i + 1:07d}"


def stored_reviewers(stored: int) -> int:
    return max(1, min(STORED_REVIEWERS, stored // IN_REVIEW_SHARE // HELD_PER_REVIEWER))


NOT_DUE = datetime(9999, 12, 31, tzinfo=UTC)


def _holdings_insert(engine: sa.Engine) -> Any:
    """The INSERT of holdings; from schema 3 on, with their claim's queue sort key."""
    names = {c["name"] for c in sa.inspect(engine).get_columns("rb_holdings")}
    values: dict[str, Any] = {n: sa.bindparam(n) for n in ("claim_id", "reviewer_id", "steps")}
    if {"due_key", "position"} <= names:  # the claim's due time (or NOT_DUE) and position
        values["due_key"] = sa.bindparam("due_key")
        values["position"] = (
            sa.select(T_CLAIMS.c.position)
            .where(T_CLAIMS.c.id == sa.bindparam("claim_id"))
            .scalar_subquery()
        )
    return sa.insert(sa.table("rb_holdings", *map(sa.column, values))).values(values)


def bulk_load(target: Target, stored: int) -> None:
    """``stored`` claims in the library's row format, in transactions of ``BATCH`` claims."""
    review, paid = templates(target)
    pg = target.is_pg
    engine = sa.create_engine(target.url)
    claim_columns = ["id", "number", "customer_id", "state", "due_at", "next_check_at"]
    claim_columns += ["version", "format", "body"] + ([] if pg else ["position"])
    claims = _insert(T_CLAIMS, claim_columns, pg)
    events = _insert(T_EVENTS, ["claim_id", "seq", "type", "at", "body"], pg, ordered=True)
    items = _insert(T_ITEMS, ["claim_id", "list", "idx", "version", "body"], pg)
    holdings = _holdings_insert(engine)
    base = datetime(2026, 12, 1, 9, tzinfo=UTC)
    reviewers = stored_reviewers(stored)
    not_due: Any = NOT_DUE if pg else NOT_DUE.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    started = time.perf_counter()
    with engine.connect() as connection:
        for first in range(0, stored, BATCH):
            claim_rows, event_rows, item_rows, holding_rows = [], [], [], []
            for i in range(first, min(first + BATCH, stored)):
                in_review = i % IN_REVIEW_SHARE == 0
                template = review if in_review else paid
                names = (
                    (TEMPLATE["id"] + ("A" if in_review else "B"), stored_id(i)),
                    (template.number, stored_number(i)),
                    (TEMPLATE["customer"], f"k{i % STORED_CUSTOMERS}"),
                    (TEMPLATE["reviewer"], f"v{(i // IN_REVIEW_SHARE) % reviewers}"),
                )

                def swap(text: str, names: tuple[tuple[str, str], ...] = names) -> str:
                    for old, new in names:
                        text = text.replace(old, new)
                    return text

                due: Any = None
                if in_review:  # as a desk with an SLA policy schedules it
                    at = base + timedelta(minutes=i % 100_000)
                    due = at if pg else at.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
                row = {
                    **template.claim,
                    "id": stored_id(i),
                    "number": stored_number(i),
                    "customer_id": f"k{i % STORED_CUSTOMERS}",
                    "due_at": due,
                    "next_check_at": due,
                    "body": swap(template.body),
                }
                if not pg:
                    row["position"] = i + 1
                claim_rows.append(row)
                for e in template.events:
                    event_rows.append({**e, "claim_id": row["id"], "body": swap(e["body"])})
                for x in template.items:
                    item_rows.append({**x, "claim_id": row["id"], "body": swap(x["body"])})
                for h in template.holdings:
                    holding_rows.append(
                        {
                            **h,
                            "claim_id": row["id"],
                            "reviewer_id": swap(h["reviewer_id"]),
                            "due_key": due if due is not None else not_due,
                        }
                    )
            with connection.begin():
                connection.execute(claims, claim_rows)
                connection.execute(events, event_rows)
                if item_rows:
                    connection.execute(items, item_rows)
                if holding_rows:
                    connection.execute(holdings, holding_rows)
            if first and first % (BATCH * 20) == 0:
                rate = first / (time.perf_counter() - started)
                print(f"  loaded {first:,} claims ({rate:,.0f}/s)", flush=True)
        with connection.begin():  # the reviewers' counts, as upgrade fills them
            connection.exec_driver_sql(
                "INSERT INTO rb_loads (reviewer_id, shard, steps) "
                "SELECT reviewer_id, 0, SUM(steps) FROM rb_holdings GROUP BY reviewer_id"
            )
        if pg:  # what autovacuum does after a bulk load, done now so the plans are settled
            connection.commit()
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"  loaded {stored:,} claims in {time.perf_counter() - started:,.0f} s")


def explain(target: Target, statements: Sequence[tuple[str, Any]]) -> list[str]:
    """The query plan of each captured statement, run with its own parameters."""
    engine = sa.create_engine(target.url)
    lines = []
    prefix = "EXPLAIN " if target.is_pg else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            lines.append("    " + " ".join(statement.split())[:150])
            for row in connection.exec_driver_sql(prefix + statement, parameters):
                plan = row[0] if target.is_pg else str(row[-1])
                lines.append(("      " + plan)[:150])
    engine.dispose()
    return lines


def lookups(databases: Databases, pg: bool, stored: int, samples: int) -> dict[str, float]:
    """Median milliseconds of a primary-key read, a read by number and a work-queue page."""
    name = "pg" if pg else "sqlite"
    target = fresh(databases, pg, "stored")
    print(f"{name}: loading {stored:,} stored claims")
    bulk_load(target, stored)
    store = sql.create(target.url)
    rng = random.Random(9)

    def get() -> None:
        with store.unit_of_work() as uow:
            uow.claims.get(stored_id(rng.randrange(stored)))

    def by_number() -> None:
        with store.unit_of_work() as uow:
            uow.claims.by_number(stored_number(rng.randrange(stored)))

    def queue() -> None:
        reviewer = f"v{rng.randrange(stored_reviewers(stored))}"
        with store.unit_of_work() as uow:
            page = uow.claims.work_queue([reviewer], limit=50)
        assert len(page) == 50, f"{reviewer} holds {len(page)} claims, not 50 or more"

    def open_work() -> None:  # what routing reads at every submission
        with store.unit_of_work() as uow:
            loads = uow.claims.open_work()
        assert len(loads) >= stored_reviewers(stored), f"{len(loads)} reviewers hold work"

    calls = {"pk_lookup": get, "by_number": by_number, "queue_page": queue, "open_work": open_work}
    recorder = Recorder()
    plans: list[str] = []
    with recorder.listening():
        for what, call in calls.items():
            recorder.texts = []
            with recorder.capture():
                call()
            plans.append(f"  {what}:")
            plans.extend(explain(target, recorder.texts))
    timings: dict[str, list[float]] = {what: [] for what in calls}
    for round_ in range(samples + 20):  # interleaved, the first 20 rounds are the warm-up
        for what, call in calls.items():
            start = time.perf_counter()
            call()
            if round_ >= 20:
                timings[what].append((time.perf_counter() - start) * 1000)
    store.close()
    results = {f"{what}_ms": statistics.median(t) for what, t in timings.items()}
    pk = results["pk_lookup_ms"]
    print(f"{name}: over {stored:,} claims, medians of {samples}:")
    for what in calls:
        ms = results[f"{what}_ms"]
        target = "" if what == "open_work" else "; target <= 5x"
        print(f"  {what}: {ms:.3f} ms ({ms / pk:.2f}x the primary-key lookup{target})")
    print(f"{name}: query plans of the statements the adapter issued:")
    print("\n".join(plans))
    results["queue_vs_pk"] = results["queue_page_ms"] / pk
    results["by_number_vs_pk"] = results["by_number_ms"] / pk
    if pg:
        return {f"pg_{k}": v for k, v in results.items()}
    return results


# -- the run -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--claims", type=int, default=800, help="claims per lifecycle run (0: none)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the lifecycle figures")
    parser.add_argument(
        "--stored", type=int, default=1_000_000, help="claims for the lookups (0: none)"
    )
    parser.add_argument("--samples", type=int, default=200, help="timed calls per lookup")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--pg", action="store_true", help="also the lookups on PostgreSQL")
    parser.add_argument("--database", default=PG_URL, help="the PostgreSQL database")
    args = parser.parse_args()

    started = time.perf_counter()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="rb-storage-") as folder:
        databases = Databases(Path(folder), args.database)
        try:
            if args.claims and not args.skip_sqlite:
                results |= lifecycle(databases, False, args.claims, args.repeat, [1])
            if args.claims and not args.skip_pg:
                results |= lifecycle(databases, True, args.claims, args.repeat, [1, 2, 4])
            if args.stored and not args.skip_sqlite:
                results |= lookups(databases, False, args.stored, args.samples)
            if args.stored and args.pg and not args.skip_pg:
                results |= lookups(databases, True, args.stored, args.samples)
        finally:
            databases.drop()
    print(f"whole run: {time.perf_counter() - started:,.0f} s")
    print(
        json.dumps(
            {k: round(v, 3 if k.endswith(("_ms", "_vs_pk")) else 2) for k, v in results.items()}
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
