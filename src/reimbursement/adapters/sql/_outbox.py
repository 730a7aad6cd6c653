"""The transactional outbox on ``rb_outbox``: added with the claim, leased by dispatchers.

:class:`SqlOutbox` stages a unit of work's notifications and inserts them on
its commit (``ON CONFLICT (key) DO NOTHING``: a key already queued is kept
once, as first queued). :class:`SqlOutboxQueue` is the dispatcher's side:
each call is its own short transaction. On PostgreSQL a batch is leased with
``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent dispatchers never lease
one message twice; on SQLite each call takes the single write lock.

``mark_delivered`` writes nothing at once: the keys wait in the queue and
are marked in the next transaction that writes anyway (see
``_acknowledgements``). The other acknowledgements (failed, deferred,
parked) are single statements, each its own transaction; on PostgreSQL their
commit does not wait for the WAL flush: losing one to a server crash only
means the message is delivered again (a requeue stays durable).

A message no dispatcher can read (a corrupted row) is parked as it is
leased, with the error as its reason, so that it does not come back in
every batch with the messages behind it.

A message is leasable when it is the oldest pending message of its claim
(so a claim's notifications go out in order, one at a time), its lease (if
any) has ended and its retry time (if any) has come. A deferred message
(status ``deferred``, held for the customer's quiet hours until ``retry_at``)
is out of its claim's line: the claim's later messages pass it. Each lease
first puts the deferred messages whose time has come back to ``pending``,
where their position puts them ahead of the later ones again (no schema
change: ``status`` is text; stores of schema 2 and later read it).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...errors import StoredDataError, ValidationError
from ...ports import Notification, OutboxMessage
from ...serialization import from_data, parse_json, to_data
from ._acknowledgements import DELIVERED_STATEMENT, Acknowledgements, write_acknowledgements
from ._direct import Direct
from ._engine import autocommit, begin, guard, is_postgres
from ._schema import OUTBOX, AnyRow, Instant

__all__ = ["SqlOutbox", "SqlOutboxQueue", "insert_staged"]

log = logging.getLogger("reimbursement.outbox")

PENDING: Final = "pending"
DEFERRED: Final = "deferred"
"""Pending, out of its claim's line until ``retry_at`` (quiet hours): see ``OutboxQueue.defer``."""
PARKED: Final = "parked"


class SqlOutbox:
    """:class:`~reimbursement.ports.Outbox` of one unit of work: staged until its commit."""

    def __init__(self) -> None:
        self.staged: dict[str, Notification] = {}
        self.until: datetime | None = None
        self.leased: Sequence[Notification] = ()

    def add(self, notification: Notification) -> None:
        self.staged.setdefault(notification.key, notification)

    def lease_on_commit(self, until: datetime) -> None:
        self.until = until.astimezone(UTC)


def insert_staged(
    connection: sa.Connection,
    notifications: Sequence[Notification],
    until: datetime | None,
    *,
    last: bool = False,
) -> list[Notification]:
    """Queue ``notifications`` in the unit of work's transaction; known keys stay as they are.

    With ``until``, the new messages of each claim that has nothing pending
    are inserted leased until then, and returned: one ``INSERT … SELECT``
    whose rows each check the claim's pending messages as they were before
    it (a statement does not see its own rows: PostgreSQL by its snapshot,
    SQLite by computing the SELECT first, as it reads the table it fills).
    The claim's row, saved earlier in this transaction, is locked until its commit, so no
    other unit of work queues for that claim in between. ``last``: see ``Direct.run``.
    """
    if not notifications:
        return []
    dialect = connection.dialect.name
    if until is None:
        rows = [
            {
                "key": notification.key,
                "claim_id": notification.claim_id,
                "status": PENDING,
                "attempts": 0,
                "leased_until": None,
                "body": to_data(notification),
            }
            for notification in notifications
        ]
        _QUEUE[dialect].run(connection, rows, last=last)
        return []
    parameters: dict[str, Any] = {"until": until}
    for i, notification in enumerate(notifications):
        parameters |= {
            f"key_{i}": notification.key,
            f"claim_{i}": notification.claim_id,
            f"body_{i}": to_data(notification),
        }
    queued = _leasing(dialect, len(notifications)).run(connection, parameters, last=last).all()
    leased = {row.key for row in queued if row.leased_until is not None}
    return [notification for notification in notifications if notification.key in leased]


