"""The tables as SQLAlchemy Core sees them, for queries; the DDL lives in ``_migrations``.

Instants are ``TIMESTAMPTZ`` on PostgreSQL and, on SQLite, UTC text in one
fixed ISO 8601 format, so that text order is time order and an index on
them serves ranges. Documents (a claim without its events, one
notification) are ``JSONB`` on PostgreSQL, events ``JSON`` (it keeps the
order of their keys), and JSON text on SQLite.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final, TypeAlias

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

__all__ = [
    "AUDIT_QUEUE",
    "CLAIMS",
    "EVENTS",
    "EXPENSE_KEYS",
    "FILE_KEYS",
    "HOLDINGS",
    "IMAGE_KEYS",
    "ITEMS",
    "LOADS",
    "LOG_EVENTS",
    "LOG_NODES",
    "LOG_PENDING",
    "METADATA",
    "NOT_DUE",
    "OUTBOX",
    "REQUESTS",
    "SCHEMA_VERSIONS",
    "SEQUENCES",
    "AnyRow",
    "Document",
    "Instant",
    "JsonText",
]

AnyRow: TypeAlias = sa.Row[*tuple[Any, ...]]
"""A result row of any width."""

_SQLITE_INSTANT: Final = "%Y-%m-%dT%H:%M:%S.%f+00:00"


# the two ignores below: sqlalchemy is Any to mypy where it is not installed (a light install)
class Instant(sa.types.TypeDecorator[datetime]):  # type: ignore[misc, unused-ignore]
    """An aware instant: ``TIMESTAMPTZ``, or fixed-width UTC text on SQLite."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return value.astimezone(UTC).strftime(_SQLITE_INSTANT)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return datetime.fromisoformat(value)


@attrs.frozen
class JsonText:
    """A document already encoded as JSON ``text`` (a claim's body, see ``_body``): SQLite
    stores the text as it is, PostgreSQL reads it into its JSON type."""

    text: str


