"""The channel router on a desk: the customer's language, time zone, channels and quiet hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from reimbursement.adapters.memory import InMemoryInbox, InMemoryPaymentGateway, ManualClock
from reimbursement.adapters.notify.inbox import InboxChannel
from reimbursement.bootstrap import in_memory_desk
from reimbursement.domain.events import EventType
from reimbursement.errors import (
    AuthorizationError,
    CustomerNotFoundError,
    DeliveryDeferred,
    DeliveryError,
    NotFoundError,
    TemplateError,
)
from reimbursement.notify import (
    Channel,
    ChannelRouter,
    ContactPreferences,
    InMemoryPreferences,
    OutgoingMessage,
    TemplateSet,
)
from reimbursement.ports import CustomerProfile, Notifier
from reimbursement.service.texts import DEFAULT_TEXTS, NOTIFIED
from reimbursement.testing import NotifierContract, notification

from .support import FINANCE, LI, MAX, NIGHT, REVIEWER, START, submit, world


def test_a_chinese_customer_is_told_in_chinese_with_yuan_and_shanghai_time() -> None:
    w = world()
    claim = submit(w)
    [item] = w.inbox.page("cust-li")
    assert item.locale == "zh-CN"
    assert item.subject == f"我们已收到您的申请 {claim.number}"
    assert "¥1,234.50" in item.body
    assert "2026年3月2日 17:00 CST" in item.body  # 09:00 UTC is 17:00 in Shanghai
    [sms] = w.sms.sent
    assert sms.to == "+8613800000000"
    assert sms.text.startswith(f"申请 {claim.number} 已收到（¥1,234.50）")


def test_the_submission_notice_says_when_the_claim_will_be_done() -> None:
    w = world()
    claim = submit(w)
    expected = w.desk.track(LI, claim.id).expected_completion  # what the portal shows
    assert expected is not None
    assert expected == w.sla.evaluate(w.desk.get(REVIEWER, claim.id), START).expected_completion
    local = expected.astimezone(ZoneInfo("Asia/Shanghai"))
    [item] = w.inbox.page("cust-li")
    assert f"我们预计于 2026年3月{local.day}日 {local:%H:%M} CST 前完成" in item.body


def test_a_german_reader_without_german_templates_gets_english_visibly_in_berlin_time() -> None:
    w = world()
    claim = submit(w, MAX, "99.90", "EUR")
    [item] = w.inbox.page("cust-max")
    assert item.locale == "en"  # the locale actually used, not the "de" asked for
    assert item.subject == f"We received your claim {claim.number}"
    assert "€99.90" in item.body
    assert (
        "Mar 2, 2026, 10:00\u202fAM CET" in item.body
    )  # 09:00 UTC in Berlin, not UTC (CLDR puts a narrow space before AM)


def test_non_urgent_messages_wait_for_the_end_of_quiet_hours_except_in_the_inbox() -> None:
    w = world()
    w.clock.set(START.replace(hour=15))  # 23:00 in Shanghai
    claim = submit(w)
    assert [i.subject for i in w.inbox.page("cust-li")] == [f"我们已收到您的申请 {claim.number}"]
    assert w.sms.sent == []
    assert w.desk.adapters.outbox.pending_count() == 1
    w.clock.set(START.replace(hour=22, minute=59))  # 06:59 in Shanghai: still quiet
    assert w.desk.dispatch_notifications() == 0
    w.clock.set(START.replace(hour=23, minute=0))  # 07:00 in Shanghai
    assert w.desk.dispatch_notifications() == 1
    assert len(w.sms.sent) == 1
    assert len(list(w.inbox.page("cust-li"))) == 1  # not twice
    assert w.desk.adapters.outbox.pending_count() == 0


def test_an_urgent_message_goes_out_during_quiet_hours() -> None:
    w = world(settle=False)
    claim = submit(w)
    w.desk.approve(REVIEWER, claim.id)
    w.desk.approve_payment(FINANCE, claim.id)
    paid = w.desk.pay(FINANCE, claim.id)
    assert paid.payment is not None
    reference = paid.payment.gateway_reference
    assert reference is not None
    sent_by_day = len(w.sms.sent)
    w.clock.set(START.replace(hour=16))  # midnight in Shanghai
    gateway = w.desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    gateway.fail(reference, "account closed")  # the gateway's word first
    w.desk.fail_payment(FINANCE, claim.id, reference, "account closed")
    assert len(w.sms.sent) == sent_by_day + 1
    assert w.sms.sent[-1].text.startswith(f"需要您处理：申请 {claim.number} 付款失败")
    [newest, *_] = w.inbox.page("cust-li")
    assert newest.urgent
    assert "account closed" in newest.body


def test_a_failing_channel_is_retried_without_repeating_the_others() -> None:
    w = world()
    w.sms.failures_to_simulate = 1
    submit(w)
    assert w.sms.sent == []
    assert len(list(w.inbox.page("cust-li"))) == 1
    [message] = w.desk.adapters.outbox.claim_batch(
        10, now=START + timedelta(days=1), lease=timedelta(minutes=1)
    )
    assert message.attempts == 1
    assert message.last_error is not None
    assert "sms: DeliveryError" in message.last_error
    w.desk.adapters.outbox.record_failure(message.notification.key, "", retry_at=START)
    w.clock.advance(timedelta(minutes=5))
    assert w.desk.dispatch_notifications() == 1
    assert len(w.sms.sent) == 1
    assert len(list(w.inbox.page("cust-li"))) == 1


def test_the_router_raises_deferred_and_delivery_errors_directly() -> None:
    clock = ManualClock(START.replace(hour=15))
    inbox = InMemoryInbox()
    prefs = ContactPreferences(
        "cust-1", channels=["email", "inbox"], email="a@example.org", time_zone="Asia/Shanghai"
    )
    router = ChannelRouter(
        templates=TemplateSet(),
        preferences=InMemoryPreferences([attrs.evolve(prefs, quiet_hours=NIGHT)]),
        channels=[InboxChannel(inbox, clock), _Broken()],
        clock=clock,
    )
    with pytest.raises(DeliveryDeferred) as deferred:
        router.send(notification("claim-1#2"))
    assert deferred.value.until == START.replace(hour=23)
    assert len(list(inbox.page("cust-1"))) == 1
    clock.set(START.replace(hour=23))
    with pytest.raises(DeliveryError, match="email: OSError: relay down"):
        router.send(notification("claim-1#2"))
    assert len(list(inbox.page("cust-1"))) == 1


class _Broken:
    channel = Channel.EMAIL

    def deliver(self, message: OutgoingMessage) -> None:
        raise OSError("relay down")


def test_a_customer_without_preferences_is_an_error_the_outbox_keeps() -> None:
    w = world()
    with pytest.raises(CustomerNotFoundError):
        w.router.send(notification("claim-1#2", customer_id="cust-nobody"))


class TestUnboundRouterIsANotifier(NotifierContract):
    """Without a desk the router sends the desk's staged words: still once per key."""

    @pytest.fixture
    def notifier(self) -> ChannelRouter:
        clock = ManualClock(START)
        return ChannelRouter(
            templates=TemplateSet(),
            preferences=InMemoryPreferences(
                default=ContactPreferences("", channels=["inbox"]), directory=_Directory()
            ),
            channels=[InboxChannel(InMemoryInbox(), clock)],
            clock=clock,
        )

    def deliveries(self, notifier: Notifier) -> Sequence[str]:
        assert isinstance(notifier, ChannelRouter)
        channel = notifier.channels[next(iter(notifier.channels))]
        assert isinstance(channel, InboxChannel)
        customers = ("cust-1", "cust-2", "cust-3")
        return [i.key for c in customers for i in reversed(list(channel.store.page(c)))]


