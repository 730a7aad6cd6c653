"""The channel contract suites against the in-memory inbox, SMS double and delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from reimbursement.adapters.memory import InMemoryInbox, InMemorySmsGateway, ManualClock
from reimbursement.adapters.notify.inbox import InboxChannel
from reimbursement.adapters.notify.sms import SmsChannel, fit
from reimbursement.errors import DeliveryError
from reimbursement.notify import Channel, MemoryDeliveryLog
from reimbursement.notify.ports import SmsMessage
from reimbursement.testing.channels import (
    ChannelContract,
    DeliveryLogContract,
    InboxStoreContract,
    SmsGatewayContract,
    outgoing,
)

CLOCK = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


class TestInMemoryInbox(InboxStoreContract):
    @pytest.fixture
    def inbox(self) -> InMemoryInbox:
        return InMemoryInbox()


class TestInboxChannel(ChannelContract):
    address = "cust-1"

    @pytest.fixture
    def channel(self) -> InboxChannel:
        return InboxChannel(InMemoryInbox(), CLOCK)

    def arrivals(self, channel: InboxChannel) -> Sequence[tuple[str, str]]:  # type: ignore[override]
        items = list(channel.store.page("cust-1", limit=1000))
        return [(i.key, i.subject) for i in reversed(items)]


class TestInMemorySmsGateway(SmsGatewayContract):
    @pytest.fixture
    def sms_gateway(self) -> InMemorySmsGateway:
        return InMemorySmsGateway()

    def sent(self, sms_gateway: InMemorySmsGateway) -> Sequence[SmsMessage]:  # type: ignore[override]
        return sms_gateway.sent


class TestSmsChannel(ChannelContract):
    address = "+491701234567"

    @pytest.fixture
    def channel(self) -> SmsChannel:
        return SmsChannel(InMemorySmsGateway())

    def arrivals(self, channel: SmsChannel) -> Sequence[tuple[str, str]]:  # type: ignore[override]
        gateway = channel.gateway
        assert isinstance(gateway, InMemorySmsGateway)
        return [(m.key, m.text) for m in gateway.sent]


class TestMemoryDeliveryLog(DeliveryLogContract):
    @pytest.fixture
    def log(self) -> MemoryDeliveryLog:
        return MemoryDeliveryLog()


def test_an_sms_is_cut_to_the_providers_length_with_an_ellipsis() -> None:
    gateway = InMemorySmsGateway(max_length=70)
    SmsChannel(gateway).deliver(outgoing("k", Channel.SMS, "+8613800000000", short="申" * 100))
    assert gateway.sent[0].text == "申" * 69 + "…"
    assert fit("a  b\nc", 10) == "a b c"


def test_a_failing_sms_provider_is_a_delivery_error_and_sends_nothing() -> None:
    gateway = InMemorySmsGateway()
    gateway.failures_to_simulate = 1
    with pytest.raises(DeliveryError):
        SmsChannel(gateway).deliver(outgoing("k", Channel.SMS, "+491701234567"))
    assert gateway.sent == []
