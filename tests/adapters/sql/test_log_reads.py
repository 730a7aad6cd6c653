"""Reads of the SQL Merkle log take no lock: a reader never holds up a commit or a sealer.

A read block works on one snapshot of the tree; entries pending when it
begins are sealed first (so it sees every event committed before it); a
block that appends writes at its end, and only on the tree it read.
"""

from __future__ import annotations

import pytest

from reimbursement.adapters import sql
from reimbursement.audit import MerkleLog
from reimbursement.audit.log import append_entries
from reimbursement.errors import ConcurrencyError
from reimbursement.testing._builders import draft, submitted


def _commit(store: sql.SqlClaimStore, claim_id: str) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(submitted(draft(claim_id)))  # two events, committed pending
        uow.commit()


def test_a_read_holds_up_no_commit_and_no_sealer_and_reads_one_snapshot(
    store: sql.SqlClaimStore,
) -> None:
    _commit(store, "claim-1")
    with store.log.transaction() as writes:
        assert writes.size() == 2  # pending when it began: sealed first
        _commit(store, "claim-2")  # on SQLite it would wait for a reader holding the lock
        assert store.seal(wait=False) == 2  # nor does the sealer wait
        assert writes.size() == 2  # the snapshot it began with
        assert writes.index_of("claim-2#1") is None
    assert MerkleLog(store.log, "claims.example.org/log").size == 4


def test_an_append_on_a_tree_that_grew_meanwhile_is_refused_and_writes_nothing(
    store: sql.SqlClaimStore,
) -> None:
    block = store.log.transaction()
    writes = block.__enter__()
    append_entries(writes, [("elsewhere#1", "ab" * 32)])
    _commit(store, "claim-1")
    store.seal()  # another writer grows the tree while the block is open
    with pytest.raises(ConcurrencyError):
        block.__exit__(None, None, None)
    log = MerkleLog(store.log, "claims.example.org/log")
    assert log.size == 2
    with store.log.transaction() as writes:
        assert writes.index_of("elsewhere#1") is None
        assert append_entries(writes, [("elsewhere#1", "ab" * 32)]) == [2]  # retried
    assert log.size == 3
