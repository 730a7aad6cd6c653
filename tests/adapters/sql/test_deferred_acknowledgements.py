"""A delivery's acknowledgement is written by the next transaction that writes anyway.

What a user relies on: a delivered message is never leased again by the
store that delivered it, the claim's next message is still leased on the
commit that queues it (order per claim, immediate delivery), nothing is
lost when that commit fails, and closing the store writes what waits.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.errors import DuplicateRequestError
from reimbursement.ports import RequestRecord
from reimbursement.testing._builders import AT, draft, notification, submitted

LEASE = timedelta(minutes=5)


def _status(store: sql.SqlClaimStore, key: str) -> str:
    with store.engine.connect() as connection:
        query = sa.text("SELECT status FROM rb_outbox WHERE key = :key")
        return str(connection.execute(query, {"key": key}).scalar_one())


def _queue_leased(store: sql.SqlClaimStore, key: str, claim_id: str) -> list[str]:
    """A unit of work that writes a claim and queues ``key``, leased on its commit."""
    with store.unit_of_work() as uow:
        uow.claims.add(draft(claim_id))
        uow.outbox.add(notification(key, "claim-a"))
        uow.outbox.lease_on_commit(AT + LEASE)
        uow.commit()
        return [n.key for n in uow.outbox.leased]


def test_the_next_writing_commit_marks_the_delivery_and_leases_the_claims_next_message(
    store: sql.SqlClaimStore,
) -> None:
    assert _queue_leased(store, "event-1", "claim-1") == ["event-1"]
    store.queue.mark_delivered(["event-1"])
    assert _status(store, "event-1") == "pending"  # waiting for the next write
    # the claim's next message: leased on its commit, since the one before is marked first
    assert _queue_leased(store, "event-2", "claim-2") == ["event-2"]
    assert _status(store, "event-1") == "delivered"
    store.queue.mark_delivered(["event-2"])
    assert store.queue.pending_count() == 0  # the queue's calls write what waits first
    assert _status(store, "event-2") == "delivered"


def test_a_read_only_unit_of_work_writes_nothing_and_the_queue_never_leases_a_delivered_key(
    store: sql.SqlClaimStore,
) -> None:
    _queue_leased(store, "event-1", "claim-1")
    store.queue.mark_delivered(["event-1"])
    with store.unit_of_work() as uow:
        uow.claims.get("claim-1")
        uow.commit()
    assert _status(store, "event-1") == "pending"
    later = AT + LEASE * 2  # the lease has ended: only the acknowledgement keeps it out
    assert store.queue.claim_batch(10, now=later, lease=LEASE) == []
    assert _status(store, "event-1") == "delivered"


def test_a_failed_commit_gives_the_acknowledgements_back(store: sql.SqlClaimStore) -> None:
    _queue_leased(store, "event-1", "claim-1")
    with store.unit_of_work() as uow:
        uow.claims.remember_request(RequestRecord("key-1", "f", "claim-1", 1))
        uow.commit()
    store.queue.mark_delivered(["event-1"])
    with store.unit_of_work() as uow:
        uow.claims.save(submitted(draft("claim-1")), 1)
        uow.claims.remember_request(RequestRecord("key-1", "f", "claim-1", 3))
        with pytest.raises(DuplicateRequestError):  # refused at commit: nothing written
            uow.commit()
    assert _status(store, "event-1") == "pending"
    store.close()
    with sql.create(store.engine) as reopened:
        assert _status(reopened, "event-1") == "delivered"  # written when the store closed
