"""The hot statements run on the driver's cursor (``_direct``): what SQLAlchemy did stays true.

Listeners of ``before_cursor_execute`` see every statement (the storage
benchmark counts them so), a driver error is SQLAlchemy's own typed error
(which the store turns into its own), values go through the column types
both ways, and a statement the direct path cannot bind is refused when
compiled, not run half-bound.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from reimbursement import Claim
from reimbursement.adapters import sql
from reimbursement.adapters.sql._direct import Direct, inserting
from reimbursement.adapters.sql._schema import CLAIMS, EVENTS
from reimbursement.errors import ConcurrencyError
from reimbursement.ports import NO_SCHEDULE, ClaimSchedule
from reimbursement.testing._builders import draft, edited


def _stored(
    store: sql.SqlClaimStore, *claims: Claim, schedule: ClaimSchedule = NO_SCHEDULE
) -> None:
    with store.unit_of_work() as uow:
        for claim in claims:
            uow.claims.add(claim, schedule)
        uow.commit()


def test_cursor_listeners_see_each_statement_of_a_save(store: sql.SqlClaimStore) -> None:
    claim = draft("claim-1")
    _stored(store, claim)
    seen: list[str] = []

    def listener(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", listener)
    try:
        with store.unit_of_work() as uow:
            uow.claims.save(edited(uow.claims.get("claim-1"), "changed"), claim.version)
            uow.commit()
    finally:
        event.remove(store.engine, "before_cursor_execute", listener)
    assert seen[0].startswith("SELECT rb_claims.id")  # the read by id
    if store.engine.dialect.name == "sqlite":
        assert any(s.startswith("UPDATE rb_claims SET") for s in seen)
        assert any(s.startswith("INSERT INTO rb_events") for s in seen)
    else:  # the save and its events: one statement
        assert any(s.startswith("WITH") and "UPDATE rb_claims" in s for s in seen)


def test_a_stale_save_through_the_driver_is_still_a_concurrency_error(
    store: sql.SqlClaimStore,
) -> None:
    claim = draft("claim-1")
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.claims.save(edited(claim, "changed"), claim.version)
        uow.commit()
    with store.unit_of_work() as uow, pytest.raises(ConcurrencyError, match="at version 2"):
        uow.claims.save(edited(claim, "stale"), claim.version)


def test_a_driver_error_is_sqlalchemys_typed_error(store: sql.SqlClaimStore) -> None:
    _stored(store, draft("claim-1"))
    at = datetime(2026, 3, 1, tzinfo=UTC)
    row = {"claim_id": "claim-1", "seq": 99, "type": "t", "at": at, "body": {"x": 1}}
    insert = inserting(EVENTS)
    with store.engine.connect() as connection:
        connection.begin()
        insert.run(connection, row)
        with pytest.raises(sa.exc.IntegrityError):
            insert.run(connection, row)  # the same primary key
        connection.rollback()
        # the connection is still good: the next statement runs
        assert Direct(sa.select(sa.literal(1))).run(connection).scalar() == 1


def test_values_go_through_the_column_types_both_ways(store: sql.SqlClaimStore) -> None:
    due = datetime(2026, 3, 1, 9, 30, tzinfo=UTC) + timedelta(microseconds=5)
    _stored(store, draft("claim-1"), schedule=ClaimSchedule(due_at=due))
    read = Direct(sa.select(CLAIMS.c.due_at).where(CLAIMS.c.id == sa.bindparam("id")))
    with store.engine.connect() as connection:
        connection.begin()
        row = read.run(connection, {"id": "claim-1"}).first()
    assert row.due_at == due
    assert row.due_at.tzinfo is not None


def test_a_statement_it_cannot_bind_is_refused_when_compiled() -> None:
    listed = sa.select(CLAIMS.c.id).where(CLAIMS.c.id.in_(sa.bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        Direct(listed).plan(sa.create_engine("sqlite://").dialect)
