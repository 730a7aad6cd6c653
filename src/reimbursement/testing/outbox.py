"""The contract of the transactional outbox: :class:`~reimbursement.ports.Outbox` and
:class:`~reimbursement.ports.OutboxQueue`.

Needs the ``[testing]`` extra (pytest).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from ..errors import ConcurrencyError, ValidationError
from ..ports import OutboxMessage, OutboxQueue
from ._builders import AT, draft, edited, notification
from ._helpers import UnitOfWorkFactory, add, queue, save_and_commit
from ._outbox_deferral import LEASE, DeferralContract, later, lease_keys, leased_on_commit

__all__ = ["OutboxQueueContract"]

_lease, _leased_on_commit, _later = lease_keys, leased_on_commit, later


class OutboxQueueContract(DeferralContract):
    """What the unit of work's ``outbox`` and the dispatcher's queue must do together.

    Subclass it and provide two fixtures: ``unit_of_work``, a factory of new
    units of work on one store that is fresh and empty for each test (as for
    :class:`~reimbursement.testing.ClaimRepositoryContract`), and
    ``outbox_queue``, the :class:`~reimbursement.ports.OutboxQueue` of that
    store. A durable store also overrides ``reopen_queue``: a zero-argument
    callable that closes the store, opens it again and returns the new
    ``(unit_of_work, outbox_queue)``. Times are fixed instants passed as
    ``now``; the suite never reads a clock.
    """

    @pytest.fixture
    def reopen_queue(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> Callable[[], tuple[UnitOfWorkFactory, OutboxQueue]]:
        """Close the store and open it again; by default the same store goes on."""
        return lambda: (unit_of_work, outbox_queue)

    # -- queued with the claim -----------------------------------------------------------

    def test_committed_notifications_come_back_equal_oldest_first(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        odd = attrs.evolve(
            notification("event-3", "claim-3"), claim_number=None, subject="Reçu ✓", body="Ça."
        )
        firsts = [notification("event-1", "claim-1"), notification("event-2", "claim-2")]
        queue(unit_of_work, *firsts)
        queue(unit_of_work, odd)
        batch = outbox_queue.claim_batch(10, now=AT, lease=LEASE)
        assert [m.notification for m in batch] == [*firsts, odd]
        assert all(isinstance(m, OutboxMessage) and m.attempts == 0 for m in batch)
        assert all(m.last_error is None for m in batch)

    def test_notifications_are_not_queued_before_commit(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        with unit_of_work() as uow:
            uow.outbox.add(notification("event-1"))
            assert _lease(outbox_queue) == []
            assert outbox_queue.pending_count() == 0
            uow.commit()
        assert outbox_queue.pending_count() == 1
        assert _lease(outbox_queue) == ["event-1"]

    def test_notifications_of_a_unit_of_work_left_without_commit_are_dropped(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        with unit_of_work() as uow:
            uow.outbox.add(notification("event-1"))
        with unit_of_work() as uow:
            uow.outbox.add(notification("event-2"))
            uow.rollback()
        assert outbox_queue.pending_count() == 0
        assert _lease(outbox_queue) == []

    def test_notifications_of_a_refused_commit_are_dropped(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        with unit_of_work() as first, unit_of_work() as second:
            mine, theirs = first.claims.get("claim-1"), second.claims.get("claim-1")
            first.claims.save(edited(mine, "first"), mine.version)
            first.outbox.add(notification("event-1"))
            first.commit()
            second.outbox.add(notification("event-2"))
            with pytest.raises(ConcurrencyError):
                save_and_commit(second, edited(theirs, "second"), theirs.version)
        assert outbox_queue.pending_count() == 1
        assert _lease(outbox_queue) == ["event-1"]

    def test_a_key_queued_again_is_kept_once_as_first_queued(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        first = notification("event-1")
        again = attrs.evolve(first, subject="A replay", body="The same key, other text.")
        queue(unit_of_work, first, again)  # twice in one unit of work
        queue(unit_of_work, again)  # and again later, while it is pending
        assert outbox_queue.pending_count() == 1
        (message,) = outbox_queue.claim_batch(10, now=AT, lease=LEASE)
        assert message.notification == first

    def test_a_key_queued_again_after_delivery_is_not_delivered_again(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("event-1"))
        assert _lease(outbox_queue) == ["event-1"]
        outbox_queue.mark_delivered(["event-1"])
        queue(unit_of_work, notification("event-1"))
        assert _lease(outbox_queue, _later(60)) == []
        assert outbox_queue.pending_count() == 0

    # -- leases --------------------------------------------------------------------------

    @pytest.mark.parametrize("limit", [0, -1, True, 1.5, "10"])
    def test_a_batch_limit_that_is_no_whole_number_of_1_or_more_is_refused(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue, limit: object
    ) -> None:
        queue(unit_of_work, notification("event-1"))
        with pytest.raises(ValidationError) as refused:
            outbox_queue.claim_batch(limit, now=AT, lease=LEASE)  # type: ignore[arg-type]
        assert [p.path for p in refused.value.problems] == ["limit"]
        assert _lease(outbox_queue) == ["event-1"]  # the refused call leased nothing

    def test_a_batch_holds_at_most_one_message_per_claim_its_oldest(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(
            unit_of_work,
            notification("a-1", "claim-a"),
            notification("b-1", "claim-b"),
            notification("a-2", "claim-a"),
        )
        queue(unit_of_work, notification("c-1", "claim-c"), notification("b-2", "claim-b"))
        assert _lease(outbox_queue) == ["a-1", "b-1", "c-1"]

    def test_a_claims_messages_are_leased_in_the_order_queued_one_at_a_time(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, *(notification(f"event-{i}", "claim-1") for i in (1, 2, 3)))
        leased = []
        for minute in range(3):
            batch = _lease(outbox_queue, _later(minute))
            leased.extend(batch)
            assert _lease(outbox_queue, _later(minute)) == [], "a second message of one claim"
            outbox_queue.mark_delivered(batch)
        assert leased == ["event-1", "event-2", "event-3"]
        assert _lease(outbox_queue, _later(9)) == []

    def test_a_live_lease_is_skipped_and_an_ended_one_leased_again(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"), notification("a-2", "claim-a"))
        queue(unit_of_work, notification("b-1", "claim-b"))
        assert _lease(outbox_queue, limit=1) == ["a-1"]
        assert _lease(outbox_queue) == ["b-1"], "another dispatcher got a leased message"
        assert _lease(outbox_queue, _later(4)) == []
        # the first dispatcher died: its leases end and the messages go out again, in order
        assert _lease(outbox_queue, _later(6)) == ["a-1", "b-1"]

    def test_claim_batch_leases_at_most_limit_oldest_first(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, *(notification(f"event-{i}", f"claim-{i}") for i in range(1, 6)))
        assert _lease(outbox_queue, limit=2) == ["event-1", "event-2"]
        assert _lease(outbox_queue, limit=2) == ["event-3", "event-4"]
        assert _lease(outbox_queue, limit=2) == ["event-5"]

    # -- leased in the commit ------------------------------------------------------------

    def test_a_commit_leases_what_it_queues_to_its_caller_in_order(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        line = [notification("a-1", "claim-a"), notification("a-2", "claim-a")]
        other = notification("b-1", "claim-b")
        assert _leased_on_commit(unit_of_work, *line, other, until=_later(5)) == [
            "a-1",
            "a-2",
            "b-1",
        ]
        assert outbox_queue.pending_count() == 3
        assert _lease(outbox_queue, _later(4)) == [], "another dispatcher took a live lease"
        assert _lease(outbox_queue, _later(6)) == ["a-1", "b-1"]  # not delivered: again

    def test_a_commit_leases_nothing_of_a_claim_with_older_messages_waiting(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"))
        outbox_queue.record_failure("a-1", "SMTP 451", retry_at=_later(10))
        leased = _leased_on_commit(
            unit_of_work,
            notification("a-2", "claim-a"),
            notification("b-1", "claim-b"),
            until=_later(5),
        )
        assert leased == ["b-1"], "a-2 must wait behind a-1, its claim's older message"
        outbox_queue.mark_delivered(["b-1"])
        assert _lease(outbox_queue, _later(11)) == ["a-1"]
        outbox_queue.mark_delivered(["a-1"])
        assert _lease(outbox_queue, _later(11)) == ["a-2"]

    def test_a_commit_does_not_lease_a_key_already_queued_or_delivered(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"))
        assert _lease(outbox_queue) == ["a-1"]
        outbox_queue.mark_delivered(["a-1"])
        again = _leased_on_commit(unit_of_work, notification("a-1", "claim-a"), until=_later(5))
        assert again == [], "a delivered key was leased to be sent again"
        assert outbox_queue.pending_count() == 0

    def test_without_lease_on_commit_or_after_a_refused_commit_nothing_is_leased(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        with unit_of_work() as uow:
            uow.outbox.add(notification("a-1", "claim-a"))
            uow.commit()
            assert list(uow.outbox.leased) == []
        claim = draft("claim-1")
        add(unit_of_work, claim)
        with unit_of_work() as first, unit_of_work() as second:
            mine, theirs = first.claims.get("claim-1"), second.claims.get("claim-1")
            save_and_commit(first, edited(mine, "first"), mine.version)
            second.outbox.add(notification("event-2", "claim-1"))
            second.outbox.lease_on_commit(_later(5))
            with pytest.raises(ConcurrencyError):
                save_and_commit(second, edited(theirs, "second"), theirs.version)
            assert list(second.outbox.leased) == []
        assert _lease(outbox_queue) == ["a-1"]

    @pytest.mark.parametrize(
        ("limit", "lease"),
        [(0, LEASE), (-1, LEASE), (1, timedelta(0)), (1, timedelta(seconds=-1))],
    )
    def test_claim_batch_refuses_a_limit_below_one_or_a_lease_not_above_zero(
        self, outbox_queue: OutboxQueue, limit: int, lease: timedelta
    ) -> None:
        with pytest.raises(ValidationError):
            outbox_queue.claim_batch(limit, now=AT, lease=lease)

    # -- acknowledgements ----------------------------------------------------------------

    def test_a_delivered_message_is_never_leased_again(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, *(notification(f"event-{i}", f"claim-{i}") for i in (1, 2, 3)))
        assert _lease(outbox_queue) == ["event-1", "event-2", "event-3"]
        outbox_queue.mark_delivered(key for key in ("event-1", "event-3"))  # any iterable
        outbox_queue.mark_delivered(["event-1", "event-404"])  # again, and unknown: harmless
        assert outbox_queue.pending_count() == 1
        assert _lease(outbox_queue, _later(60)) == ["event-2"]
        assert _lease(outbox_queue, _later(600)) == ["event-2"]

    def test_a_failure_counts_keeps_the_reason_and_waits_for_its_retry_time(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("event-1"), notification("event-2"))
        assert _lease(outbox_queue) == ["event-1"]
        outbox_queue.record_failure("event-1", "SMTP 451", retry_at=_later(10))
        assert _lease(outbox_queue, _later(9)) == [], "leased before its retry time"
        (message,) = outbox_queue.claim_batch(10, now=_later(11), lease=LEASE)
        assert (message.notification.key, message.attempts) == ("event-1", 1)
        assert message.last_error == "SMTP 451"
        outbox_queue.record_failure("event-1", "SMTP 421", retry_at=_later(11))
        (message,) = outbox_queue.claim_batch(10, now=_later(12), lease=LEASE)
        assert (message.attempts, message.last_error) == (2, "SMTP 421")
        assert outbox_queue.pending_count() == 2

    def test_a_failure_ends_the_lease_so_the_retry_may_come_at_once(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("event-1"))
        assert _lease(outbox_queue) == ["event-1"]
        outbox_queue.record_failure("event-1", "timeout", retry_at=_later(1))
        assert _lease(outbox_queue, _later(1)) == ["event-1"]

    def test_a_parked_message_is_kept_aside_and_does_not_hold_back_its_claim(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("a-1", "claim-a"), notification("a-2", "claim-a"))
        queue(unit_of_work, notification("b-1", "claim-b"))
        assert _lease(outbox_queue) == ["a-1", "b-1"]
        outbox_queue.record_failure("a-1", "bad address", retry_at=_later(1))
        outbox_queue.park("a-1", "poison: bad address")
        outbox_queue.park("b-1", "poison: template")
        parked = outbox_queue.parked()
        assert [m.notification.key for m in parked] == ["a-1", "b-1"]
        assert parked[0].last_error == "poison: bad address"
        assert parked[0].attempts == 1
        assert [m.notification.key for m in outbox_queue.parked(limit=1)] == ["a-1"]
        assert outbox_queue.pending_count() == 1
        assert _lease(outbox_queue, _later(60)) == ["a-2"]

    def test_a_requeued_message_goes_out_again_with_its_attempts_reset(
        self, unit_of_work: UnitOfWorkFactory, outbox_queue: OutboxQueue
    ) -> None:
        queue(unit_of_work, notification("event-1"))
        assert _lease(outbox_queue) == ["event-1"]
        outbox_queue.record_failure("event-1", "boom", retry_at=_later(1))
        outbox_queue.park("event-1", "boom, five times")
        outbox_queue.requeue("event-1")
        assert list(outbox_queue.parked()) == []
        assert outbox_queue.pending_count() == 1
        (message,) = outbox_queue.claim_batch(10, now=_later(2), lease=LEASE)
        assert (message.notification.key, message.attempts) == ("event-1", 0)

    # -- surviving a restart -------------------------------------------------------------

    def test_the_queue_survives_reopening_the_store(
        self,
        unit_of_work: UnitOfWorkFactory,
        outbox_queue: OutboxQueue,
        reopen_queue: Callable[[], tuple[UnitOfWorkFactory, OutboxQueue]],
    ) -> None:
        keys = ("delivered", "failed", "parked", "leased", "deferred", "waiting")
        queue(unit_of_work, *(notification(key, f"claim-{key}") for key in keys))
        queue(unit_of_work, notification("behind", "claim-deferred"))
        assert _lease(outbox_queue, limit=5) == list(keys[:5])
        outbox_queue.mark_delivered(["delivered"])
        outbox_queue.record_failure("failed", "SMTP 451", retry_at=_later(30))
        outbox_queue.park("parked", "poison")
        outbox_queue.defer("deferred", "deferred: quiet hours", until=_later(30))
        reopened_unit_of_work, reopened = reopen_queue()
        assert reopened.pending_count() == 5
        assert [m.notification.key for m in reopened.parked()] == ["parked"]
        # "leased" is still leased; "behind" passes the deferred message of its claim
        assert _lease(reopened, _later(1)) == ["waiting", "behind"]
        reopened.record_failure("behind", "SMTP 451", retry_at=_later(2))
        batch = reopened.claim_batch(10, now=_later(31), lease=LEASE)
        assert [(m.notification.key, m.attempts) for m in batch] == [
            ("failed", 1),
            ("leased", 0),
            ("deferred", 0),
            ("waiting", 0),
        ]
        queue(reopened_unit_of_work, notification("delivered", "claim-delivered"))
        assert _lease(reopened, _later(99)) == ["failed", "leased", "deferred", "waiting"]
