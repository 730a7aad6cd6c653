"""The in-memory store appends to its Merkle log in the commit: all of a commit, or nothing."""

from __future__ import annotations

import pytest

from reimbursement.adapters.memory import InMemoryClaimStore
from reimbursement.audit import MerkleLog
from reimbursement.errors import ConcurrencyError, DuplicateRequestError
from reimbursement.ports import RequestRecord
from reimbursement.testing import approved, assigned, draft, submitted


def _log(store: InMemoryClaimStore) -> MerkleLog:
    return MerkleLog(store.log, "claims.example.org/log")


def test_a_commit_logs_the_events_it_adds() -> None:
    store = InMemoryClaimStore()
    claim = assigned(submitted(draft("c-1")))
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    with store.unit_of_work() as uow:
        uow.claims.save(approved(claim), claim.version)
        uow.commit()
    report = _log(store).verify(store.claims["c-1"])
    assert report.intact
    assert report.unlogged == ()
    assert _log(store).size == 4


def test_a_refused_commit_logs_nothing() -> None:
    store = InMemoryClaimStore()
    claim = submitted(draft("c-1"))
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.claims.remember_request(RequestRecord("key-1", "fp", "c-1"))
        uow.commit()
    with store.unit_of_work() as stale, store.unit_of_work() as other:
        stale.claims.save(assigned(claim), claim.version)
        other.claims.save(assigned(claim, "rev-2"), claim.version)
        other.commit()
        with pytest.raises(ConcurrencyError):
            stale.commit()
    with store.unit_of_work() as uow:
        uow.claims.add(submitted(draft("c-2")))
        uow.claims.remember_request(RequestRecord("key-1", "fp", "c-2"))
        with pytest.raises(DuplicateRequestError):
            uow.commit()
    assert _log(store).size == 3  # c-1's two events and the one save that won
    assert _log(store).verify(store.claims["c-1"]).intact


def test_a_commit_that_fails_while_writing_takes_its_log_entries_back() -> None:
    store = InMemoryClaimStore()
    with store.unit_of_work() as uow:
        uow.claims.add(submitted(draft("c-1")))
        uow.commit()
    before = _log(store).size

    def broken(claim: object) -> None:
        raise MemoryError("the process ran out of memory while writing the claim")

    store.write = broken  # type: ignore[method-assign]
    with store.unit_of_work() as uow:
        uow.claims.add(submitted(draft("c-2")))
        with pytest.raises(MemoryError):
            uow.commit()
    assert _log(store).size == before == 2
    assert "c-2" not in store.claims
    del store.write  # the class's own again
    with store.unit_of_work() as uow:
        uow.claims.add(submitted(draft("c-2")))
        uow.commit()
    assert _log(store).verify(store.claims["c-2"]).intact
    assert _log(store).size == 4
