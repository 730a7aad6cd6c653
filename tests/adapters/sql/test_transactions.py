"""How a unit of work uses its transaction: reads see the latest commit, writes hold the lock.

On both databases a unit of work's reads each see the latest commit (READ
COMMITTED on PostgreSQL; on SQLite no ``BEGIN`` before the first write),
and its writes are one transaction. On SQLite the first write takes the one
write lock with ``BEGIN IMMEDIATE``; a writer that cannot get it within the
busy timeout gets a ``StorageError`` and writes nothing. On PostgreSQL the
``BEGIN`` travels with the write transaction's first statement.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.adapters.sql._direct import Direct, inserting
from reimbursement.adapters.sql._schema import HOLDINGS, SEQUENCES
from reimbursement.errors import StorageError
from reimbursement.testing._builders import (
    after,
    assigned,
    draft,
    edited,
    notification,
    submitted,
)


def test_a_unit_of_works_reads_see_what_others_committed_after_its_first_read(
    store: sql.SqlClaimStore,
) -> None:
    claim = draft("claim-1")
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    with store.unit_of_work() as reader:
        assert reader.claims.get("claim-1") == claim
        with store.unit_of_work() as writer:
            writer.claims.save(edited(claim, "changed"), claim.version)
            writer.commit()
        assert reader.claims.get("claim-1") == edited(claim, "changed")
        # and its save is checked against that latest version, not the one it read first
        reader.claims.save(edited(edited(claim, "changed"), "again"), claim.version + 1)
        reader.commit()
    with store.unit_of_work() as uow:
        assert uow.claims.get("claim-1").version == claim.version + 2


def test_a_sqlite_writer_that_cannot_get_the_lock_raises_storage_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    sql.upgrade(url)
    engines = importlib.import_module("reimbursement.adapters.sql._engine")
    monkeypatch.setattr(engines, "BUSY_TIMEOUT_MS", 50)  # for the connections opened below
    with sql.create(url) as holder, sql.create(url) as waiter:
        with holder.unit_of_work() as first:
            first.claims.add(draft("claim-1"))  # holds the write lock until it ends
            with waiter.unit_of_work() as second:
                assert list(second.claims.for_customer("cust-1")) == []  # reads still run
                with pytest.raises(StorageError, match="database is locked"):
                    second.claims.add(draft("claim-2"))
            first.commit()
        with waiter.unit_of_work() as uow:  # the lock is free again
            assert [c.id for c in uow.claims.for_customer("cust-1")] == ["claim-1"]
            uow.claims.add(draft("claim-2"))
            uow.commit()
        with holder.unit_of_work() as uow:
            assert [c.id for c in uow.claims.for_customer("cust-1")] == ["claim-1", "claim-2"]


def _scopes(store: sql.SqlClaimStore) -> list[str]:
    with store.unit_of_work() as uow, uow.reading("read the sequences") as connection:
        return list(connection.execute(sa.select(SEQUENCES.c.scope)).scalars())


@pytest.mark.parametrize("how", ["direct", "core"])
def test_a_write_transactions_first_statement_is_undone_by_its_rollback(
    store: sql.SqlClaimStore, how: str
) -> None:
    # on PostgreSQL the BEGIN goes with the first statement (a Direct one in one pipeline,
    # any other after it): either way that statement is inside the transaction
    row = {"scope": "CLM-2026", "value": 1}
    with store.unit_of_work() as uow:
        with uow.writing("take a number") as connection:
            if how == "direct":
                inserting(SEQUENCES).run(connection, row)
            else:
                connection.execute(SEQUENCES.insert(), row)
            with uow.writing("write again") as again:  # and the rest of it with it
                again.execute(SEQUENCES.insert(), {"scope": "CLM-2027", "value": 1})
        uow.rollback()
    assert _scopes(store) == []
    with store.unit_of_work() as uow:
        with uow.writing("take a number") as connection:
            inserting(SEQUENCES).run(connection, row)
        uow.commit()
    assert _scopes(store) == ["CLM-2026"]


@pytest.mark.postgres
def test_a_write_transaction_that_wrote_nothing_leaves_the_next_reads_in_autocommit(
    postgresql_url: str,
) -> None:
    psycopg = pytest.importorskip("psycopg")
    sql.upgrade(postgresql_url)
    engine = sa.create_engine(postgresql_url, pool_size=1, max_overflow=0)  # one connection
    with sql.create(engine) as store:
        for end in ("commit", "rollback"):
            with store.unit_of_work() as uow:
                with uow.writing("write nothing"):
                    pass  # the BEGIN owed is never sent, and must not stay owed
                getattr(uow, end)()
            with store.unit_of_work() as uow, uow.reading("read") as connection:
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
                driver: Any = connection.connection.driver_connection
                # a read of its own: no transaction left open on the server to end
                assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    engine.dispose()


def _refusing(database_url: str, table: str, message: str) -> Callable[[], None]:
    """A trigger that refuses every INSERT into ``table`` with ``message`` (SQLite's RAISE is
    a constraint error, PostgreSQL's an exception); gives the function that drops it."""
    engine = sa.create_engine(database_url)
    name = f"rb_test_refuse_{table}"
    postgres = engine.dialect.name == "postgresql"
    statements = (
        [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
        if postgres
        else [
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        ]
    )
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()

    def drop() -> None:
        with engine.begin() as connection:
            on = f" ON {table}" if postgres else ""
            connection.exec_driver_sql(f"DROP TRIGGER {name}{on}")
        engine.dispose()

    return drop


@pytest.mark.parametrize("leased", [False, True])
def test_a_refused_outbox_insert_commits_nothing_of_the_unit_of_work(
    store: sql.SqlClaimStore, database_url: str, leased: bool
) -> None:
    # on PostgreSQL the outbox's INSERT carries the COMMIT: a failing one must not commit
    claim = draft("claim-1")
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    _refusing(database_url, "rb_outbox", "the outbox refuses")
    with store.unit_of_work() as uow:
        uow.claims.get("claim-1")
        uow.claims.save(edited(claim, "changed"), claim.version)
        uow.outbox.add(notification("n-1"))
        if leased:
            uow.outbox.lease_on_commit(after(hours=1))
        # SQLite's RAISE is a constraint error, left as IntegrityError like the others
        with pytest.raises((StorageError, sa.exc.IntegrityError), match="the outbox refuses"):
            uow.commit()
    with store.unit_of_work() as uow:
        assert uow.claims.get("claim-1") == claim
        uow.claims.save(edited(claim, "again"), claim.version)  # the connection is usable
        uow.commit()
    assert store.queue.pending_count() == 0


def _held(store: sql.SqlClaimStore, reviewer: str) -> tuple[dict[str, int], list[str]]:
    """What the store says ``reviewer`` holds: the load routing reads, the work queue's ids."""
    with store.unit_of_work() as uow:
        queue = uow.claims.work_queue([reviewer])
        return dict(uow.claims.open_work([reviewer])), [c.id for c in queue]


def _submitted(store: sql.SqlClaimStore) -> Any:
    claim = submitted(draft("claim-1"))
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    return claim


def _assign(store: sql.SqlClaimStore, claim: Any, queued: bool) -> None:
    """``claim`` (submitted) assigned to rev-7 in a unit of work, queuing a notification or not."""
    with store.unit_of_work() as uow:
        uow.claims.get(claim.id)
        uow.claims.save(assigned(claim, "rev-7"), claim.version)
        if queued:
            uow.outbox.add(notification("n-1"))
        uow.commit()


@pytest.mark.parametrize("how", ["direct", "core"])
def test_a_unit_of_works_reads_see_the_holdings_and_loads_its_save_wrote(
    store: sql.SqlClaimStore, how: str
) -> None:
    # on PostgreSQL a save's holdings and loads are owed, sent with the transaction's next
    # statement: a read in the same unit of work (a Direct one or any other) carries them
    claim = _submitted(store)
    held = Direct(sa.select(HOLDINGS.c.reviewer_id).where(HOLDINGS.c.claim_id == "claim-1"))
    with store.unit_of_work() as uow:
        uow.claims.get("claim-1")
        uow.claims.save(assigned(claim, "rev-7"), claim.version)
        if how == "core":
            assert dict(uow.claims.open_work(["rev-7"])) == {"rev-7": 1}
        else:
            with uow.reading("read the holdings") as connection:
                assert [row.reviewer_id for row in held.run(connection).all()] == ["rev-7"]
        uow.commit()
    assert _held(store, "rev-7") == ({"rev-7": 1}, ["claim-1"])


@pytest.mark.parametrize("queued", [False, True])
def test_a_saves_holdings_and_loads_are_committed_with_it(
    store: sql.SqlClaimStore, database_url: str, queued: bool
) -> None:
    # on PostgreSQL the writes owed go with the outbox's INSERT and its COMMIT (queued), or
    # with the COMMIT the connection's commit sends (nothing queued)
    _assign(store, _submitted(store), queued)
    with sql.create(database_url) as other:  # another process's view
        assert _held(other, "rev-7") == ({"rev-7": 1}, ["claim-1"])
        assert other.queue.pending_count() == int(queued)


@pytest.mark.parametrize("queued", [False, True])
def test_a_refused_write_of_the_loads_is_a_storage_error_and_commits_nothing(
    store: sql.SqlClaimStore, database_url: str, queued: bool
) -> None:
    claim = _submitted(store)
    allow = _refusing(database_url, "rb_loads", "the loads refuse")
    # a typed refusal that says why: not "its number is already used", not a driver error
    # (SQLite refuses at the save; PostgreSQL at the commit, which carries the writes owed)
    with pytest.raises(StorageError, match="the loads refuse"):
        _assign(store, claim, queued)
    assert _held(store, "rev-7") == ({}, [])
    assert store.queue.pending_count() == 0
    with store.unit_of_work() as uow:
        assert uow.claims.get("claim-1") == claim
    allow()
    # the store's connections are usable, and nothing of the refused call stayed
    _assign(store, claim, queued)
    assert _held(store, "rev-7") == ({"rev-7": 1}, ["claim-1"])
    assert store.queue.pending_count() == int(queued)
