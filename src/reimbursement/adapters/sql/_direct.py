"""The hot statements of a desk call: compiled once per dialect by Core, run on the driver cursor.

Every statement stays a SQLAlchemy Core construct (the tables of ``_schema``,
the queries built in the modules that use them), compiled by SQLAlchemy for
the connection's dialect. What is skipped is SQLAlchemy's work around each
execution: the compiled cache look-up, an execution context, the parameters
processed through it, a result set built around the cursor. On SQLite that
cost more than the statement itself: about 40 % of a claim's CPU in
``benchmarks/storage.py``. A :class:`Direct` statement is compiled once
per dialect, with the order of its parameters and the type processors of
its parameters and columns (the same ones SQLAlchemy applies: an instant's
UTC text on SQLite, JSONB on PostgreSQL), and run in the connection's
transaction on its driver cursor.

What stays as SQLAlchemy does it:

- the transaction: the statement runs inside the transaction the unit of
  work began (a connection with none falls back to ``Connection.execute``);
- errors: a driver error goes through the connection's own handling, so it
  becomes the same ``sqlalchemy.exc.DBAPIError`` subclass
  (``IntegrityError``, ``OperationalError``), and a lost connection is
  invalidated for the pool to replace, as after ``Connection.execute``;
- the ``before_cursor_execute`` and ``after_cursor_execute`` events fire, with
  the statement and the parameters the driver gets (the execution context is
  ``None``), so tracing listeners count every statement. Listeners registered
  with ``retval=True`` cannot rewrite these statements.

Only statements without expanding (``IN``) parameters and without Python-side
column defaults are accepted: they are refused when compiled.

On PostgreSQL a write transaction keeps what it owes the server in
:class:`Debts` (``Connection.info[DEBTS]``): its ``BEGIN``, and the writes
whose results nobody reads (:meth:`Direct.write`: a claim's holdings, the
reviewers' loads, its duplicate keys, the acknowledgements). Each goes
with the transaction's next statement, in one psycopg pipeline with it (one
round trip for all), or with its ``COMMIT``: a write transaction then costs
a round trip per statement whose result it reads, plus one. The engine's
listeners (:func:`watch`) pay the debts before a ``Connection.execute``
statement and at the commit, and forget them at a rollback and when the
connection goes back to the pool.
"""

from __future__ import annotations

import contextlib
import copy
import operator
import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect

__all__ = ["DEBTS", "Debts", "Direct", "DirectResult", "inserting", "owe_begin", "watch"]

_Processor = Callable[[Any], Any] | None
_NO_DEFAULT: Final = object()

DEBTS: Final = "reimbursement_debts"
"""Key in ``Connection.info`` on PostgreSQL: the write transaction's :class:`Debts`."""


class Debts:
    """What a PostgreSQL write transaction owes the server before its next statement.

    ``begin``: its ``BEGIN`` is not sent yet (a ``BEGIN`` on its own is a
    round trip that tells the server nothing it needs before the first
    statement). ``owed``: writes whose results nobody reads, in order.
    """

    __slots__ = ("begin", "owed")

    def __init__(self) -> None:
        self.begin = True
        self.owed: list[tuple[_Plan, Any, bool]] = []

    def __bool__(self) -> bool:
        return self.begin or bool(self.owed)


