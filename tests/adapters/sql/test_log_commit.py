"""A claim and its Merkle log entries commit together on SQL, or neither does (even in a crash)."""

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


def test_every_commit_logs_the_events_it_adds_and_only_those(
    store: sql.SqlClaimStore,
) -> None:
    claim = assigned(submitted(draft("claim-1")))
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    assert _log(store).size == 3
    later = approved(claim)
    with store.unit_of_work() as uow:
        uow.claims.save(later, claim.version)
        uow.commit()
    report = _log(store).verify(later)
    assert report.intact
    assert report.unlogged == ()
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


def test_a_log_append_that_fails_leaves_no_claim_behind(store: sql.SqlClaimStore) -> None:
    # someone logged a claim that was never committed (record() of a claim built by hand):
    # the commit's append of its events violates the log's unique event id
    claim = submitted(draft("claim-2"))
    assert _log(store).record(claim) == [0, 1]
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        with pytest.raises(ConcurrencyError, match="nothing of this unit of work was written"):
            uow.commit()
    with store.unit_of_work() as uow, pytest.raises(ClaimNotFoundError):
        uow.claims.get("claim-2")
    assert _log(store).size == 2
    with store.engine.connect() as connection:
        nodes = connection.execute(sa.text("SELECT count(*) FROM rb_log_nodes")).scalar_one()
    assert nodes == 3  # two leaves and their parent: none of the refused append's


_CRASH = """
import os, sys
import sqlalchemy as sa
from reimbursement.adapters import sql
from reimbursement.testing import draft, submitted

store = sql.create(sys.argv[1])
# the process dies as its commit reaches the database: after every write, before COMMIT
sa.event.listen(store.engine, "commit", lambda connection: os._exit(17))
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
