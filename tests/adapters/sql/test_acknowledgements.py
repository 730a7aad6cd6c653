"""Acknowledgements on PostgreSQL: single statements whose commit does not wait for the flush.

Whether a commit waited for the WAL flush cannot be seen from outside (short
of crashing the server), so these tests check what can go wrong around it:
the setting is local to the acknowledgement's own statement, and the pooled
connection it used goes back to the units of work transactional and durable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.testing._builders import AT, draft, notification

pytestmark = pytest.mark.postgres


@pytest.fixture
def one_connection(postgresql_url: str) -> Iterator[sql.SqlClaimStore]:
    """A store whose engine has a single connection: every call reuses it."""
    sql.upgrade(postgresql_url)
    engine = sa.create_engine(postgresql_url, poolclass=sa.pool.StaticPool)
    with sql.create(engine) as store:
        yield store
    engine.dispose()


def _setting(store: sql.SqlClaimStore) -> str:
    with store.engine.connect() as connection:
        return str(connection.exec_driver_sql("SHOW synchronous_commit").scalar())


def test_acknowledgements_leave_the_connection_durable_and_transactional(
    one_connection: sql.SqlClaimStore,
) -> None:
    store = one_connection
    with store.unit_of_work() as uow:
        for key in ("event-1", "event-2", "event-3"):
            uow.outbox.add(notification(key, f"claim-{key}"))
        uow.commit()
    leased = store.queue.claim_batch(3, now=AT, lease=timedelta(minutes=5))
    assert len(leased) == 3
    store.queue.mark_delivered(["event-1"])
    store.queue.record_failure("event-2", "channel down", retry_at=AT + timedelta(minutes=1))
    store.queue.park("event-3", "poison")
    assert _setting(store) == "on"  # local to each acknowledgement, never the session's
    with store.unit_of_work() as uow:  # and the connection is back in a transaction
        uow.claims.add(draft("claim-1"))
        uow.rollback()
    with store.unit_of_work() as uow:
        assert list(uow.claims.for_customer("cust-1")) == []
    assert store.queue.pending_count() == 1
    assert [m.notification.key for m in store.queue.parked()] == ["event-3"]
    later = store.queue.claim_batch(3, now=AT + timedelta(minutes=1), lease=timedelta(minutes=5))
    assert [(m.notification.key, m.attempts, m.last_error) for m in later] == [
        ("event-2", 1, "channel down")
    ]
