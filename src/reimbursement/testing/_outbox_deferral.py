"""The outbox contract's part on deferral: a message held for the customer's quiet hours.

:class:`~reimbursement.testing.OutboxQueueContract` inherits it; see
:meth:`~reimbursement.ports.OutboxQueue.defer`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..ports import Notification, OutboxQueue
from ._builders import AT, notification
from ._helpers import UnitOfWorkFactory, queue

__all__ = ["LEASE", "DeferralContract", "later", "lease_keys", "leased_on_commit"]

LEASE = timedelta(minutes=5)
"""The lease the suite's dispatchers take."""


def lease_keys(outbox_queue: OutboxQueue, at: datetime = AT, limit: int = 100) -> list[str]:
    """The keys a dispatcher leases at ``at``."""
    batch = outbox_queue.claim_batch(limit, now=at, lease=LEASE)
    return [message.notification.key for message in batch]


def leased_on_commit(
    unit_of_work: UnitOfWorkFactory, *notifications: Notification, until: datetime
) -> list[str]:
    """Queue ``notifications`` leased on commit until ``until``; the keys the commit leased."""
    with unit_of_work() as uow:
        for item in notifications:
            uow.outbox.add(item)
        uow.outbox.lease_on_commit(until)
        assert list(uow.outbox.leased) == [], "leased before the commit"
        uow.commit()
        return [item.key for item in uow.outbox.leased]


def later(minutes: float) -> datetime:
    """``minutes`` after the suite's instant."""
    return AT + timedelta(minutes=minutes)


_lease, _leased_on_commit, _later = lease_keys, leased_on_commit, later


class DeferralContract:
    """Deferral (quiet hours): out of the claim's line until its time, and no attempt."""

    # -- deferred for the customer (quiet hours) -----------------------------------------

    def test_a_deferred_message_lets_its_claims_later_ones_pass_and_is_no_attempt(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"), notification("a-2", "claim-a"))
        assert _lease(outbox_queue) == ["a-1"]
        outbox_queue.defer("a-1", "deferred: quiet hours", until=_later(60))
        assert _lease(outbox_queue, _later(1)) == ["a-2"], "a-2 waited behind a deferred a-1"
        outbox_queue.mark_delivered(["a-2"])
        assert _lease(outbox_queue, _later(59)) == [], "leased before its time"
        assert outbox_queue.pending_count() == 1
        (message,) = outbox_queue.claim_batch(10, now=_later(60), lease=LEASE)
        assert (message.notification.key, message.attempts) == ("a-1", 0)

    def test_when_its_time_comes_a_deferred_message_goes_before_the_later_ones(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"), notification("a-2", "claim-a"))
        queue(unit_of_work, notification("a-3", "claim-a"))
        assert _lease(outbox_queue) == ["a-1"]
        outbox_queue.defer("a-1", "deferred: quiet hours", until=_later(60))
        assert _lease(outbox_queue, _later(1)) == ["a-2"]
        outbox_queue.defer("a-2", "deferred: quiet hours", until=_later(60))
        assert _lease(outbox_queue, _later(2)) == ["a-3"]
        outbox_queue.record_failure("a-3", "SMTP 451", retry_at=_later(3))
        # all three due: the claim's line is in the order they were queued, one at a time
        assert _lease(outbox_queue, _later(61)) == ["a-1"]
        outbox_queue.mark_delivered(["a-1"])
        assert _lease(outbox_queue, _later(61)) == ["a-2"]
        outbox_queue.mark_delivered(["a-2"])
        assert _lease(outbox_queue, _later(61)) == ["a-3"]

    def test_a_commit_leases_a_claims_new_message_past_a_deferred_one(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"))
        assert _lease(outbox_queue) == ["a-1"]
        outbox_queue.defer("a-1", "deferred: quiet hours", until=_later(60))
        leased = _leased_on_commit(unit_of_work, notification("a-2", "claim-a"), until=_later(5))
        assert leased == ["a-2"], "an urgent message would wait for the quiet hours"
        assert outbox_queue.pending_count() == 2

    def test_a_deferred_message_can_be_parked_and_defer_ignores_what_is_not_pending(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"), notification("b-1", "claim-b"))
        assert _lease(outbox_queue) == ["a-1", "b-1"]
        outbox_queue.mark_delivered(["b-1"])
        outbox_queue.defer("b-1", "late", until=_later(60))  # delivered: stays so
        outbox_queue.defer("x-404", "unknown", until=_later(60))
        outbox_queue.defer("a-1", "deferred: quiet hours", until=_later(60))
        outbox_queue.park("a-1", "poison")
        assert [m.notification.key for m in outbox_queue.parked()] == ["a-1"]
        assert outbox_queue.pending_count() == 0
        assert _lease(outbox_queue, _later(61)) == []