@functools.lru_cache(maxsize=64)
def _leasing(dialect: str, count: int) -> Direct:
    """The INSERT of ``count`` staged messages, leased when their claim has nothing pending.

    Built once per dialect and number of messages (a desk call queues one or
    two), bound per commit; it returns the rows it inserted (not the keys
    already queued) with their lease.
    """
    staged_rows = [
        sa.select(
            sa.bindparam(f"key_{i}", type_=sa.Text()).label("key"),
            sa.bindparam(f"claim_{i}", type_=sa.Text()).label("claim_id"),
            sa.literal(i + 1, sa.Integer()).label("ordinal"),
            sa.bindparam(f"body_{i}", type_=OUTBOX.c.body.type).label("body"),
        )
        for i in range(count)
    ]
    staged = (staged_rows[0] if count == 1 else sa.union_all(*staged_rows)).subquery("staged")
    queued = OUTBOX.alias("queued")
    # LIMIT 1 rather than EXISTS: PostgreSQL plans the EXISTS as a hash of every pending row
    waiting = (
        sa.select(queued.c.position)
        .where(queued.c.claim_id == staged.c.claim_id, queued.c.status == PENDING)
        .limit(1)
        .scalar_subquery()
    )
    columns: dict[str, Any] = {
        "key": staged.c.key,
        "claim_id": staged.c.claim_id,
        "status": sa.literal(PENDING, sa.Text()),
        "attempts": sa.literal(0, sa.Integer()),
        "leased_until": sa.case(
            (waiting.is_(None), sa.bindparam("until", type_=Instant())), else_=None
        ),
        "body": staged.c.body,
    }
    if dialect == "sqlite":  # one writer: the positions after the last one are free
        last = sa.select(sa.func.coalesce(sa.func.max(queued.c.position), 0)).scalar_subquery()
        columns["position"] = last + staged.c.ordinal
    # WHERE true: SQLite would read ON CONFLICT as a join constraint of the SELECT without it
    select = sa.select(*(column.label(name) for name, column in columns.items())).where(sa.true())
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return Direct(
        insert(OUTBOX)
        .from_select(list(columns), select)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OUTBOX.c.key, OUTBOX.c.leased_until)
    )


# one writer on SQLite: the next position is free; PostgreSQL numbers them itself
_QUEUED: Final[dict[str, sa.BindParameter[Any]]] = {
    name: sa.bindparam(name)
    for name in ("key", "claim_id", "status", "attempts", "leased_until", "body")
}
_QUEUE: Final = {
    "postgresql": Direct(
        postgresql.insert(OUTBOX).values(**_QUEUED).on_conflict_do_nothing(index_elements=["key"])
    ),
    "sqlite": Direct(
        sqlite.insert(OUTBOX)
        .values(
            **_QUEUED,
            position=sa.select(
                sa.func.coalesce(sa.func.max(OUTBOX.c.position), 0) + 1
            ).scalar_subquery(),
        )
        .on_conflict_do_nothing(index_elements=["key"])
    ),
}


def _message(row: AnyRow) -> OutboxMessage:
    body = row.body
    try:
        notification = from_data(parse_json(body), Notification)  # the wire's own limits
    except ValidationError as error:
        raise StoredDataError(
            f"outbox message {row.key}: its stored notification is not valid: {error}"
        ) from error
    return OutboxMessage(notification, row.attempts, row.last_error)


_COLUMNS: Final = (OUTBOX.c.key, OUTBOX.c.body, OUTBOX.c.attempts, OUTBOX.c.last_error)

