"""The in-app inbox (``rb_inbox``) and the channel delivery log (``rb_deliveries``) in SQL.

With the webhook endpoints that said ``410 Gone`` (``rb_webhooks_gone``,
schema version 7), they live in the claim store's database (schema version
4), so the inbox is
stored with the claims and every dispatcher process agrees on which
channels a notification already reached. Each call is one short
transaction; a key stored twice is kept once (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...domain.events import EventType
from ...errors import StoredDataError
from ...notify.ports import InboxItem
from ...notify.preferences import Channel
from ...ports import Page
from ..cursors import check_limit, decode_cursor, encode_cursor, page
from ._engine import begin, guard, is_postgres, prepare
from ._schema import METADATA, AnyRow, Instant

__all__ = ["DELIVERIES", "GONE", "INBOX", "SqlDeliveryLog", "SqlGoneEndpoints", "SqlInbox"]

INBOX: Final = sa.Table(
    "rb_inbox",
    METADATA,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("claim_id", sa.Text, nullable=False),
    sa.Column("claim_number", sa.Text),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("locale", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("delivered_at", Instant, nullable=False),
    sa.Column("read_at", Instant),
)

DELIVERIES: Final = sa.Table(
    "rb_deliveries",
    METADATA,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, primary_key=True),
    sa.Column("delivered_at", Instant, nullable=False),
)

GONE: Final = sa.Table(
    "rb_webhooks_gone",
    METADATA,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("gone_at", Instant, nullable=False),
)

_ITEM_COLUMNS: Final = [c for c in INBOX.c if c.name != "position"]


def _insert(engine: sa.Engine, table: sa.Table) -> Any:
    """An ``INSERT … ON CONFLICT DO NOTHING`` on ``table`` for the engine's dialect."""
    insert = postgresql.insert(table) if is_postgres(engine) else sqlite.insert(table)
    return insert.on_conflict_do_nothing()


def _item(row: AnyRow) -> InboxItem:
    try:
        return InboxItem(
            key=row.key,
            customer_id=row.customer_id,
            claim_id=row.claim_id,
            claim_number=row.claim_number,
            event=EventType(row.event),
            locale=row.locale,
            subject=row.subject,
            body=row.body,
            delivered_at=row.delivered_at,
            read_at=row.read_at,
            urgent=bool(row.urgent),
        )
    except ValueError as error:
        raise StoredDataError(f"inbox item {row.key!r} cannot be read back: {error}") from None


class SqlInbox:
    """:class:`~reimbursement.notify.ports.InboxStore` on ``rb_inbox``: newest first, by cursor."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = prepare(engine)
        self._put = _insert(self.engine, INBOX)

    def put(self, item: InboxItem) -> None:
        values = {c.name: getattr(item, c.name) for c in _ITEM_COLUMNS}
        values["event"] = item.event.value
        with guard(self.engine, "store an inbox item"), self.engine.connect() as connection:
            begin(connection, write=True)
            connection.execute(self._put, values)
            connection.commit()

    def page(
        self,
        customer_id: str,
        *,
        limit: int = 20,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Page[InboxItem]:
        check_limit(limit)
        query = sa.select(INBOX).where(INBOX.c.customer_id == customer_id)
        if after is not None:
            query = query.where(INBOX.c.position < decode_cursor(after, (int,))[0])
        if unread_only:
            query = query.where(INBOX.c.read_at.is_(None))
        query = query.order_by(INBOX.c.position.desc()).limit(limit + 1)
        with guard(self.engine, "read an inbox"), self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return page([_item(r) for r in rows], limit, lambda i: encode_cursor(rows[i].position))

    def mark_read(self, customer_id: str, keys: Iterable[str], at: datetime) -> int:
        wanted = sorted(set(keys))
        if not wanted:
            return 0
        update = (
            INBOX.update()
            .where(INBOX.c.customer_id == customer_id)
            .where(INBOX.c.key.in_(wanted))
            .where(INBOX.c.read_at.is_(None))
            .values(read_at=at)
        )
        with guard(self.engine, "mark inbox items read"), self.engine.connect() as connection:
            begin(connection, write=True)
            marked = int(connection.execute(update).rowcount)
            connection.commit()
        return marked

    def unread_count(self, customer_id: str) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(INBOX)
            .where(INBOX.c.customer_id == customer_id, INBOX.c.read_at.is_(None))
        )
        with guard(self.engine, "count unread inbox items"), self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())


class SqlDeliveryLog:
    """:class:`~reimbursement.notify.ports.DeliveryLog` on ``rb_deliveries``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = prepare(engine)
        self._record = _insert(self.engine, DELIVERIES)

    def delivered(self, key: str, channel: Channel) -> bool:
        query = sa.select(sa.literal(1)).where(
            DELIVERIES.c.key == key, DELIVERIES.c.channel == channel.value
        )
        with guard(self.engine, "read the delivery log"), self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def record(self, key: str, channel: Channel, at: datetime) -> None:
        values = {"key": key, "channel": channel.value, "delivered_at": at}
        with guard(self.engine, "record a delivery"), self.engine.connect() as connection:
            begin(connection, write=True)
            connection.execute(self._record, values)
            connection.commit()


class SqlGoneEndpoints:
    """:class:`~reimbursement.notify.ports.GoneEndpoints` on ``rb_webhooks_gone``: every process
    sending webhooks agrees, and a restart does not send to a receiver that said ``410 Gone``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = prepare(engine)
        self._mark = _insert(self.engine, GONE)

    def is_gone(self, name: str) -> bool:
        query = sa.select(sa.literal(1)).where(GONE.c.name == name)
        with guard(self.engine, "read the gone webhooks"), self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def mark_gone(self, name: str, at: datetime) -> None:
        with guard(self.engine, "record a gone webhook"), self.engine.connect() as connection:
            begin(connection, write=True)
            connection.execute(self._mark, {"name": name, "gone_at": at})
            connection.commit()

    def revive(self, name: str) -> None:
        with guard(self.engine, "revive a webhook"), self.engine.connect() as connection:
            begin(connection, write=True)
            connection.execute(GONE.delete().where(GONE.c.name == name))
            connection.commit()
