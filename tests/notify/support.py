"""A desk whose notifications go through the channel router to an inbox and an SMS double."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import attrs

from reimbursement import Actor, Claim, CustomerProfile, LineInput, Money, ReimbursementDesk
from reimbursement.adapters.memory import InMemoryInbox, InMemorySmsGateway, ManualClock
from reimbursement.adapters.notify.inbox import InboxChannel
from reimbursement.adapters.notify.sms import SmsChannel
from reimbursement.bootstrap import in_memory_desk
from reimbursement.notify import (
    ChannelRouter,
    ContactPreferences,
    InMemoryPreferences,
    QuietHours,
    TemplateSet,
)
from reimbursement.service.adapters import DeskSettings
from reimbursement.sla import BusinessCalendar, SlaPolicy, weekly

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
LI = Actor.customer("cust-li", "Li Na")
MAX = Actor.customer("cust-max", "Max")
REVIEWER = Actor.reviewer("reviewer-1", "Rita")
FINANCE = Actor.finance("fin-1", "Fiona")
NIGHT = QuietHours(time(22, 0), time(7, 0))

PROFILES = [
    CustomerProfile(
        "cust-li", "李娜", "POL-1", "CNY", language="zh-CN", payee_account="622202111122228333"
    ),
    CustomerProfile(
        "cust-max",
        "Max Müller",
        "POL-2",
        "EUR",
        language="de",
        payee_account="DE89 3704 0044 0532 0130 00",
    ),
]
PREFERENCES = [
    ContactPreferences(
        "cust-li",
        channels=["inbox", "sms"],
        time_zone="Asia/Shanghai",
        phone="+8613800000000",
        quiet_hours=NIGHT,
    ),
    ContactPreferences(
        "cust-max", channels=["sms", "inbox"], time_zone="Europe/Berlin", phone="+491701234567"
    ),
]


@attrs.define
class World:
    desk: ReimbursementDesk
    router: ChannelRouter
    clock: ManualClock
    inbox: InMemoryInbox
    sms: InMemorySmsGateway
    sla: SlaPolicy


def world(*, templates: TemplateSet | None = None, settle: bool = True) -> World:
    clock = ManualClock(START)
    inbox, sms = InMemoryInbox(), InMemorySmsGateway()
    router = ChannelRouter(
        templates=templates if templates is not None else TemplateSet(),
        preferences=InMemoryPreferences(PREFERENCES),
        channels=[InboxChannel(inbox, clock), SmsChannel(sms)],
        clock=clock,
    )
    sla = SlaPolicy.standard(BusinessCalendar("Asia/Shanghai", weekly("09:00-18:00")))
    desk = in_memory_desk(
        customers=PROFILES,
        clock=clock,
        notifier=router,
        inbox=inbox,
        sla=sla,
        settle_immediately=settle,
        reviewers=["reviewer-1"],
        settings=DeskSettings(require_receipts=False, finance_approval_threshold=None),
    )
    router.bind(desk)
    return World(desk, router, clock, inbox, sms, sla)


def submit(w: World, actor: Actor = LI, amount: str = "1234.50", currency: str = "CNY") -> Claim:
    line = LineInput("pharmacy", date(2026, 3, 1), "City Pharmacy", Money(amount, currency))
    claim = w.desk.start_draft(actor, [line])
    return w.desk.submit(actor, claim.id)
