"""Sealing the Merkle log while commits run: every event once, in order, checkpoints extending.

On memory (commits append themselves), SQLite and PostgreSQL, with
committing threads and a sealer beside them, and on the databases with
committing processes that also seal.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryClaimStore
from reimbursement.adapters.signing import Ed25519Signer
from reimbursement.audit import MemoryLogStore, MerkleLog, NoteSigner, verify_extension
from reimbursement.audit.merkle import MerkleTree
from reimbursement.domain.events import event_id
from reimbursement.errors import ValidationError
from reimbursement.testing import approved, assigned, draft, submitted

from .conftest import DATABASES

_SEAL = Ed25519Signer.generate("seal")
_KEYS = {"claims.example.org": _SEAL.public_bytes}
_WRITERS, _CLAIMS = 3, 12  # each writer: claims added, then saved twice (4 events each)


def _log(store: Any) -> MerkleLog:
    return MerkleLog(
        store.log,
        "claims.example.org/log",
        NoteSigner("claims.example.org", _SEAL, _SEAL.public_bytes),
    )


@pytest.fixture(
    params=[
        "memory",
        *(
            pytest.param(d, marks=pytest.mark.postgres) if d == "postgresql" else d
            for d in DATABASES
        ),
    ]
)
def any_store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "memory":
        yield InMemoryClaimStore()
        return
    url = str(request.getfixturevalue(f"{request.param}_url"))
    sql.upgrade(url)
    with sql.create(url) as store:
        yield store


def _write(store: Any, writer: int) -> None:
    """One writer's claims: each added submitted (2 events), assigned, then approved."""
    for i in range(_CLAIMS):
        claim = submitted(draft(f"w{writer}-{i}"))
        with store.unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()
        for step in (assigned, approved):
            later = step(claim)
            with store.unit_of_work() as uow:
                uow.claims.save(later, claim.version)
                uow.commit()
            claim = later


def _check(store: Any, checkpoints: list[str]) -> None:
    """Every committed event holds exactly one leaf, in its claim's order; checkpoints extend."""
    log = _log(store)
    ids = [f"w{w}-{i}" for w in range(_WRITERS) for i in range(_CLAIMS)]
    with store.unit_of_work() as uow:
        claims = [uow.claims.get(claim_id) for claim_id in ids]
    assert all(log.verify(claim).intact for claim in claims)
    with store.log.transaction() as writes:
        leaves = {
            claim.id: [writes.index_of(event_id(claim.id, e.seq)) for e in claim.events]
            for claim in claims
        }
        size = writes.size()
    everything = [leaf for claim_leaves in leaves.values() for leaf in claim_leaves]
    assert size == len(everything) == _WRITERS * _CLAIMS * 4
    assert sorted(everything) == list(range(size))  # no event twice, no leaf without one
    assert all(found == sorted(found) for found in leaves.values())  # each claim in order
    checkpoints.append(log.checkpoint())
    for old, new in itertools.pairwise(checkpoints):
        sizes = [int(note.split("\n")[1]) for note in (old, new)]
        if sizes[0]:
            verify_extension(old, new, log.consistency(*sizes), _KEYS)


def test_a_sealer_beside_committing_threads_logs_every_event_once_in_order(
    any_store: Any,
) -> None:
    checkpoints: list[str] = []
    done = threading.Event()
    failures: list[BaseException] = []

    def seal() -> None:
        try:
            while not done.is_set():
                any_store.seal()
                checkpoints.append(_log(any_store).checkpoint())
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)

    writers = [threading.Thread(target=_write, args=(any_store, w)) for w in range(_WRITERS)]
    sealer = threading.Thread(target=seal)
    sealer.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    sealer.join()
    assert failures == []
    _check(any_store, checkpoints)


def _commit_and_seal(url: str, writer: int) -> None:
    """A process of its own: one writer's claims, then a seal (sealers race one another too)."""
    with sql.create(url) as store:
        _write(store, writer)
        store.seal()


def test_processes_that_commit_and_seal_log_every_event_once_in_order(
    database_url: str, store: sql.SqlClaimStore
) -> None:
    checkpoints = []
    with ProcessPoolExecutor(_WRITERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        writers = [pool.submit(_commit_and_seal, database_url, w) for w in range(_WRITERS)]
        while not all(w.done() for w in writers):  # a sealer of its own, meanwhile
            store.seal(wait=False)
            checkpoints.append(_log(store).checkpoint())
        for writer in writers:
            writer.result(timeout=120)
    _check(store, checkpoints)


def test_sealing_in_batches_builds_the_tree_that_appending_one_by_one_builds(
    store: sql.SqlClaimStore,
) -> None:
    claims = [approved(assigned(submitted(draft(f"c-{i}")))) for i in range(9)]
    for claim in claims:  # 36 events, pending
        with store.unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()
    sealer = sql.SqlLogStore(store.engine, batch=5)  # every size of the tree's edge on the way
    assert sealer.seal(limit=7) == 7
    assert sealer.seal(limit=1) == 1
    assert sealer.seal() == 28
    assert sealer.seal() == 0
    one_by_one = MerkleLog(MemoryLogStore(), "claims.example.org/log")
    for claim in claims:
        one_by_one.record(claim)
    with store.log.transaction() as sealed, one_by_one.store.transaction() as expected:
        assert sealed.size() == expected.size() == 36
        for size in range(1, 37):
            assert MerkleTree(sealed).root(size) == MerkleTree(expected).root(size)


def test_a_seal_limit_below_one_is_refused(store: sql.SqlClaimStore) -> None:
    with pytest.raises(ValidationError):
        store.seal(limit=0)
    with pytest.raises(ValidationError):
        sql.SqlLogStore(store.engine, batch=0)
