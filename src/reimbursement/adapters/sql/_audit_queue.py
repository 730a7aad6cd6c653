"""The SQL audit queue: ``rb_audit_queue``, one row per claim awaiting its audit review.

A row holds when the straight-through decision drew the claim and the
claim's position; it is written with the claim, in its transaction, and
only when a save adds a straight-through decision or an audit review (or
the unit of work does not know the version it replaces). A page is one
range of the index on ``(drawn_at, position)``, joined to the claims'
indexed columns for the summaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa

from ...domain.audit_review import audit_entry_changed, awaiting_audit
from ...domain.claim import Claim
from ...domain.lifecycle import ClaimState
from ...errors import ValidationError
from ...ports import ClaimSummary, Page
from ..cursors import check_limit, decode_cursor, encode_cursor
from ._schema import AUDIT_QUEUE, CLAIMS, AnyRow, Instant

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork

__all__ = ["SUMMARY_COLUMNS", "SqlAuditQueue", "index_audit", "summary_page"]

_KIND: Final = "audit"
_FORGET: Final = AUDIT_QUEUE.delete().where(AUDIT_QUEUE.c.claim_id == sa.bindparam("claim_id"))
_ENTER: Final = AUDIT_QUEUE.insert().values(
    claim_id=sa.bindparam("claim_id"),
    drawn_at=sa.bindparam("drawn_at", type_=Instant()),
    position=sa.select(CLAIMS.c.position)
    .where(CLAIMS.c.id == sa.bindparam("claim_id"))
    .scalar_subquery(),
)
SUMMARY_COLUMNS: Final = (
    CLAIMS.c.id,
    CLAIMS.c.number,
    CLAIMS.c.customer_id,
    CLAIMS.c.state,
    CLAIMS.c.due_at,
    CLAIMS.c.version,
    CLAIMS.c.next_check_at,
)
"""What a queue's :class:`~reimbursement.ports.ClaimSummary` reads of a claim (see
:func:`summary_page`)."""
_ORDER: Final = (AUDIT_QUEUE.c.drawn_at, AUDIT_QUEUE.c.position)


def _page(entries: sa.Select[Any], limit: int) -> sa.Select[Any]:
    """A page of the queue: its range of the index first, then those claims' columns
    by primary key (so that no planner starts from the claims, whatever their number)."""
    queued = entries.order_by(*_ORDER).limit(limit).subquery()
    return (
        sa.select(*SUMMARY_COLUMNS, queued.c.drawn_at, queued.c.position)
        .select_from(queued.join(CLAIMS, CLAIMS.c.id == queued.c.claim_id))
        .order_by(queued.c.drawn_at, queued.c.position)
    )


def index_audit(
    connection: sa.Connection, claim: Claim, before: Claim | None, *, added: bool = False
) -> None:
    """Write ``claim``'s queue row in place of ``before``'s.

    ``before`` is the claim at the version the save replaces, when the unit
    of work knows it; ``None`` for an unknown version (its row is rewritten
    from the claim) or, with ``added``, a new claim (which has no row yet).
    """
    if before is not None and not audit_entry_changed(before, claim):
        return
    if not added:
        connection.execute(_FORGET, {"claim_id": claim.id})
    drawn = awaiting_audit(claim)
    if drawn is not None:
        connection.execute(_ENTER, {"claim_id": claim.id, "drawn_at": drawn})


def _decoded(cursor: str) -> tuple[datetime, int]:
    kind, drawn_text, position = decode_cursor(cursor, (str, str, int))
    try:
        drawn = datetime.fromisoformat(drawn_text)
    except ValueError:
        drawn = None
    if kind != _KIND or drawn is None or drawn.tzinfo is None:
        raise ValidationError.at("after", "is not a cursor of the audit queue")
    return drawn, position


def summary_page(
    rows: Sequence[AnyRow], limit: int, sort_key: Callable[[AnyRow], tuple[int | str, ...]]
) -> Page[ClaimSummary]:
    """A page of queue rows (``limit`` and one more when there is a next page) as summaries,
    its cursor made of the last row's ``sort_key``."""
    items = tuple(
        ClaimSummary(
            r.id,
            r.number,
            r.customer_id,
            ClaimState(r.state),
            r.due_at,
            r.version,
            r.next_check_at,
        )
        for r in rows[:limit]
    )
    if len(rows) <= limit:
        return Page(items)
    return Page(items, encode_cursor(*sort_key(rows[limit - 1])))


class SqlAuditQueue:
    """:class:`~reimbursement.ports.AuditQueue` on ``rb_audit_queue`` (a repository's part)."""

    _uow: SqlUnitOfWork

    def audit_queue(self, *, after: str | None = None, limit: int = 50) -> Page[ClaimSummary]:
        check_limit(limit)
        entries = sa.select(AUDIT_QUEUE)
        if after is not None:
            drawn, position = _decoded(after)
            bound = sa.tuple_(sa.literal(drawn, Instant()), sa.literal(position, sa.BigInteger()))
            entries = entries.where(sa.tuple_(*_ORDER) > bound)
        with self._uow.reading("list the audit queue") as connection:
            rows = connection.execute(_page(entries, limit + 1)).all()
        return summary_page(rows, limit, lambda r: (_KIND, r.drawn_at.isoformat(), r.position))
