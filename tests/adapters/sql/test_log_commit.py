"""A claim commits with its pending log entries on SQL, or neither does (even in a crash).

The sealer appends what is pending to the tree later; every read of the log seals first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.audit import MerkleLog
from reimbursement.errors import ClaimNotFoundError, ConcurrencyError
from reimbursement.testing import approved, assigned, draft, submitted


def _log(store: sql.SqlClaimStore) -> MerkleLog:
    return MerkleLog(store.log, "claims.example.org/log")


def _count(store: sql.SqlClaimStore, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_every_commit_logs_the_events_it_adds_and_only_those(
    store: sql.SqlClaimStore,
) -> None:
    claim = assigned(submitted(draft("claim-1")))
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    # committed as pending entries: the commit wrote nothing of the tree
    assert (_count(store, "rb_log_pending"), _count(store, "rb_log_nodes")) == (3, 0)
    assert store.seal() == 3
    assert (_count(store, "rb_log_pending"), _count(store, "rb_log_events")) == (0, 3)
    assert store.seal() == 0
    assert _log(store).size == 3
    later = approved(claim)
    with store.unit_of_work() as uow:
        uow.claims.save(later, claim.version)
        uow.commit()
    report = _log(store).verify(later)  # a read of the log seals what is pending first
    assert report.intact
    assert report.unlogged == ()
    assert _count(store, "rb_log_pending") == 0
    assert _log(store).size == 4  # the first three were not logged again
    assert _log(store).record(later) == []


def test_a_commit_refused_for_a_stale_claim_logs_nothing(store: sql.SqlClaimStore) -> None:
    claim = submitted(draft("claim-1"))
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    with store.unit_of_work() as first, store.unit_of_work() as second:
        first.claims.get("claim-1")
        second.claims.get("claim-1")
        first.claims.save(assigned(claim), claim.version)
        first.commit()

        def save_stale() -> None:  # refused at the save or at the latest on commit
            second.claims.save(assigned(claim, "rev-2"), claim.version)
            second.commit()

        with pytest.raises(ConcurrencyError):
            save_stale()
    assert _log(store).size == 3
    with store.unit_of_work() as uow:
        assert _log(store).verify(uow.claims.get("claim-1")).intact


def test_an_event_logged_before_its_commit_is_sealed_once(store: sql.SqlClaimStore) -> None:
    # someone logged a claim before it was committed (record() of a claim built by hand):
    # the commit stands, and the sealer does not append its events a second time
    claim = submitted(draft("claim-2"))
    assert _log(store).record(claim) == [0, 1]
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    assert store.seal() == 2  # taken off the pending entries, appended to nothing
    assert _log(store).size == 2
    assert (_count(store, "rb_log_nodes"), _count(store, "rb_log_pending")) == (3, 0)
    with store.unit_of_work() as uow:
        assert _log(store).verify(uow.claims.get("claim-2")).intact


_CRASH = """
import os, sys
import sqlalchemy as sa
from reimbursement.adapters import sql
from reimbursement.testing import draft, submitted

store = sql.create(sys.argv[1])
# the process dies as its COMMIT is about to go to the database, after every write
if store.engine.dialect.name == "sqlite":
    sa.event.listen(store.engine, "commit", lambda connection: os._exit(17))
else:  # the store's commit listener sends the writes still owed with the COMMIT
    import psycopg

    execute = psycopg.Connection.execute

    def dying(self, query, *args, **kwargs):
        if query == "COMMIT":
            os._exit(17)
        return execute(self, query, *args, **kwargs)

    psycopg.Connection.execute = dying
    psycopg.Connection.commit = lambda self: os._exit(17)
with store.unit_of_work() as uow:
    uow.claims.add(submitted(draft("claim-9")))
    uow.commit()
