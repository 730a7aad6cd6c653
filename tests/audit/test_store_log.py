"""The in-memory claim store commits with its Merkle log: the store-log contract."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from reimbursement.adapters.memory import InMemoryClaimStore
from reimbursement.audit import LogStore, MemoryLogStore, MerkleLog
from reimbursement.testing import UnitOfWorkFactory
from reimbursement.testing.store_log import EditEvent, StoreLogContract


class TestInMemoryStoreLog(StoreLogContract):
    @pytest.fixture
    def store(self) -> InMemoryClaimStore:
        return InMemoryClaimStore()

    @pytest.fixture
    def unit_of_work(self, store: InMemoryClaimStore) -> UnitOfWorkFactory:
        return store.unit_of_work

    @pytest.fixture
    def log_store(self, store: InMemoryClaimStore) -> LogStore:
        return store.log

    @pytest.fixture
    def edit_event(self, store: InMemoryClaimStore) -> EditEvent:
        def edit(claim_id: str, seq: int, reason: str) -> None:
            claim = store.claims[claim_id]
            events = list(claim.events)
            old = events[seq - 1]
            events[seq - 1] = attrs.evolve(old, data=old.data, reason=reason)
            store.claims[claim_id] = attrs.evolve(claim, events=events)

        return edit


class TestStoreLogSealedAfterCommit(TestInMemoryStoreLog):
    """A log kept apart from the store, sealed after the commits: the ``seal`` hook."""

    @pytest.fixture
    def log_store(self) -> LogStore:
        return MemoryLogStore()

    @pytest.fixture
    def seal(self, store: InMemoryClaimStore, log_store: LogStore) -> Callable[[], None]:
        apart = MerkleLog(log_store, "apart")

        def seal() -> None:
            for claim in sorted(store.claims.values(), key=lambda c: store.rank[c.id]):
                apart.record(claim)

        return seal


def test_without_its_seal_a_log_kept_apart_fails_the_contract() -> None:
    store = InMemoryClaimStore()
    contract = TestStoreLogSealedAfterCommit()
    log = MerkleLog(MemoryLogStore(), "claims.example.org/log", None)
    with pytest.raises(AssertionError):
        contract.test_every_committed_event_is_in_the_log_exactly_once(
            store.unit_of_work, log, lambda: None
        )
