"""The SQL store's writes of a claim: the optimistic save, its events and its holdings.

A save is ``UPDATE … WHERE id = :id AND version = :expected``: when someone
else saved in between, no row changes and the save raises
:class:`~reimbursement.errors.ConcurrencyError` (or
:class:`~reimbursement.errors.ClaimNotFoundError` for a claim never added),
exactly as the in-memory store does. On PostgreSQL the UPDATE and the
INSERT of the new events are one statement (``WITH saved AS (UPDATE …
RETURNING id) INSERT INTO rb_events SELECT … FROM saved``, one round trip),
on SQLite two. The events' digests go to the Merkle log's pending entries
(``rb_log_pending``, see ``_log``) with them: on PostgreSQL in that same
statement, on SQLite in one more INSERT. Kept in a module of its own
because it decides whether an update may be lost: ``tools/mutation.py`` tests it.

The holdings (``rb_holdings``) are rewritten only when the claim's holders
change, and the reviewers' loads (``rb_loads``, see ``_loads``) by as much.
When the unit of work knows the claim at the version the save replaces,
those holders are the stored ones: every write of a claim writes its
holdings in the same transaction, and a version has one content. Then a
save that keeps the holders only gives their rows the new due time, and a
claim held by nobody before and after writes none; otherwise the rows are
deleted (saying what they held, when the unit of work did not know the
claim) and written again. On PostgreSQL those writes, and the duplicate keys,
are owed (``Direct.write``): they go to the server with the transaction's next
statement or its ``COMMIT``, since nothing reads what they return.
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import UTC, datetime
from typing import Final

import sqlalchemy as sa

from ...domain.claim import Claim
from ...domain.duplicates import indexed
from ...domain.routing.holdings import holders
from ...errors import ClaimNotFoundError, ConcurrencyError
from ...ports import ClaimSchedule
from ._audit_queue import index_audit
from ._codec import claim_values, event_values
from ._direct import Direct, inserting
from ._duplicates import index_duplicates
from ._engine import is_postgres
from ._items import ItemWrites, item_writes, write_items
from ._loads import add_loads
from ._log import PEND, pending_rows
from ._schema import CLAIMS, EVENTS, HOLDINGS, LOG_PENDING, NOT_DUE, Instant

__all__ = ["append", "redate_holdings", "update_claim"]

_VERSION: Final = Direct(
    sa.select(CLAIMS.c.version).where(CLAIMS.c.id == sa.bindparam("claim_id"))
)
# built once (building an UPDATE per save cost more than running it on SQLite), bound per save
_SET: Final = (
    "number",
    "customer_id",
    "state",
    "due_at",
    "next_check_at",
    "version",
    "format",
    "body",
)
_UPDATE: Final = (
    CLAIMS.update()
    .where(CLAIMS.c.id == sa.bindparam("claim_id"), CLAIMS.c.version == sa.bindparam("expected"))
    .values({name: sa.bindparam(f"new_{name}", type_=CLAIMS.c[name].type) for name in _SET})
)
_SAVE: Final = Direct(_UPDATE)
_APPEND: Final = inserting(EVENTS)
_EVENT_FIELDS: Final = ("seq", "type", "at", "body")
_FORGET_HOLDINGS: Final = HOLDINGS.delete().where(HOLDINGS.c.claim_id == sa.bindparam("claim_id"))
_FORGET: Final = Direct(_FORGET_HOLDINGS)
# the rows it deleted: what the claim held as stored, when the unit of work does not know it
_FORGET_SAYING: Final = Direct(
    _FORGET_HOLDINGS.returning(HOLDINGS.c.reviewer_id, HOLDINGS.c.steps)
)
_HOLD: Final = Direct(
    HOLDINGS.insert().values(
        claim_id=sa.bindparam("h_claim"),
        reviewer_id=sa.bindparam("h_reviewer"),
        steps=sa.bindparam("h_steps"),
        due_key=sa.bindparam("h_due", type_=Instant()),
        position=sa.select(CLAIMS.c.position)
        .where(CLAIMS.c.id == sa.bindparam("h_claim"))
        .scalar_subquery(),
    )
)
_REDATE_HOLDINGS: Final = Direct(
    HOLDINGS.update()
    .where(HOLDINGS.c.claim_id == sa.bindparam("h_claim"))
    .values(due_key=sa.bindparam("h_due", type_=Instant()))
)


def _due_key(schedule: ClaimSchedule) -> datetime:
    """A holding's sort key: the claim's due time, or after every real one."""
    return NOT_DUE if schedule.due_at is None else schedule.due_at.astimezone(UTC)


def update_claim(
    connection: sa.Connection,
    claim: Claim,
    expected_version: int,
    schedule: ClaimSchedule,
    before: Claim | None = None,
) -> None:
    """Write ``claim`` over ``expected_version``, with its new events and holdings.

    ``before`` is the claim as the unit of work last saw it, if it did: at
    ``expected_version``, its holders are those stored. Raises
    :class:`~reimbursement.errors.ConcurrencyError` when the stored
    version is not ``expected_version`` or the claim's is not above it,
    :class:`~reimbursement.errors.ClaimNotFoundError` when there is no such claim.
    """
    if claim.version <= expected_version:
        raise ConcurrencyError(
            f"claim {claim.id}: the new version {claim.version} is not above "
            f"{expected_version}; every change appends an event"
        )
    values = claim_values(claim, schedule)
    parameters = {f"new_{name}": values[name] for name in _SET}
    parameters |= {"claim_id": claim.id, "expected": expected_version}
    events = event_values(claim, expected_version)
    pending = pending_rows(claim, expected_version)
    known = before is not None and before.version == expected_version
    items = item_writes(claim, before if known else None)  # encoded before any write
    if is_postgres(connection):  # one round trip: the events go in with the row
        for i, (event, entry) in enumerate(zip(events, pending, strict=True)):
            parameters |= {f"{field}_{i}": event[field] for field in _EVENT_FIELDS}
            parameters |= {f"eid_{i}": entry["event_id"], f"digest_{i}": entry["digest"]}
        inserted = _saving(len(events)).run(connection, parameters).all()
        saved = len(inserted) == len(events)
    else:
        saved = _SAVE.run(connection, parameters).rowcount == 1
        if saved:
            _APPEND.write(connection, events)
            PEND.write(connection, pending)
    if not saved:
        stored = _VERSION.run(connection, {"claim_id": claim.id}).scalar()
        if stored is None:
            raise ClaimNotFoundError(f"no claim {claim.id!r}: add it before saving it")
        raise ConcurrencyError(
            f"claim {claim.id} is at version {stored}, not {expected_version} as read: "
            "someone changed it meanwhile; reload and retry"
        )
    write_items(connection, items)
    held_before = None
    if before is not None and known:
        held_before = Counter(holders(before))  # what the stored holdings say
    else:
        before = None  # not the version stored: its keys are not known
    _hold(connection, claim, schedule, held_before)
    index_duplicates(connection, claim, before)
    index_audit(connection, claim, before)


@functools.cache
def _saving(count: int) -> Direct:
    """PostgreSQL: the version-checked UPDATE and the INSERT of ``count`` events, one statement.

    The events, and their pending log entries, are inserted only with a row
    the UPDATE changed, so the number of events inserted says whether the
    save went through.
    """
    saved = _UPDATE.returning(CLAIMS.c.id).cte()
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
        LOG_PENDING.insert()
        .from_select(
            ["event_id", "digest"],
            sa.select(*entries.c).select_from(saved.join(entries, sa.true())),
        )
        .cte("logged")
    )
    rows = sa.union_all(
        *(
            sa.select(
                *(
                    sa.bindparam(f"{field}_{i}", type_=EVENTS.c[field].type)
                    for field in _EVENT_FIELDS
                )
            )
            for i in range(count)
        )
    ).subquery()
    select = sa.select(saved.c.id, *rows.c).select_from(saved.join(rows, sa.true()))
    # RETURNING: the rows inserted, counted (an INSERT's rowcount is not kept by every version)
    return Direct(
        EVENTS.insert()
        .from_select(["claim_id", *_EVENT_FIELDS], select)
        .returning(EVENTS.c.seq)
        .add_cte(logged)
    )


def append(
    connection: sa.Connection, claim: Claim, schedule: ClaimSchedule, items: ItemWrites
) -> None:
    """A new claim's events (and their pending log entries), items (``item_writes``, encoded
    before its row was written) and holdings, written with its row."""
    write_items(connection, items)
    _APPEND.write(connection, event_values(claim))
    PEND.write(connection, pending_rows(claim, 0))
    _hold(connection, claim, schedule, Counter())  # a new claim holds nothing yet
    if indexed(claim):
        index_duplicates(connection, claim, None)
    index_audit(connection, claim, None, added=True)


def _hold(
    connection: sa.Connection,
    claim: Claim,
    schedule: ClaimSchedule,
    held_before: Counter[str] | None,
) -> None:
    """The claim's holdings, written where they differ from ``held_before`` (None: unknown),
    and the reviewers' loads (``_loads``) changed by as much."""
    held = Counter(holders(claim))
    if held == held_before:
        if held:  # the same holders: only the claim's due time may have moved
            redate_holdings(connection, claim.id, schedule)
        return
    if held_before is None:  # one row per claim and reviewer
        stored = _FORGET_SAYING.run(connection, {"claim_id": claim.id}).all()
        held_before = Counter({row.reviewer_id: row.steps for row in stored})
    elif held_before:
        _FORGET.write(connection, {"claim_id": claim.id})
    add_loads(connection, claim.id, held_before, held)
    if held:
        due = _due_key(schedule)
        _HOLD.write(
            connection,
            [
                {"h_claim": claim.id, "h_reviewer": r, "h_steps": n, "h_due": due}
                for r, n in held.items()
            ],
        )


def redate_holdings(connection: sa.Connection, claim_id: str, schedule: ClaimSchedule) -> None:
    """Give the claim's holdings its new due time (its schedule changed alone)."""
    _REDATE_HOLDINGS.write(connection, {"h_claim": claim_id, "h_due": _due_key(schedule)})
