"""The contract of :class:`~reimbursement.ports.Outbox`: the transactional outbox."""

from __future__ import annotations

import attrs
import pytest

from ..errors import ConcurrencyError
from ..ports import Notification
from ._builders import draft, edited, notification
from .claims import UnitOfWorkFactory, _save_and_commit

__all__ = ["OutboxContract"]


def _commit(unit_of_work: UnitOfWorkFactory, *notifications: Notification) -> None:
    with unit_of_work() as uow:
        for item in notifications:
            uow.outbox.add(item)
        uow.commit()


def _pending(unit_of_work: UnitOfWorkFactory, limit: int = 100) -> list[Notification]:
    with unit_of_work() as uow:
        return list(uow.outbox.pending(limit))


class OutboxContract:
    """What every unit of work's ``outbox`` must do.

    Needs the same fixture as :class:`~reimbursement.testing.ClaimRepositoryContract`:
    ``unit_of_work``, a factory of new units of work on one store that is fresh
    and empty for each test. Subclass both to check a whole store.
    """

    def test_committed_notifications_are_pending_in_order(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first = [notification("event-1"), notification("event-2"), notification("event-3")]
        odd = attrs.evolve(
            notification("event-4"), claim_number=None, subject="Reçu ✓", body="Ça avance."
        )
        _commit(unit_of_work, *first)
        assert _pending(unit_of_work) == first
        _commit(unit_of_work, odd)
        assert _pending(unit_of_work) == [*first, odd]

    def test_notifications_are_not_pending_before_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.outbox.add(notification("event-1"))
            assert list(uow.outbox.pending()) == []
            assert _pending(unit_of_work) == []
            uow.commit()
        assert _pending(unit_of_work) == [notification("event-1")]

    def test_notifications_of_a_unit_of_work_left_without_commit_are_dropped(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.outbox.add(notification("event-1"))
        with unit_of_work() as uow:
            uow.outbox.add(notification("event-2"))
            uow.rollback()
        assert _pending(unit_of_work) == []

    def test_notifications_of_a_refused_commit_are_dropped(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        with unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()
        with unit_of_work() as first, unit_of_work() as second:
            mine, theirs = first.claims.get("claim-1"), second.claims.get("claim-1")
            first.claims.save(edited(mine, "first"), mine.version)
            first.outbox.add(notification("event-1"))
            first.commit()
            second.outbox.add(notification("event-2"))
            with pytest.raises(ConcurrencyError):
                _save_and_commit(second, edited(theirs, "second"), theirs.version)
        assert _pending(unit_of_work) == [notification("event-1")]

    def test_mark_delivered_removes_those_keys_only(self, unit_of_work: UnitOfWorkFactory) -> None:
        one, two, three = (notification(f"event-{i}") for i in (1, 2, 3))
        _commit(unit_of_work, one, two, three)
        with unit_of_work() as uow:
            uow.outbox.mark_delivered(["event-2"])
        assert _pending(unit_of_work) == [one, three]
        with unit_of_work() as uow:
            uow.outbox.mark_delivered(key for key in ("event-1", "event-3"))  # any iterable
        assert _pending(unit_of_work) == []

    def test_marking_a_delivered_or_unknown_key_again_is_harmless(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        # at-least-once delivery: two dispatchers may both deliver and mark one key
        _commit(unit_of_work, notification("event-1"), notification("event-2"))
        with unit_of_work() as uow:
            uow.outbox.mark_delivered(["event-1"])
            uow.outbox.mark_delivered(["event-1", "event-404"])
        assert _pending(unit_of_work) == [notification("event-2")]

    def test_pending_returns_at_most_limit_oldest_first(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        queued = [notification(f"event-{i}") for i in range(1, 6)]
        _commit(unit_of_work, *queued[:3])
        _commit(unit_of_work, *queued[3:])
        assert _pending(unit_of_work, 1) == queued[:1]
        assert _pending(unit_of_work, 2) == queued[:2]
        assert _pending(unit_of_work, 4) == queued[:4]
        assert _pending(unit_of_work, 50) == queued
        with unit_of_work() as uow:
            assert list(uow.outbox.pending()) == queued  # the default limit is 100

    def test_the_outbox_works_after_commit_and_without_entering_the_unit_of_work(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        # the service's dispatcher reads and marks with a unit of work it never
        # enters, and marks what it delivered right after its commit
        uow = unit_of_work()
        with uow:
            uow.outbox.add(notification("event-1"))
            uow.outbox.add(notification("event-2"))
            uow.commit()
        assert list(uow.outbox.pending()) == [notification("event-1"), notification("event-2")]
        uow.outbox.mark_delivered(["event-1"])
        dispatcher = unit_of_work()
        assert list(dispatcher.outbox.pending()) == [notification("event-2")]
        dispatcher.outbox.mark_delivered(["event-2"])
        assert _pending(unit_of_work) == []
