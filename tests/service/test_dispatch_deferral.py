"""A notifier's "not before" (DeliveryDeferred): back in line until then, never parked for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reimbursement.adapters.memory import InMemoryClaimStore, InMemoryNotifier, ManualClock
from reimbursement.errors import DeliveryDeferred
from reimbursement.ports import Notification
from reimbursement.service.dispatch import DeliveryPolicy, Dispatcher
from reimbursement.testing import notification

START = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
MORNING = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)


class QuietUntilMorning(InMemoryNotifier):
    """Delivers only from 07:00: before, says when."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock

    def send(self, notification: Notification) -> None:
        if self.clock.now() < MORNING:
            raise DeliveryDeferred("quiet hours", MORNING)
        super().send(notification)


def test_a_deferred_message_waits_until_the_time_named_and_is_never_parked() -> None:
    store, clock = InMemoryClaimStore(), ManualClock(START)
    with store.unit_of_work() as uow:
        uow.outbox.add(notification("claim-1#2"))
        uow.outbox.add(notification("claim-1#3"))
        uow.commit()
    notifier = QuietUntilMorning(clock)
    # one attempt only: a failure would park at once, a deferral must not
    dispatcher = Dispatcher(store.queue, notifier, clock, DeliveryPolicy(max_attempts=1))
    assert dispatcher.dispatch() == 0
    assert store.queue.parked() == []
    assert store.queue.pending_count() == 2
    clock.set(MORNING - timedelta(seconds=1))
    assert dispatcher.dispatch() == 0  # not yet: the retry time is the one named
    clock.set(MORNING)
    assert dispatcher.dispatch() == 2
    assert [n.key for n in notifier.sent] == ["claim-1#2", "claim-1#3"]  # in order
    assert store.queue.pending_count() == 0
