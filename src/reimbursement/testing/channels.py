"""Contract suites of the notification channels' ports (:mod:`reimbursement.notify.ports`).

==========================  ===============  ==========================================
suite                       fixture          hook methods to implement
==========================  ===============  ==========================================
``ChannelContract``         ``channel``      ``arrivals(channel)``
``InboxStoreContract``      ``inbox``        (none)
``SmsGatewayContract``      ``sms_gateway``  ``sent(sms_gateway)``
``DeliveryLogContract``     ``log``          (none)
``GoneEndpointsContract``   ``gone``         (none)
==========================  ===============  ==========================================

Subclass one under a name pytest collects (``Test…``) and give the fixture a
fresh adapter (for a channel: one that delivers to a peer the test can read,
a local SMTP server or HTTP receiver). See ``docs/adapters.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from ..domain.events import EventType
from ..errors import ValidationError
from ..notify.ports import (
    ChannelAdapter,
    DeliveryLog,
    GoneEndpoints,
    InboxItem,
    InboxStore,
    OutgoingMessage,
    SmsGateway,
    SmsMessage,
)
from ..notify.preferences import Channel

__all__ = [
    "ChannelContract",
    "DeliveryLogContract",
    "GoneEndpointsContract",
    "InboxStoreContract",
    "SmsGatewayContract",
    "outgoing",
]

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def outgoing(key: str, channel: Channel, address: str, **changes: Any) -> OutgoingMessage:
    """An outgoing message with dedupe ``key`` for ``channel`` at ``address``."""
    message = OutgoingMessage(
        key=key,
        channel=channel,
        address=address,
        customer_id="cust-1",
        claim_id="claim-1",
        claim_number="CLM-2026-000001",
        event=EventType.SUBMITTED,
        locale="en",
        requested_locale="en",
        subject=f"We received your claim ({key})",
        text=f"We received your claim CLM-2026-000001 ({key}).\n",
        html=f"<p>We received your claim CLM-2026-000001 ({key}).</p>",
        short=f"Claim CLM-2026-000001 received ({key}).",
    )
    return attrs.evolve(message, **changes)


class ChannelContract:
    """What every :class:`~reimbursement.notify.ports.ChannelAdapter` must do.

    The fixture ``channel`` is the adapter; :attr:`address` where its
    messages go; :meth:`arrivals` reads what the peer received, as
    ``(key, subject)`` pairs in order (for an SMS: the text as subject).
    """

    address = "cust-1"

    def arrivals(self, channel: ChannelAdapter) -> Sequence[tuple[str, str]]:
        """The dedupe key and subject of each message the peer received, in order."""
        raise NotImplementedError(f"{type(self).__name__} must implement arrivals(channel)")

    def _message(self, channel: ChannelAdapter, key: str, **changes: Any) -> OutgoingMessage:
        return outgoing(key, channel.channel, self.address, **changes)

    def test_a_delivered_message_arrives(self, channel: ChannelAdapter) -> None:
        channel.deliver(self._message(channel, "claim-1#2"))
        assert [key for key, _ in self.arrivals(channel)] == ["claim-1#2"]

    def test_messages_arrive_in_the_order_delivered(self, channel: ChannelAdapter) -> None:
        for key in ("claim-1#2", "claim-1#5", "claim-2#2"):
            channel.deliver(self._message(channel, key))
        assert [key for key, _ in self.arrivals(channel)] == [
            "claim-1#2",
            "claim-1#5",
            "claim-2#2",
        ]

    def test_chinese_and_markup_arrive_as_written(self, channel: ChannelAdapter) -> None:
        subject = "您的申请 <CLM-2026-000001> 已批准 & 付款"
        channel.deliver(
            self._message(channel, "claim-1#7", subject=subject, short=subject, locale="zh-CN")
        )
        assert self.arrivals(channel) == [("claim-1#7", subject)]

    def test_it_says_which_channel_it_is(self, channel: ChannelAdapter) -> None:
        assert isinstance(channel.channel, Channel)


def _item(key: str, customer_id: str = "cust-1", minutes: int = 0) -> InboxItem:
    return InboxItem(
        key=key,
        customer_id=customer_id,
        claim_id="claim-1",
        claim_number="CLM-2026-000001",
        event=EventType.SUBMITTED,
        locale="zh-CN",
        subject=f"我们已收到您的申请 ({key})",
        body="下一步：审核人员将核查您的申请。\n",
        delivered_at=AT + timedelta(minutes=minutes),
    )


class InboxStoreContract:
    """What every :class:`~reimbursement.notify.ports.InboxStore` must do (fixture ``inbox``)."""

    def test_items_come_newest_first(self, inbox: InboxStore) -> None:
        for i in range(3):
            inbox.put(_item(f"k{i}", minutes=i))
        assert [i.key for i in inbox.page("cust-1")] == ["k2", "k1", "k0"]

    def test_an_item_reads_back_as_stored(self, inbox: InboxStore) -> None:
        item = _item("k0")
        inbox.put(item)
        assert list(inbox.page("cust-1")) == [item]

    def test_a_key_stored_twice_is_one_item_as_first_stored(self, inbox: InboxStore) -> None:
        inbox.put(_item("k0"))
        inbox.put(attrs.evolve(_item("k0"), subject="again"))
        assert [i.subject for i in inbox.page("cust-1")] == [_item("k0").subject]

    def test_pages_by_cursor_lose_and_repeat_nothing(self, inbox: InboxStore) -> None:
        for i in range(7):
            inbox.put(_item(f"k{i}", minutes=i))
        seen: list[str] = []
        cursor = None
        while True:
            page = inbox.page("cust-1", limit=3, after=cursor)
            seen += [i.key for i in page]
            inbox.put(_item(f"new{len(seen)}", minutes=100 + len(seen)))  # arrives meanwhile
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == [f"k{i}" for i in range(6, -1, -1)]

    def test_each_customer_sees_only_their_own(self, inbox: InboxStore) -> None:
        inbox.put(_item("a", "cust-1"))
        inbox.put(_item("b", "cust-2"))
        assert [i.key for i in inbox.page("cust-2")] == ["b"]
        assert inbox.unread_count("cust-1") == 1

    def test_read_and_unread(self, inbox: InboxStore) -> None:
        for i in range(3):
            inbox.put(_item(f"k{i}", minutes=i))
        read_at = AT + timedelta(hours=1)
        assert inbox.mark_read("cust-1", ["k1", "k1", "unknown"], read_at) == 1
        assert inbox.mark_read("cust-1", ["k1"], read_at + timedelta(hours=1)) == 0
        assert inbox.unread_count("cust-1") == 2
        assert [i.key for i in inbox.page("cust-1", unread_only=True)] == ["k2", "k0"]
        [k1] = [i for i in inbox.page("cust-1") if i.key == "k1"]
        assert k1.read_at == read_at
        assert not k1.unread

    def test_nobody_marks_another_customers_items(self, inbox: InboxStore) -> None:
        inbox.put(_item("a", "cust-1"))
        assert inbox.mark_read("cust-2", ["a"], AT) == 0
        assert inbox.unread_count("cust-1") == 1

    def test_a_foreign_cursor_and_a_bad_limit_are_refused(self, inbox: InboxStore) -> None:
        with pytest.raises(ValidationError):
            inbox.page("cust-1", after="not-a-cursor")
        with pytest.raises(ValidationError):
            inbox.page("cust-1", limit=0)


class SmsGatewayContract:
    """What every :class:`~reimbursement.notify.ports.SmsGateway` must do.

    Fixture ``sms_gateway``; :meth:`sent` reads what the provider (its
    sandbox) accepted, as messages in order.
    """

    def sent(self, sms_gateway: SmsGateway) -> Sequence[SmsMessage]:
        """The messages the provider accepted, in order."""
        raise NotImplementedError(f"{type(self).__name__} must implement sent(sms_gateway)")

    def test_a_message_is_sent_once_per_key(self, sms_gateway: SmsGateway) -> None:
        message = SmsMessage("claim-1#2", "+491701234567", "Claim CLM-1 received.")
        first = sms_gateway.send_sms(message)
        assert sms_gateway.send_sms(message) == first
        assert list(self.sent(sms_gateway)) == [message]

    def test_chinese_text_is_sent_as_written(self, sms_gateway: SmsGateway) -> None:
        message = SmsMessage("claim-1#3", "+8613800000000", "申请 CLM-1 已批准：¥1,234.50。")
        sms_gateway.send_sms(message)
        assert [m.text for m in self.sent(sms_gateway)] == [message.text]

    def test_a_number_that_is_not_e164_is_refused(self, sms_gateway: SmsGateway) -> None:
        for number in ("01701234567", "+49 170 1234567", "", "+0123456789"):
            with pytest.raises(ValidationError):
                sms_gateway.send_sms(SmsMessage("k", number, "hi"))
        assert list(self.sent(sms_gateway)) == []

    def test_a_text_longer_than_the_limit_is_refused(self, sms_gateway: SmsGateway) -> None:
        with pytest.raises(ValidationError):
            sms_gateway.send_sms(
                SmsMessage("k", "+491701234567", "x" * (sms_gateway.max_length + 1))
            )


class DeliveryLogContract:
    """What every :class:`~reimbursement.notify.ports.DeliveryLog` must do (fixture ``log``)."""

    def test_a_recorded_delivery_is_known_per_channel(self, log: DeliveryLog) -> None:
        assert not log.delivered("claim-1#2", Channel.EMAIL)
        log.record("claim-1#2", Channel.EMAIL, AT)
        assert log.delivered("claim-1#2", Channel.EMAIL)
        assert not log.delivered("claim-1#2", Channel.SMS)
        assert not log.delivered("claim-1#3", Channel.EMAIL)

    def test_recording_twice_changes_nothing(self, log: DeliveryLog) -> None:
        log.record("claim-1#2", Channel.INBOX, AT)
        log.record("claim-1#2", Channel.INBOX, AT + timedelta(hours=1))
        assert log.delivered("claim-1#2", Channel.INBOX)

    def test_keys_are_told_apart_exactly(self, log: DeliveryLog) -> None:
        for channel in Channel:
            log.record("claim-1#2", channel, AT)
        log.record("请求-7#1", Channel.EMAIL, AT)
        assert all(log.delivered("claim-1#2", channel) for channel in Channel)
        assert log.delivered("请求-7#1", Channel.EMAIL)
        for near in ("claim-1#20", "claim-1#", "CLAIM-1#2", "claim-1#2 ", "请求-7#1x"):
            assert not any(log.delivered(near, channel) for channel in Channel), near


class GoneEndpointsContract:
    """What every :class:`~reimbursement.notify.ports.GoneEndpoints` must do (fixture ``gone``)."""

    def test_an_endpoint_marked_gone_stays_gone_until_revived(self, gone: GoneEndpoints) -> None:
        assert not gone.is_gone("broker")
        gone.mark_gone("broker", AT)
        gone.mark_gone("broker", AT + timedelta(hours=1))  # again: harmless
        assert gone.is_gone("broker")
        assert not gone.is_gone("other")
        gone.revive("broker")
        gone.revive("never-gone")
        assert not gone.is_gone("broker")
