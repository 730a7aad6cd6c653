"""Every list and look-up the store runs is served by an index, never a full table scan.

That includes the look-ups inside the INSERT that queues a commit's notifications
(whether its claim has messages pending).

The queries are the ones the store really sends (recorded as it runs them),
explained with the same parameters: ``EXPLAIN QUERY PLAN`` on SQLite,
``EXPLAIN`` on PostgreSQL with sequential scans priced out (a planner picks
a scan of a tiny table whatever its indexes; the test asks whether an index
can serve the query, not what the planner prefers on ten rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.adapters.cursors import encode_cursor
from reimbursement.domain.duplicates import ExpenseKey
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.ports import ClaimSchedule, UnitOfWork
from reimbursement.testing import AT, draft, in_review, notification, submitted

Recorded = list[tuple[str, Any]]


@pytest.fixture
def filled(store: sql.SqlClaimStore) -> sql.SqlClaimStore:
    """A store with a few hundred claims of many customers, states and reviewers."""
    with store.unit_of_work() as uow:
        for i in range(300):
            customer = f"cust-{i % 40}"
            if i % 3 == 0:
                claim = in_review(f"claim-{i}", f"rev-{i % 7}", customer_id=customer)
            elif i % 3 == 1:
                claim = submitted(draft(f"claim-{i}", customer), f"CLM-{i}")
            else:
                claim = draft(f"claim-{i}", customer)
            due = AT + timedelta(hours=i % 24)
            uow.claims.add(claim, ClaimSchedule(due, due))
            uow.outbox.add(notification(f"event-{i}", f"claim-{i % 50}", customer))
        uow.commit()
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return store


@pytest.fixture
def recorded(filled: sql.SqlClaimStore) -> Iterator[Recorded]:
    statements: Recorded = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        words = statement.split()
        # queries, and the INSERT ... SELECT that queues (and leases) notifications
        if words[0].upper() == "SELECT" or (words[0].upper() == "INSERT" and "SELECT" in words):
            statements.append((statement, parameters))

    sa.event.listen(filled.engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(filled.engine, "before_cursor_execute", record)


def _plan(engine: sa.Engine, statement: str, parameters: Any) -> str:
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [row[3] for row in cursor.fetchall()]
        cursor.close()
        connection.rollback()
    return "\n".join(lines)


def _full_scans(engine: sa.Engine, plan: str) -> list[str]:
    if engine.dialect.name == "postgresql":
        return [line for line in plan.splitlines() if "Seq Scan" in line]
    # SQLite: "SCAN t" reads the whole table, "SCAN t USING INDEX i" the whole index;
    # but the audit queue's first page reads its index in order and stops at the LIMIT
    return [
        line
        for line in plan.splitlines()
        if line.strip().startswith("SCAN rb_") and line.strip() not in ORDERED_WITH_LIMIT
    ]


ORDERED_WITH_LIMIT = {
    "SCAN rb_audit_queue USING INDEX rb_audit_queue_order",
    # the sealer's oldest pending entries: the table in rowid (position) order, to the LIMIT
    "SCAN rb_log_pending",
}


CALLS: dict[str, Callable[[UnitOfWork], object]] = {
    "get": lambda uow: uow.claims.get("claim-42"),
    "by_number": lambda uow: uow.claims.by_number("CLM-43"),
    "for_customer": lambda uow: uow.claims.for_customer("cust-7", limit=3),
    "for_customer, next page": lambda uow: uow.claims.for_customer(
        "cust-7", after=uow.claims.for_customer("cust-7", limit=2).next_cursor, limit=2
    ),
    "latest_for_customer": lambda uow: uow.claims.latest_for_customer("cust-7"),
    "in_states": lambda uow: uow.claims.in_states([ClaimState.SUBMITTED], limit=5),
    "in_states, two": lambda uow: uow.claims.in_states(
        [ClaimState.SUBMITTED, ClaimState.DRAFT], limit=5
    ),
    "work_queue": lambda uow: uow.claims.work_queue(["rev-3"], limit=5),
    "work_queue, next page": lambda uow: uow.claims.work_queue(
        ["rev-3", "rev-4"], after=uow.claims.work_queue(["rev-3", "rev-4"], limit=2).next_cursor
    ),
    "audit_queue": lambda uow: uow.claims.audit_queue(limit=5),
    "audit_queue, next page": lambda uow: uow.claims.audit_queue(
        after=encode_cursor("audit", AT.isoformat(), 3), limit=5
    ),
    "open_work of some": lambda uow: uow.claims.open_work(["rev-1", "rev-2"]),
    "due_for_check": lambda uow: uow.claims.due_for_check(AT + timedelta(hours=2), limit=5),
    "request": lambda uow: uow.claims.request("request-1"),
    "same_file": lambda uow: uow.claims.same_file("ab" * 32),
    "same_expense": lambda uow: uow.claims.same_expense(
        ExpenseKey("citypharmacy", "EUR", date(2026, 2, 27), 425_000),
        tolerance=Decimal("1.00"),
        days=3,
    ),
    "same_expenses": lambda uow: uow.claims.same_expenses(
        [ExpenseKey("citypharmacy", "EUR", date(2026, 2, 27), 425_000)] * 3,
        tolerance=Decimal("1.00"),
        days=3,
    ),
    "similar_images": lambda uow: uow.claims.similar_images(0x1234_5678_9ABC_DEF0, max_distance=8),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_a_claim_query_uses_an_index(
    filled: sql.SqlClaimStore, recorded: Recorded, call: str
) -> None:
    with filled.unit_of_work() as uow:
        CALLS[call](uow)
    assert recorded, "no query was recorded"
    for statement, parameters in recorded:
        plan = _plan(filled.engine, statement, parameters)
        assert not _full_scans(filled.engine, plan), f"{call}: a full scan\n{statement}\n{plan}"


@pytest.mark.parametrize("days", [0, 3, 8])
def test_an_expense_look_up_bounds_the_amount_by_the_index_too(
    filled: sql.SqlClaimStore, recorded: Recorded, days: int
) -> None:
    """Within a week either side each day is named, so the amount is part of the index
    range; with a range of dates (beyond a week) it is tested row by row."""
    key = ExpenseKey("citypharmacy", "EUR", date(2026, 2, 27), 425_000)
    with filled.unit_of_work() as uow:
        uow.claims.same_expenses([key] * 2, tolerance=Decimal("1.00"), days=days)
    [(statement, parameters)] = recorded
    plan = _plan(filled.engine, statement, parameters)
    if filled.engine.dialect.name == "postgresql":  # a day (= ANY: each day) and the amount
        bounded = [line for line in plan.splitlines() if "incurred_on = " in line]
    else:
        bounded = [line for line in plan.splitlines() if "amount>? AND amount<?" in line]
    assert bool(bounded) == (days <= 7), plan


@pytest.mark.parametrize(
    "call", ["claim_batch", "commit leasing", "commit leasing one", "parked", "pending"]
)
def test_a_dispatch_query_uses_an_index(
    filled: sql.SqlClaimStore, recorded: Recorded, call: str
) -> None:
    queue = filled.queue
    now, lease = AT, timedelta(minutes=5)
    if call == "claim_batch":
        queue.claim_batch(10, now=now, lease=lease)
    elif call == "commit leasing":  # the outbox's look-up of what is queued already
        with filled.unit_of_work() as uow:
            uow.outbox.add(notification("event-new", "claim-3"))
            uow.outbox.add(notification("event-other", "claim-400"))
            uow.outbox.lease_on_commit(now + lease)
            uow.commit()
    elif call == "commit leasing one":  # the same look-up for one message (every desk call)
        with filled.unit_of_work() as uow:
            uow.outbox.add(notification("event-new", "claim-3"))
            uow.outbox.lease_on_commit(now + lease)
            uow.commit()
    elif call == "parked":
        queue.parked()
    else:
        queue.pending_count()
    if call.startswith("commit"):
        assert any(text.lstrip().startswith("INSERT") for text, _ in recorded), "no INSERT"
    for statement, parameters in recorded:
        plan = _plan(filled.engine, statement, parameters)
        assert not _full_scans(filled.engine, plan), f"{call}: a full scan\n{statement}\n{plan}"


def test_the_sealers_queries_use_an_index(filled: sql.SqlClaimStore) -> None:
    # the pending entries oldest first, the leaf of each, and the tree's right edge: a log
    # of millions of leaves is read by primary key, never scanned
    assert filled.seal(limit=77) == 77  # a tree with an edge on several levels
    statements: Recorded = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.split()[0].upper() in ("SELECT", "WITH"):
            statements.append((statement, parameters))

    sa.event.listen(filled.engine, "before_cursor_execute", record)
    try:
        assert filled.seal(limit=10) == 10
    finally:
        sa.event.remove(filled.engine, "before_cursor_execute", record)
    assert {s.split()[0].upper() for s, _ in statements} == {"SELECT", "WITH"}
    for statement, parameters in statements:
        plan = _plan(filled.engine, statement, parameters)
        assert not _full_scans(filled.engine, plan), f"a full scan\n{statement}\n{plan}"
