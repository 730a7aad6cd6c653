"""The contract of :class:`~reimbursement.ports.Notifier`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import attrs

from ..ports import Notifier
from ._builders import notification

__all__ = ["NotifierContract"]


class NotifierContract:
    """What every :class:`~reimbursement.ports.Notifier` must do: deliver each key once.

    Subclass it, provide a fixture ``notifier`` (a fresh notifier for each test),
    and implement :meth:`deliveries` to say what actually reached the customer
    (read your channel's sandbox, test inbox or fake server).
    """

    def deliveries(self, notifier: Notifier) -> Sequence[str]:
        """The keys of the messages that reached customers, one entry per message delivered."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement deliveries(notifier): the keys of the "
            "messages the notifier delivered, one entry per message"
        )

    def test_a_sent_notification_is_delivered(self, notifier: Notifier) -> None:
        notifier.send(notification("event-1"))
        assert list(self.deliveries(notifier)) == ["event-1"]

    def test_a_key_sent_twice_is_delivered_once(self, notifier: Notifier) -> None:
        notifier.send(notification("event-1"))
        notifier.send(notification("event-1"))
        assert list(self.deliveries(notifier)) == ["event-1"]

    def test_the_key_alone_decides_what_is_a_repeat(self, notifier: Notifier) -> None:
        # a redelivery from the outbox may be rendered again, with other words
        first = notification("event-1")
        notifier.send(first)
        notifier.send(attrs.evolve(first, subject="Reminder", body="Rendered again."))
        assert list(self.deliveries(notifier)) == ["event-1"]

    def test_distinct_keys_are_each_delivered_once(self, notifier: Notifier) -> None:
        for key in ("event-1", "event-2", "event-1", "event-3", "event-2"):
            notifier.send(notification(key, customer_id=f"cust-{key[-1]}"))
        assert Counter(self.deliveries(notifier)) == {"event-1": 1, "event-2": 1, "event-3": 1}
