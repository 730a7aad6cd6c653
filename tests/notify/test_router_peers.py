"""The whole path on real peers: desk, outbox, router, then SMTP and webhooks on loopback."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from standardwebhooks import Webhook

from peers import http_receiver, plain_email, smtp_server
from reimbursement import Actor, CustomerProfile, DeskSettings, LineInput, Money, in_memory_desk
from reimbursement.adapters.memory import ManualClock
from reimbursement.adapters.notify.email import message_id
from reimbursement.adapters.notify.webhook import WebhookChannel, WebhookEndpoint
from reimbursement.adapters.system import SystemClock
from reimbursement.notify import (
    ChannelRouter,
    ContactPreferences,
    InMemoryPreferences,
    TemplateSet,
)

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
LI = Actor.customer("cust-li")
PROFILE = CustomerProfile(
    "cust-li", "李娜 <VIP>", "POL-1", "CNY", language="zh-CN", payee_account="622202111122228333"
)


def _desk(router: ChannelRouter, clock: ManualClock) -> object:
    desk = in_memory_desk(
        customers=[PROFILE],
        clock=clock,
        notifier=router,
        reviewers=["rev-1"],
        settings=DeskSettings(require_receipts=False),
    )
    router.bind(desk)
    return desk


def test_a_chinese_notice_arrives_by_smtp_rendered_from_the_claim() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    preferences = ContactPreferences(
        "cust-li", channels=["email"], email="li.na@example.cn", time_zone="Asia/Shanghai"
    )
    with smtp_server() as (mailbox, port):
        email = plain_email(port, clock)
        router = ChannelRouter(
            templates=TemplateSet(),
            preferences=InMemoryPreferences([preferences]),
            channels=[email],
            clock=clock,
        )
        desk = _desk(router, clock)
        line = LineInput("pharmacy", date(2026, 3, 1), "药房", Money("1234.50", "CNY"))
        claim = desk.submit(LI, desk.start_draft(LI, [line]).id)  # type: ignore[attr-defined]
    [mail] = mailbox.messages
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == f"我们已收到您的申请 {claim.number}"
    assert mail["Content-Language"] == "zh-CN"
    assert mail["Message-ID"] == message_id(f"{claim.id}#2", "insurer.example")
    plain, rich = mail.get_body(("plain",)), mail.get_body(("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(rich, EmailMessage)
    assert "尊敬的李娜 <VIP>：" in plain.get_content()
    assert "¥1,234.50" in plain.get_content()
    assert "17:00 CST" in plain.get_content()
    assert "尊敬的李娜 &lt;VIP&gt;：" in rich.get_content()
    assert '<html lang="zh-CN">' in rich.get_content()


def test_a_500_answering_receiver_gets_each_webhook_until_it_takes_it_once() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def answer(n: int) -> tuple[int, dict[str, str], float]:
        return (500, {}, 0) if n in (0, 1, 3) else (200, {}, 0)

    preferences = ContactPreferences("cust-li", channels=["webhook"], webhook="app")
    with http_receiver(answer) as (url, received):
        hooks = WebhookChannel(
            [WebhookEndpoint("app", url, SECRET)], clock=SystemClock(), attempts=1
        )
        router = ChannelRouter(
            templates=TemplateSet(),
            preferences=InMemoryPreferences([preferences]),
            channels=[hooks],
            clock=clock,
        )
        desk = _desk(router, clock)
        line = LineInput("pharmacy", date(2026, 3, 1), "药房", Money("10.00", "CNY"))
        claim = desk.submit(LI, desk.start_draft(LI, [line]).id)  # type: ignore[attr-defined]
        desk.approve(Actor.reviewer("rev-1"), claim.id)  # type: ignore[attr-defined]
        for _ in range(6):  # the dispatcher's retries, each after its backoff
            clock.advance(timedelta(hours=1))
            desk.dispatch_notifications()  # type: ignore[attr-defined]
        hooks.close()
    assert desk.adapters.outbox.pending_count() == 0  # type: ignore[attr-defined]
    ids = [r.headers["webhook-id"] for r in received]
    submitted, approved = f"{claim.id}#2", ids[-1]
    assert approved.startswith(f"{claim.id}#")
    assert approved != submitted
    assert ids == [submitted, submitted, submitted, approved, approved]  # in order per claim
    for request in received:
        Webhook(SECRET).verify(request.body, request.headers)  # every attempt signed anew
    accepted = [ids[i] for i in (2, 4)]  # the 2xx answers: one per message
    assert accepted == [submitted, approved]