class DirectResult:
    """What a :class:`Direct` statement gave: its rows (named tuples) and its rowcount."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def all(self) -> list[Any]:
        return self.rows

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        if len(self.rows) != 1:
            raise (
                sa.exc.NoResultFound("expected one row")
                if not self.rows
                else (sa.exc.MultipleResultsFound("expected one row"))
            )
        return self.rows[0][0]


class _Plan:
    """One statement compiled for one dialect: its SQL, its parameters, its columns."""

    def __init__(self, statement: sa.Executable, dialect: Dialect) -> None:
        # a copy: reading its columns memoizes them, and a statement built from the
        # original later (``_UPDATE.returning(…)``) would inherit that memo with its state
        statement = copy.copy(statement)
        compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a direct statement cannot have expanding parameters")
        if getattr(compiled, "insert_prefetch", None) or getattr(
            compiled, "update_prefetch", None
        ):
            raise ValueError("a direct statement cannot have Python-side column defaults")
        self.sql: str = compiled.string
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        names = compiled.positiontup if dialect.positional else list(compiled.bind_names.values())
        escaped = compiled.escaped_bind_names
        self.positional: bool = dialect.positional
        self.postgres: bool = dialect.name == "postgresql"
        self.binds: list[tuple[str, str, Any, _Processor]] = []
        """Per parameter as the driver takes it: its name there, the caller's key, a fixed
        value (or none) and its type's processor."""
        for name in dict.fromkeys(names):  # a name bound twice is one key of pyformat
            bind = by_name[name]
            fixed = _NO_DEFAULT if bind.required or bind.callable else bind.value
            if bind.callable:
                raise ValueError("a direct statement cannot have callable parameters")
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            self.binds.append((escaped.get(name, name), bind.key, fixed, processor))
        if dialect.positional:  # a name bound twice takes its place twice
            index = {name: i for i, name in enumerate(dict.fromkeys(names))}
            self.binds = [self.binds[index[name]] for name in names]
        plain = all(fixed is _NO_DEFAULT and p is None for _, _, fixed, p in self.binds)
        keys = [key for _, key, _, _ in self.binds]
        self.plain: Callable[[Mapping[str, Any]], Any] | None = None
        """Parameters with neither a default nor a processor: taken by one getter."""
        if plain and dialect.positional:
            self.plain = _getter(keys)
        elif plain:
            named = list(zip([name for name, _, _, _ in self.binds], keys, strict=True))
            self.plain = lambda given: {name: given[key] for name, key in named}
        columns = list(getattr(statement, "exported_columns", ()))
        self.returns_rows = bool(columns)
        self.row: Any = namedtuple("row", [c.key for c in columns], rename=True)  # type: ignore[misc]
        self.results: list[_Processor] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        self.processed = any(p is not None for p in self.results)

    def parameters(self, given: Mapping[str, Any]) -> Any:
        if self.plain is not None:
            return self.plain(given)
        values = []
        for _, key, fixed, processor in self.binds:
            value = given[key] if fixed is _NO_DEFAULT else given.get(key, fixed)
            values.append(value if processor is None else processor(value))
        if self.positional:
            return tuple(values)
        return {bind[0]: value for bind, value in zip(self.binds, values, strict=True)}

    def rows(self, fetched: Sequence[Any]) -> list[Any]:
        make = self.row._make
        if not self.processed:
            return [make(row) for row in fetched]
        results = self.results
        return [
            make([v if p is None else p(v) for p, v in zip(results, row, strict=True)])
            for row in fetched
        ]


class Direct:
    """``statement`` (Core), compiled once per dialect and run on the driver's cursor."""

    def __init__(self, statement: sa.Executable) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            with self._lock:
                plan = self._plans.setdefault(dialect.name, _Plan(self.statement, dialect))
        return plan

    def write(
        self,
        connection: sa.Connection,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    ) -> None:
        """Run a write whose result (rows, rowcount) nobody reads.

        In a PostgreSQL write transaction it is owed (:class:`Debts`): sent
        with the transaction's next statement or its ``COMMIT``, which raise
        the error it meets (the transaction is then aborted, never
        committed). Elsewhere it runs at once, as :meth:`run`.
        """
        debts = connection.info.get(DEBTS) if connection.dialect.name == "postgresql" else None
        if debts is None:
            self.run(connection, parameters)
            return
        plan = self.plan(connection.dialect)
        if isinstance(parameters, Mapping):
            debts.owed.append((plan, plan.parameters(parameters), False))
        else:
            debts.owed.append((plan, [plan.parameters(p) for p in parameters], True))

    def run(
        self,
        connection: sa.Connection,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] = {},
        *,
        last: bool = False,
    ) -> DirectResult:
        """Run with ``parameters`` (a list of them: once per row, ``executemany``).

        ``last``: the transaction's last statement. On PostgreSQL its
        ``COMMIT`` then goes with it, in one pipeline (one round trip for
        both); a statement that fails leaves the transaction aborted, never
        committed, for the caller's rollback. The caller still commits the
        connection (a no-op there, as the server is out of the transaction;
        on SQLite the ``COMMIT`` itself).
        """
        if not connection.in_transaction():  # never: the unit of work began one
            result = connection.execute(self.statement, parameters)
            rows = list(result) if result.returns_rows else []
            return DirectResult(rows, result.rowcount if not result.returns_rows else -1)
        plan = self.plan(connection.dialect)
        if isinstance(parameters, Mapping):
            return _execute(connection, plan, plan.parameters(parameters), False, last)
        return _execute(connection, plan, [plan.parameters(p) for p in parameters], True, last)