# Built once, executed with parameters: building a Core statement costs more than
# running it on SQLite, and these run for every notification.
_EARLIER = OUTBOX.alias("earlier")
_HEADS: Final = (
    sa.select(*_COLUMNS)
    .where(
        OUTBOX.c.status == PENDING,
        sa.or_(OUTBOX.c.leased_until.is_(None), OUTBOX.c.leased_until <= sa.bindparam("now")),
        sa.or_(OUTBOX.c.retry_at.is_(None), OUTBOX.c.retry_at <= sa.bindparam("now")),
        ~sa.exists().where(
            _EARLIER.c.claim_id == OUTBOX.c.claim_id,
            _EARLIER.c.status == PENDING,
            _EARLIER.c.position < OUTBOX.c.position,
        ),
    )
    .order_by(OUTBOX.c.position)
)
_LEASE: Final = (
    OUTBOX.update()
    .where(OUTBOX.c.key.in_(sa.bindparam("keys", expanding=True)))
    .values(leased_until=sa.bindparam("until"))
)
_FAILED: Final = (
    OUTBOX.update()
    .where(OUTBOX.c.key == sa.bindparam("the_key"), OUTBOX.c.status == PENDING)
    .values(
        attempts=OUTBOX.c.attempts + 1,
        last_error=sa.bindparam("reason"),
        retry_at=sa.bindparam("retry", type_=OUTBOX.c.retry_at.type),
        leased_until=None,
    )
)
_DEFER: Final = (
    OUTBOX.update()
    .where(OUTBOX.c.key == sa.bindparam("the_key"), OUTBOX.c.status == PENDING)
    .values(
        status=DEFERRED,
        last_error=sa.bindparam("reason"),
        retry_at=sa.bindparam("retry", type_=OUTBOX.c.retry_at.type),
        leased_until=None,
    )
)
_WAKE: Final = (
    OUTBOX.update()
    .where(OUTBOX.c.status == DEFERRED, OUTBOX.c.retry_at <= sa.bindparam("now"))
    .values(status=PENDING)
)
_PARK: Final = (
    OUTBOX.update()
    .where(OUTBOX.c.key == sa.bindparam("the_key"), OUTBOX.c.status.in_((PENDING, DEFERRED)))
    .values(status=PARKED, last_error=sa.bindparam("reason"), leased_until=None)
)

# An acknowledgement on PostgreSQL is one statement in autocommit whose commit does not
# wait for the WAL flush: set_config(..., true) is local to the statement's own
# transaction. Lost in a server crash, it only lets the message be delivered again,
# which at-least-once delivery and the dedupe key allow; any later durable commit
# flushes it too (the WAL is written in order).
_NO_FLUSH: Final = sa.select(
    sa.func.set_config("synchronous_commit", "off", sa.true())
).scalar_subquery()
_ACKNOWLEDGE_SQLITE: Final = {
    "delivered": DELIVERED_STATEMENT,
    "failed": _FAILED,
    "defer": _DEFER,
    "park": _PARK,
}
_ACKNOWLEDGE_PG: Final = {
    name: statement.where(_NO_FLUSH.is_not(None))
    for name, statement in _ACKNOWLEDGE_SQLITE.items()
}