"""


def test_a_process_that_dies_in_its_commit_leaves_neither_the_claim_nor_its_log_entries(
    store: sql.SqlClaimStore, database_url: str
) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(submitted(draft("claim-1")))
        uow.commit()
    before = _log(store).size
    died = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CRASH), database_url], check=False, timeout=120
    )
    assert died.returncode == 17
    with sql.create(database_url) as fresh:
        with fresh.unit_of_work() as uow, pytest.raises(ClaimNotFoundError):
            uow.claims.get("claim-9")
        assert _count(fresh, "rb_log_pending") == 0
        assert _log(fresh).size == before == 2
        with fresh.unit_of_work() as uow:
            uow.claims.add(submitted(draft("claim-9")))  # the next process commits it whole
            uow.commit()
        with fresh.unit_of_work() as uow:
            assert _log(fresh).verify(uow.claims.get("claim-9")).intact
        assert _log(fresh).size == 4


def test_a_claims_last_event_edited_in_the_database_is_caught_by_the_log(
    store: sql.SqlClaimStore,
) -> None:
    # the chain alone cannot see it (nothing links to the last event yet): the log can
    with store.unit_of_work() as uow:
        uow.claims.add(assigned(submitted(draft("claim-1"))))
        uow.commit()
    with store.engine.begin() as connection:
        raw = connection.execute(
            sa.text("SELECT body FROM rb_events WHERE claim_id = 'claim-1' AND seq = 3")
        ).scalar_one()
        body = json.loads(raw) if isinstance(raw, str) else raw
        body["actor"] = "rev-mallory"
        cast = "CAST(:body AS JSON)" if store.engine.dialect.name == "postgresql" else ":body"
        connection.execute(
            sa.text(f"UPDATE rb_events SET body = {cast} WHERE claim_id = 'claim-1' AND seq = 3"),
            {"body": json.dumps(body)},
        )
    with sql.create(store.engine.url) as fresh, fresh.unit_of_work() as uow:
        read = uow.claims.get("claim-1")
    assert read.events[-1].actor == "rev-mallory"
    report = _log(store).verify(read)
    assert report.chain.intact
    assert report.changed == (3,)


_DIES_BEFORE_SEALING = """
import os, sys
from reimbursement.adapters import sql
from reimbursement.testing import assigned, draft, submitted

store = sql.create(sys.argv[1])
with store.unit_of_work() as uow:
    uow.claims.add(assigned(submitted(draft("claim-7"))))
    uow.commit()
os._exit(17)  # committed, never sealed: no worker ran
"""


def test_a_process_that_dies_between_its_commit_and_the_seal_loses_nothing(
    store: sql.SqlClaimStore, database_url: str
) -> None:
    died = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_DIES_BEFORE_SEALING), database_url],
        check=False,
        timeout=120,
    )
    assert died.returncode == 17
    with sql.create(database_url) as fresh:  # the restart
        assert _count(fresh, "rb_log_pending") == 3
        assert fresh.seal() == 3
        with fresh.unit_of_work() as uow:
            assert _log(fresh).verify(uow.claims.get("claim-7")).intact
        assert _log(fresh).size == 3


_SEALER_CRASH = """
import os, sys
import sqlalchemy as sa
from reimbursement.adapters import sql

store = sql.create(sys.argv[1])
# the sealer dies as its batch reaches the database: the tree's rows written, the
# pending entries deleted, before COMMIT
sa.event.listen(store.engine, "commit", lambda connection: os._exit(17))
store.seal()
"""


def test_a_sealer_that_dies_before_its_commit_loses_nothing(
    store: sql.SqlClaimStore, database_url: str
) -> None:
    claims = [assigned(submitted(draft(f"claim-{i}"))) for i in range(3)]
    for claim in claims:
        with store.unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()
    died = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_SEALER_CRASH), database_url],
        check=False,
        timeout=120,
    )
    assert died.returncode == 17
    with sql.create(database_url) as fresh:
        assert (_count(fresh, "rb_log_pending"), _count(fresh, "rb_log_nodes")) == (9, 0)
        assert fresh.seal() == 9  # the next sealer appends them all, once
        assert _log(fresh).size == 9
        with fresh.unit_of_work() as uow:
            for claim in claims:
                assert _log(fresh).verify(uow.claims.get(claim.id)).intact


def test_on_postgresql_a_commit_does_not_wait_for_the_logs_lock(postgresql_url: str) -> None:
    # the lock serialized every commit across workers while commits appended to the log
    sql.upgrade(postgresql_url)
    engine = sa.create_engine(postgresql_url)

    @sa.event.listens_for(engine, "connect")
    def _impatient(dbapi_connection: object, record: object) -> None:
        dbapi_connection.execute("SET lock_timeout = '5s'")  # type: ignore[attr-defined]
        dbapi_connection.commit()  # type: ignore[attr-defined]

    with sql.SqlClaimStore(engine) as store, engine.connect() as sealer:
        sealer.exec_driver_sql("LOCK TABLE rb_log_events IN EXCLUSIVE MODE")  # a sealer's
        claim = submitted(draft("claim-1"))
        with store.unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()  # waiting for the lock would time out here
        with store.unit_of_work() as uow:
            uow.claims.save(assigned(claim), claim.version)
            uow.commit()
        assert store.seal(wait=False) == 0  # another sealer is at work: skip, do not queue
        sealer.rollback()
        assert store.seal(wait=False) == 3
        with store.unit_of_work() as uow:
            assert _log(store).verify(uow.claims.get("claim-1")).intact
    engine.dispose()
