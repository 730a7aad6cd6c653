"""A unit of work's write transaction begins with its first statement, and is still one.

On PostgreSQL the store sends ``BEGIN`` together with the first statement
of a write transaction (``_engine.BEGIN_AHEAD``), a round trip fewer. What
a user relies on stays true on both databases, whichever path that first
statement takes (the driver's cursor, ``_direct``, or SQLAlchemy's own
execution): everything before the commit is undone by a rollback, a driver
error in the first statement is SQLAlchemy's typed error and leaves the
connection usable, and the next unit of work starts afresh.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.adapters.sql._direct import Direct, inserting
from reimbursement.adapters.sql._engine import autocommit, take_write_lock
from reimbursement.adapters.sql._schema import CLAIMS, EVENTS
from reimbursement.errors import ClaimNotFoundError
from reimbursement.testing._builders import draft, edited


def _versions(store: sql.SqlClaimStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(CLAIMS.c.id, CLAIMS.c.version)).all()
    return {row.id: row.version for row in rows}


def test_a_rolled_back_save_leaves_nothing_whichever_path_wrote_first(
    store: sql.SqlClaimStore,
) -> None:
    claim = draft("claim-1")
    with store.unit_of_work() as uow:  # first write: the INSERT run by SQLAlchemy
        uow.claims.add(claim)
        uow.rollback()
    assert _versions(store) == {}
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    with store.unit_of_work() as uow:  # first write: the save, on the driver's cursor
        uow.claims.save(edited(uow.claims.get("claim-1"), "changed"), claim.version)
        uow.rollback()
    assert _versions(store) == {"claim-1": claim.version}
    with store.unit_of_work() as uow:  # and a failure after it undoes it too
        uow.claims.save(edited(uow.claims.get("claim-1"), "changed"), claim.version)
        with pytest.raises(ClaimNotFoundError):
            uow.claims.save(edited(draft("claim-2"), "never added"), 1)
        uow.rollback()
    assert _versions(store) == {"claim-1": claim.version}
    with store.unit_of_work() as uow:  # a unit of work that began to write and wrote nothing
        with uow.writing("write nothing"):
            pass
        uow.commit()
    with store.unit_of_work() as uow:  # the next one writes and commits as ever
        uow.claims.save(edited(uow.claims.get("claim-1"), "changed"), claim.version)
        uow.commit()
    assert _versions(store) == {"claim-1": claim.version + 1}


def test_a_driver_error_in_the_first_statement_is_typed_and_undone(
    store: sql.SqlClaimStore,
) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(draft("claim-1"))
        uow.commit()
    at = datetime(2026, 3, 1, tzinfo=UTC)
    row = {"claim_id": "claim-1", "seq": 1, "type": "t", "at": at, "body": {"x": 1}}
    with store.engine.connect() as connection:
        autocommit(connection)
        connection.begin()
        take_write_lock(connection)
        with pytest.raises(sa.exc.IntegrityError):
            inserting(EVENTS).run(connection, row)  # seq 1 is the draft's own event
        connection.rollback()
        assert Direct(sa.select(sa.literal(1))).run(connection).scalar() == 1
    with store.engine.connect() as connection:
        autocommit(connection)
        connection.begin()
        take_write_lock(connection)
        inserting(EVENTS).run(connection, row | {"seq": 50})
        connection.rollback()  # the INSERT was in the transaction its BEGIN opened
        count = sa.select(sa.func.count()).select_from(EVENTS).where(EVENTS.c.seq == 50)
        assert connection.execute(count).scalar_one() == 0