def _execute(
    connection: sa.Connection, plan: _Plan, bound: Any, many: bool, last: bool = False
) -> DirectResult:
    dispatch = connection.dispatch
    driver: Any = connection.connection.driver_connection
    # PostgreSQL: what the write transaction owes (Debts) goes with this statement in
    # one pipeline, one round trip for all; so does its COMMIT when this is its last
    # statement (after an error the server skips the rest of the pipeline: the
    # transaction stays aborted, never committed)
    debts = connection.info.get(DEBTS) if plan.postgres else None
    commit = plan.postgres and last
    cursor = None
    try:
        cursor = driver.cursor()
        if debts or commit:
            with driver.pipeline():
                if debts:
                    _pay(connection, dispatch, driver, debts)
                _send(connection, dispatch, cursor, plan, bound, many)
                if commit:
                    driver.execute("COMMIT")
        else:
            _send(connection, dispatch, cursor, plan, bound, many)
        rows = plan.rows(cursor.fetchall()) if plan.returns_rows else []
        result = DirectResult(rows, cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as error:
        # the connection's own handling: the DBAPIError subclass, a lost connection invalidated
        connection._handle_dbapi_exception(error, plan.sql, bound, cursor, None)
    cursor.close()
    return result


def _send(
    connection: sa.Connection, dispatch: Any, cursor: Any, plan: _Plan, bound: Any, many: bool
) -> None:
    """The statement on ``cursor``, between the connection's cursor-execute events."""
    if dispatch.before_cursor_execute:
        dispatch.before_cursor_execute(connection, cursor, plan.sql, bound, None, many)
    if many:
        cursor.executemany(plan.sql, bound)
    else:
        cursor.execute(plan.sql, bound)
    if dispatch.after_cursor_execute:
        dispatch.after_cursor_execute(connection, cursor, plan.sql, bound, None, many)


def _pay(connection: sa.Connection, dispatch: Any, driver: Any, debts: Debts) -> None:
    """Send ``debts`` (inside a pipeline): the ``BEGIN``, then the writes owed, in order."""
    if debts.begin:
        driver.execute("BEGIN")
        debts.begin = False
    owed, debts.owed = debts.owed, []
    if owed:
        cursor = driver.cursor()
        for plan, bound, many in owed:
            _send(connection, dispatch, cursor, plan, bound, many)


def owe_begin(connection: sa.Connection) -> None:
    """PostgreSQL: a write transaction begins; its ``BEGIN`` goes with its first statement."""
    connection.info[DEBTS] = Debts()


def _settle(connection: sa.Connection, commit: bool) -> None:
    """Pay the debts in one pipeline, with the ``COMMIT`` if ``commit``.

    At a commit, a transaction that owes only its ``BEGIN`` wrote nothing:
    nothing is sent (psycopg's own commit sends nothing either).
    """
    debts = connection.info.get(DEBTS)
    if not debts or (commit and not debts.owed):
        return
    driver: Any = connection.connection.driver_connection
    try:
        with driver.pipeline():
            _pay(connection, connection.dispatch, driver, debts)
            if commit:
                driver.execute("COMMIT")  # psycopg's own commit then has nothing to send
    except connection.dialect.loaded_dbapi.Error as error:
        if commit:  # SQLAlchemy takes the transaction for ended: end it on the server too
            with contextlib.suppress(connection.dialect.loaded_dbapi.Error):
                driver.rollback()
        statement = "COMMIT" if commit else "BEGIN"
        connection._handle_dbapi_exception(error, statement, None, None, None)


def _before_execute(connection: sa.Connection, *_: Any) -> None:
    """Before a ``Connection.execute`` statement: what the transaction owes, first."""
    _settle(connection, commit=False)


def _on_commit(connection: sa.Connection) -> None:
    """The connection commits (the engine's ``commit`` event, before its ``COMMIT``)."""
    if not connection.invalidated:  # else its info goes with the DBAPI connection
        try:
            _settle(connection, commit=True)
        finally:
            connection.info.pop(DEBTS, None)


def _forget(connection: sa.Connection) -> None:
    """The connection rolls back: nothing owed is sent."""
    if not connection.invalidated:
        connection.info.pop(DEBTS, None)


def _checked_in(dbapi_connection: Any, record: Any) -> None:
    """A connection back in the pool owes nothing (a rollback the pool did without events)."""
    if record is not None:
        record.info.pop(DEBTS, None)


def watch(engine: sa.Engine) -> None:
    """Listen on a PostgreSQL ``engine`` for the moments :class:`Debts` are paid or forgotten."""
    if not event.contains(engine, "before_execute", _before_execute):
        event.listen(engine, "before_execute", _before_execute)
        event.listen(engine, "commit", _on_commit)
        event.listen(engine, "rollback", _forget)
        event.listen(engine, "checkin", _checked_in)


def _getter(keys: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The values of ``keys`` in a mapping, as a tuple (positional parameters)."""
    if len(keys) > 1:
        return operator.itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda given: (given[key],)
    return lambda given: ()


def inserting(table: sa.Table, names: Sequence[str] | None = None) -> Direct:
    """A direct ``INSERT`` into ``table`` of the columns ``names`` (all: None), bound by name."""
    columns = [table.c[name] for name in names] if names is not None else list(table.c)
    return Direct(
        table.insert().values({c.name: sa.bindparam(c.name, type_=c.type) for c in columns})
    )