class _Directory:
    def profile(self, customer_id: str) -> CustomerProfile:
        return CustomerProfile(customer_id, "Ana", "POL-1", "EUR")


def test_every_notified_event_renders_from_the_claim() -> None:
    w = world()
    claim = submit(w)
    w.desk.post_message(REVIEWER, claim.id, "Please add the receipt.")
    w.desk.return_for_correction(REVIEWER, claim.id, ["The receipt is missing"])
    subjects = [i.subject for i in w.inbox.page("cust-li")]
    assert subjects[0] == f"您的申请 {claim.number} 需要更正"
    assert "The receipt is missing" in next(iter(w.inbox.page("cust-li"))).body
    assert EventType.RETURNED in {i.event for i in w.inbox.page("cust-li")}


def test_binding_a_desk_that_notifies_an_event_without_templates_is_refused() -> None:
    texts = attrs.evolve(DEFAULT_TEXTS, notified=NOTIFIED | {EventType.ASSIGNED})
    w = world()
    with pytest.raises(TemplateError, match=r"templates\.assigned: no template"):
        w.router.bind(in_memory_desk(texts=texts))


def test_an_urgent_message_is_not_held_behind_one_of_its_claim_waiting_for_the_morning() -> None:
    w = world(settle=False)
    claim = submit(w)
    w.desk.approve(REVIEWER, claim.id)
    w.desk.approve_payment(FINANCE, claim.id)
    w.desk.dispatch_notifications()
    by_day = len(w.sms.sent)
    w.clock.set(START.replace(hour=16))  # midnight in Shanghai: quiet
    paid = w.desk.pay(FINANCE, claim.id)  # "payment sent": waits for the morning
    assert paid.payment is not None
    reference = paid.payment.gateway_reference
    assert reference is not None
    assert len(w.sms.sent) == by_day
    held = w.desk.adapters.outbox.pending_count()
    assert held >= 1
    gateway = w.desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    gateway.fail(reference, "account closed")
    w.desk.fail_payment(FINANCE, claim.id, reference, "account closed")
    assert len(w.sms.sent) == by_day + 1, "the failed payment waited for the quiet hours"
    assert w.sms.sent[-1].text.startswith(f"需要您处理：申请 {claim.number} 付款失败")
    w.clock.set(START.replace(hour=22, minute=59))
    assert w.desk.dispatch_notifications() == 0
    assert w.desk.adapters.outbox.pending_count() == held
    w.clock.set(START.replace(hour=23))  # 07:00 in Shanghai: the held ones, in their order
    assert w.desk.dispatch_notifications() == held
    assert len(w.sms.sent) == by_day + 1 + held
    assert w.desk.adapters.outbox.pending_count() == 0


def test_a_customer_reads_and_marks_their_own_inbox_through_the_desk() -> None:
    w = world()
    claim = submit(w)
    submit(w, MAX, "10.00", "EUR")
    page = w.desk.inbox(LI)
    assert [i.claim_id for i in page] == [claim.id]
    assert w.desk.mark_inbox_read(LI, [page.items[0].key]) == 1
    assert list(w.desk.inbox(LI, unread_only=True)) == []
    assert w.desk.mark_inbox_read(MAX, [page.items[0].key]) == 0  # not hers to mark
    assert [i.customer_id for i in w.desk.inbox(MAX)] == ["cust-max"]
    for staff in (REVIEWER, FINANCE):
        with pytest.raises(AuthorizationError):
            w.desk.inbox(staff)
    bare = in_memory_desk(customers=[], reviewers=["reviewer-1"])
    with pytest.raises(NotFoundError, match="no in-app inbox"):
        bare.inbox(LI)