class SqlOutboxQueue:
    """:class:`~reimbursement.ports.OutboxQueue` on ``rb_outbox``; thread-safe, many processes."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.acknowledgements = Acknowledgements()
        """Delivered keys not yet marked: see the module's docstring."""

    def flush(self) -> None:
        """Mark the delivered keys still waiting, in a transaction of their own (if any).

        What closing the store does; every other call of the queue does it first.
        """
        keys = self.acknowledgements.take()
        if not keys:
            return
        try:
            self._acknowledge("mark outbox messages delivered", "delivered", {"keys": keys})
        except BaseException:
            self.acknowledgements.give_back(keys)
            raise

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sa.Connection]:
        """A write transaction that marks the waiting delivered keys first."""
        keys = self.acknowledgements.take()
        try:
            with guard(self.engine, action), self.engine.connect() as connection:
                begin(connection, write=True)
                write_acknowledgements(connection, keys)
                yield connection
                connection.commit()
        except BaseException:
            self.acknowledgements.give_back(keys)
            raise

    def claim_batch(
        self,
        limit: int,
        *,
        now: datetime,
        lease: timedelta,
    ) -> Sequence[OutboxMessage]:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationError.at("limit", "must be a whole number of at least 1")
        if lease <= timedelta(0):
            raise ValidationError.at("lease", "must be longer than zero")
        now = now.astimezone(UTC)
        until = now + lease
        with self._transaction("lease outbox messages") as connection:
            connection.execute(_WAKE, {"now": now})  # deferred ones whose time came: in line
            query = _HEADS.limit(limit)
            if is_postgres(connection):
                query = query.with_for_update(of=OUTBOX, skip_locked=True)
            messages: list[OutboxMessage] = []
            for row in connection.execute(query, {"now": now}).all():
                try:
                    messages.append(_message(row))
                except StoredDataError as error:
                    # a row no dispatcher can read would come back in every batch, leased
                    # with the messages behind it: parked, it holds up nothing
                    log.error("parked an unreadable outbox message: %s", error)
                    connection.execute(_PARK, {"the_key": row.key, "reason": str(error)[:2000]})
            if messages:
                keys = [m.notification.key for m in messages]
                connection.execute(_LEASE, {"keys": keys, "until": until})
        return messages

    def _acknowledge(self, action: str, what: str, parameters: dict[str, Any]) -> None:
        """One acknowledging statement, its own transaction (on PostgreSQL, without a flush)."""
        statements = _ACKNOWLEDGE_PG if is_postgres(self.engine) else _ACKNOWLEDGE_SQLITE
        with guard(self.engine, action), self.engine.connect() as connection:
            autocommit(connection).execute(statements[what], parameters)

    def mark_delivered(self, keys: Iterable[str]) -> None:
        """Remember ``keys`` as delivered: written by the next transaction that writes."""
        self.acknowledgements.add(keys)

    def record_failure(self, key: str, reason: str, *, retry_at: datetime) -> None:
        self.flush()
        parameters = {"the_key": key, "reason": reason, "retry": retry_at.astimezone(UTC)}
        self._acknowledge("record a failed delivery", "failed", parameters)

    def defer(self, key: str, reason: str, *, until: datetime) -> None:
        self.flush()
        parameters = {"the_key": key, "reason": reason, "retry": until.astimezone(UTC)}
        self._acknowledge("defer an outbox message", "defer", parameters)

    def park(self, key: str, reason: str) -> None:
        self.flush()
        self._acknowledge("park an outbox message", "park", {"the_key": key, "reason": reason})

    def parked(self, limit: int = 100) -> Sequence[OutboxMessage]:
        self.flush()
        query = (
            sa.select(*_COLUMNS)
            .where(OUTBOX.c.status == PARKED)
            .order_by(OUTBOX.c.position)
            .limit(limit)
        )
        with guard(self.engine, "list parked outbox messages"), self.engine.connect() as c:
            rows = c.execute(query).all()
        return [_message(row) for row in rows]

    def requeue(self, key: str) -> None:
        with self._transaction("requeue an outbox message") as connection:
            connection.execute(
                OUTBOX.update()
                .where(OUTBOX.c.key == key, OUTBOX.c.status == PARKED)
                .values(status=PENDING, attempts=0, retry_at=None, leased_until=None)
            )

    def pending_count(self) -> int:
        self.flush()
        query = (
            sa.select(sa.func.count())
            .select_from(OUTBOX)
            .where(OUTBOX.c.status.in_((PENDING, DEFERRED)))
        )
        with guard(self.engine, "count pending outbox messages"), self.engine.connect() as c:
            return int(c.execute(query).scalar_one())
