"""The in-app inbox channel: each message becomes an item in the customer's inbox store."""

from __future__ import annotations

from ...notify.ports import InboxItem, InboxStore, OutgoingMessage
from ...notify.preferences import Channel
from ...ports import Clock

__all__ = ["InboxChannel"]


class InboxChannel:
    """Stores each message in ``store`` (in memory, or the SQL store beside the claims).

    The item's key is the dedupe key, so a redelivered message is one item.
    """

    channel = Channel.INBOX

    def __init__(self, store: InboxStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def deliver(self, message: OutgoingMessage) -> None:
        self.store.put(
            InboxItem(
                key=message.key,
                customer_id=message.customer_id,
                claim_id=message.claim_id,
                claim_number=message.claim_number,
                event=message.event,
                locale=message.locale,
                subject=message.subject,
                body=message.text,
                delivered_at=self.clock.now(),
                urgent=message.urgent,
            )
        )