class Document(sa.types.TypeDecorator[Any]):  # type: ignore[misc, unused-ignore]
    """A JSON document: ``JSONB``, or compact JSON text on SQLite; read back as text on both.

    With ``ordered``, PostgreSQL keeps it as ``JSON``, which keeps the order
    of an object's keys (``JSONB`` sorts them, and an event's ``data`` is
    ordered). Every database gives the document back as its JSON text
    (``body::text`` on PostgreSQL, not the driver's ``json.loads``): the
    repository parses it with the wire format's own strict parser
    (:func:`~reimbursement.serialization.parse_json`: its limits, no
    duplicate keys, no 5,000-digit integers), so that a corrupted or hostile
    row is refused with a typed error naming the record that holds it.
    """

    impl = sa.Text
    cache_ok = True

    def __init__(self, *, ordered: bool = False) -> None:
        super().__init__()
        self.ordered = ordered

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            kind = postgresql.JSON if self.ordered else postgresql.JSONB
            return dialect.type_descriptor(kind(none_as_null=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if type(value) is JsonText:
            return json.loads(value.text) if dialect.name == "postgresql" else value.text
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def column_expression(self, colexpr: Any) -> Any:
        return sa.cast(colexpr, sa.Text)  # the text, for the library's parser (see above)


METADATA: Final = sa.MetaData()

SCHEMA_VERSIONS: Final = sa.Table(
    "rb_schema_version",
    METADATA,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", sa.Text),
)

CLAIMS: Final = sa.Table(
    "rb_claims",
    METADATA,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("number", sa.Text),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("due_at", Instant),
    sa.Column("next_check_at", Instant),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("format", sa.Integer, nullable=False),
    sa.Column("body", Document, nullable=False),
)

EVENTS: Final = sa.Table(
    "rb_events",
    METADATA,
    sa.Column("claim_id", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("at", Instant, nullable=False),
    sa.Column("body", Document(ordered=True), nullable=False),
)

ITEMS: Final = sa.Table(
    "rb_claim_items",
    METADATA,
    sa.Column("claim_id", sa.Text, primary_key=True),
    sa.Column("list", sa.Text, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", Document, nullable=False),
)
"""A claim's lines, documents and messages, one row each (see ``_items``)."""

HOLDINGS: Final = sa.Table(
    "rb_holdings",
    METADATA,
    sa.Column("claim_id", sa.Text, primary_key=True),
    sa.Column("reviewer_id", sa.Text, primary_key=True),
    sa.Column("steps", sa.Integer, nullable=False),
    # the claim's work-queue sort key, copied here so a reviewer's page is one index range
    sa.Column("due_key", Instant, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

AUDIT_QUEUE: Final = sa.Table(
    "rb_audit_queue",
    METADATA,
    sa.Column("claim_id", sa.Text, primary_key=True),
    sa.Column("drawn_at", Instant, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
)

LOADS: Final = sa.Table(
    "rb_loads",
    METADATA,
    sa.Column("reviewer_id", sa.Text, primary_key=True),
    sa.Column("shard", sa.Integer, primary_key=True),
    sa.Column("steps", sa.BigInteger, nullable=False),
)
"""Each reviewer's open work (the sum of their ``rb_holdings.steps``), a row per shard."""

NOT_DUE: Final = datetime(9999, 12, 31, tzinfo=UTC)
"""``rb_holdings.due_key`` of a claim with no due time: after every real one."""

REQUESTS: Final = sa.Table(
    "rb_requests",
    METADATA,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("claim_id", sa.Text, nullable=False),
    # the claim's version once the request's command committed (NULL: kept before v9)
    sa.Column("version", sa.Integer, nullable=True),
    # the claim as the command left it, without its events (NULL: kept before v14, erased)
    sa.Column("answer", Document, nullable=True),
)

SEQUENCES: Final = sa.Table(
    "rb_sequences",
    METADATA,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

OUTBOX: Final = sa.Table(
    "rb_outbox",
    METADATA,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("claim_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("retry_at", Instant),
    sa.Column("leased_until", Instant),
    sa.Column("body", Document, nullable=False),
)

# the duplicate index (see _duplicates): rows only for claims submitted and not withdrawn
FILE_KEYS: Final = sa.Table(
    "rb_file_keys",
    METADATA,
    sa.Column("sha256", sa.Text, primary_key=True),
    sa.Column("claim_id", sa.Text, primary_key=True),
    sa.Column("attachment_id", sa.Text, primary_key=True),
    sa.Column("line_id", sa.Text),
)

EXPENSE_KEYS: Final = sa.Table(
    "rb_expense_keys",
    METADATA,
    sa.Column("claim_id", sa.Text, primary_key=True),
    sa.Column("line_id", sa.Text, primary_key=True),
    sa.Column("provider", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("incurred_on", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
)

IMAGE_KEYS: Final = sa.Table(
    "rb_image_keys",
    METADATA,
    sa.Column("claim_id", sa.Text, primary_key=True),
    sa.Column("attachment_id", sa.Text, primary_key=True),
    sa.Column("line_id", sa.Text),
    sa.Column("phash", sa.Text, nullable=False),
    *(sa.Column(f"band{i}", sa.Integer, nullable=False) for i in range(4)),
)

LOG_NODES: Final = sa.Table(
    "rb_log_nodes",
    METADATA,
    sa.Column("level", sa.Integer, primary_key=True),
    sa.Column("idx", sa.BigInteger, primary_key=True),
    sa.Column("hash", sa.LargeBinary, nullable=False),
)

LOG_EVENTS: Final = sa.Table(
    "rb_log_events",
    METADATA,
    sa.Column("idx", sa.BigInteger, primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False, unique=True),
)

LOG_PENDING: Final = sa.Table(
    "rb_log_pending",
    METADATA,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("digest", sa.LargeBinary, nullable=False),
)
"""Events committed and not sealed into the log yet (see ``_log``): the sealer's queue."""
