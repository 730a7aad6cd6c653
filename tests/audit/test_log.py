"""The log store contract on the in-memory store (SQL: tests/adapters/sql/test_log_sql.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from reimbursement.audit import LogStore, MemoryLogStore, MerkleTree
from reimbursement.domain.events import event_id
from reimbursement.testing.log import LogStoreContract


class TestMemoryLogStore(LogStoreContract):
    @pytest.fixture
    def log_store(self) -> Callable[[], LogStore]:
        store = MemoryLogStore()
        return lambda: store


def _digest(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


@pytest.mark.parametrize("batches", [[1], [3, 1, 4, 1, 5, 9, 2, 6], [64, 1, 63], [7] * 20])
def test_digests_appended_by_commits_make_the_tree_appending_each_leaf_does(
    batches: list[int],
) -> None:
    """The commits' digests, hashed at the next transaction: every node as leaf by leaf."""
    store, one_by_one = MemoryLogStore(), MerkleTree()
    n = 0
    for round_, size in enumerate(batches):
        claim = f"c-{round_ % 3}"
        done = sum(batches[i] for i in range(round_) if i % 3 == round_ % 3)
        digests = [_digest(n + i) for i in range(size)]
        if round_ % 2:
            store.append_events(claim, done, bytes.fromhex("".join(digests)))
        else:
            store.extend((event_id(claim, done + i), d) for i, d in enumerate(digests, 1))
        for d in digests:
            one_by_one.append(bytes.fromhex(d))
        n += size
        with store.transaction() as writes:
            tree = MerkleTree(writes)
            assert tree.size == n
            assert tree.root() == one_by_one.root()
            assert tree.inclusion_proof(n - 1) == one_by_one.inclusion_proof(n - 1)
            assert writes.index_of(event_id(claim, done + size)) == n - 1
    with store.transaction() as writes:
        for level in range(n.bit_length()):
            for index in range(n >> level):
                assert writes.node(level, index) == one_by_one.nodes.node(level, index)


def test_an_event_id_that_is_not_one_of_the_logs_has_no_leaf() -> None:
    store = MemoryLogStore()
    store.append_events("c#1", 0, bytes.fromhex(_digest(0) + _digest(1)))
    with store.transaction() as writes:
        assert writes.index_of("c#1#2") == 1
        for unknown in ("c#1#3", "c#1#02", "c#1#0", "c#1", "c#1#", "c#1#²", "d#1"):
            assert writes.index_of(unknown) is None


def test_a_failed_transaction_forgets_the_events_it_bound() -> None:
    store = MemoryLogStore()
    store.append_events("c-1", 0, bytes.fromhex(_digest(0)))

    def fail() -> None:
        with store.transaction() as writes:
            index = MerkleTree(writes).append(bytes.fromhex(_digest(1)))
            writes.bind("c-1#2", index)
            writes.bind("c-2#5", index)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    with store.transaction() as writes:
        assert writes.size() == 1
        assert writes.index_of("c-1#1") == 0
        assert writes.index_of("c-1#2") is None
        assert writes.index_of("c-2#5") is None
