"""Threads sharing one store on a real database: no lost update, no number or lease twice.

SQLite serialises the writers on its one write lock (waiting up to its busy
timeout); PostgreSQL lets them run and refuses stale saves. Either way every
committed change is kept exactly once. No timing is asserted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

from reimbursement.adapters import sql
from reimbursement.domain import commands
from reimbursement.domain.actors import Actor
from reimbursement.errors import ConcurrencyError
from reimbursement.testing import AT, draft, notification

THREADS = 4
ALICE = Actor.customer("cust-1", "Alice")
T = TypeVar("T")


def _in_threads(work: Callable[[int], T]) -> list[T]:
    start = threading.Barrier(THREADS)

    def run(worker: int) -> T:
        start.wait()
        return work(worker)

    with ThreadPoolExecutor(THREADS) as pool:
        return [done.result() for done in [pool.submit(run, w) for w in range(THREADS)]]


def test_threads_saving_one_claim_with_retries_lose_no_update(store: sql.SqlClaimStore) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(draft("claim-1"))
        uow.commit()
    per_thread = 10

    def work(worker: int) -> int:
        conflicts = 0
        for i in range(per_thread):
            while True:
                with store.unit_of_work() as uow:
                    claim = uow.claims.get("claim-1")
                    new = commands.post_message(claim, ALICE, claim.created_at, f"{worker}-{i}")
                    try:
                        uow.claims.save(new, claim.version)
                        uow.commit()
                        break
                    except ConcurrencyError:
                        conflicts += 1
        return conflicts

    _in_threads(work)
    with store.unit_of_work() as uow:
        final = uow.claims.get("claim-1")
    assert final.version == 1 + THREADS * per_thread
    assert sorted(m.body for m in final.messages) == sorted(
        f"{w}-{i}" for w in range(THREADS) for i in range(per_thread)
    )


def test_threads_taking_claim_numbers_never_commit_the_same_one(
    store: sql.SqlClaimStore,
) -> None:
    def work(worker: int) -> list[int]:
        committed = []
        for i in range(15):
            with store.unit_of_work() as uow:
                number = uow.claims.next_number("CLM-2026")
                if i % 3:
                    uow.commit()
                    committed.append(number)
                # the others roll back (on SQLite the number goes back to the sequence)
        return committed

    numbers = sorted(n for batch in _in_threads(work) for n in batch)
    assert len(numbers) == len(set(numbers)) == THREADS * 10, "a number was committed twice"
    if store.engine.dialect.name == "sqlite":
        # taken under the unit of work's write lock: a rollback gives it back, no gaps
        assert numbers == list(range(1, THREADS * 10 + 1))
    else:  # taken at once in a transaction of its own: a rollback leaves a gap
        assert numbers[-1] <= THREADS * 15


def test_dispatcher_threads_lease_each_message_once_and_in_order(
    store: sql.SqlClaimStore,
) -> None:
    with store.unit_of_work() as uow:
        for i in range(40):
            uow.outbox.add(notification(f"claim-{i % 8}#{i // 8 + 1}", f"claim-{i % 8}"))
        uow.commit()
    delivered: list[str] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        idle = 0
        while idle < 20:  # a long lease: nothing is leased twice, so nothing is sent twice
            batch = store.queue.claim_batch(3, now=AT, lease=timedelta(hours=1))
            if not batch:
                idle += 1
                continue
            idle = 0
            keys = [m.notification.key for m in batch]
            assert len({key.split("#")[0] for key in keys}) == len(keys), keys
            with lock:
                delivered.extend(keys)
            store.queue.mark_delivered(keys)

    _in_threads(work)
    assert store.queue.pending_count() == 0
    assert Counter(delivered) == Counter(f"claim-{i % 8}#{i // 8 + 1}" for i in range(40))
    for claim in range(8):
        mine = [int(k.split("#")[1]) for k in delivered if k.startswith(f"claim-{claim}#")]
        assert mine == [1, 2, 3, 4, 5]
