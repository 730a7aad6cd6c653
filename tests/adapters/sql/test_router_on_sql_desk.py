"""A router bound to a SQL desk keeps its deliveries and webhooks' 410 Gone in its database.

Each test is two worker processes (or a process and its restart): a desk on the
same database, its router bound, nothing wired but the channels.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from peers import http_receiver, plain_email, smtp_server
from reimbursement import Actor, CustomerProfile, DeskSettings, LineInput, Money, sql_desk
from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryGoneEndpoints, ManualClock
from reimbursement.adapters.notify.webhook import WebhookChannel, WebhookEndpoint
from reimbursement.adapters.system import SystemClock
from reimbursement.notify import (
    ChannelRouter,
    ContactPreferences,
    DeliveryLog,
    InMemoryPreferences,
    MemoryDeliveryLog,
)
from reimbursement.notify.ports import ChannelAdapter
from reimbursement.notify.templates import TemplateSet
from reimbursement.service.desk import ReimbursementDesk

PROFILE = CustomerProfile("c-1", "Li Na", "POL-1", "EUR", payee_account="DE89370400440532013000")
SECRET = secrets.token_bytes(32)
HOOK_ONLY = ContactPreferences("c-1", channels=["webhook"], webhook="app")
BOTH = ContactPreferences(
    "c-1", channels=["email", "webhook"], email="li.na@example.com", webhook="app"
)


def _clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _process(
    url: str,
    folder: Path,
    channels: Sequence[ChannelAdapter],
    *,
    preferences: ContactPreferences = HOOK_ONLY,
    clock: ManualClock | None = None,
    log: DeliveryLog | None = None,
) -> tuple[ReimbursementDesk, ChannelRouter]:
    """One worker process: a desk on the database, its router bound, the channels given."""
    clock = clock if clock is not None else _clock()
    router = ChannelRouter(
        templates=TemplateSet(),
        preferences=InMemoryPreferences([preferences]),
        channels=channels,
        clock=clock,
        log=log,
    )
    desk = sql_desk(
        url,
        documents=folder,
        customers=[PROFILE],
        clock=clock,
        notifier=router,
        settings=DeskSettings(require_receipts=False),
    )
    return desk, router.bind(desk)


def _submit(desk: ReimbursementDesk) -> None:
    line = LineInput("pharmacy", date(2026, 3, 1), "City Pharmacy", Money("10.00", "EUR"))
    customer = Actor.customer(PROFILE.customer_id)
    desk.submit(customer, desk.start_draft(customer, [line]).id)
    desk.dispatch_notifications()


def test_a_410_is_remembered_by_the_next_process_without_a_gone_store_given(
    database_url: str, tmp_path: Path
) -> None:
    sql.upgrade(database_url)
    with http_receiver(lambda n: (410, {}, 0)) as (url, received):
        endpoint = WebhookEndpoint("app", url, SECRET)
        first = WebhookChannel([endpoint], clock=SystemClock(), attempts=1)
        desk, _ = _process(database_url, tmp_path, [first])
        with desk:
            _submit(desk)
            assert isinstance(first.gone, sql.SqlGoneEndpoints)
        assert len(received) == 1
        assert first.disabled == {"app"}

        restarted = WebhookChannel([endpoint], clock=SystemClock(), attempts=1)
        desk, _ = _process(database_url, tmp_path, [restarted])
        with desk:
            assert restarted.disabled == {"app"}  # before it sent anything
            _submit(desk)
            assert desk.adapters.outbox.pending_count() == 0
        assert len(received) == 1, "the next process posted to an endpoint that said 410 Gone"
        first.close()
        restarted.close()


def test_a_gone_store_given_to_the_channel_is_kept(database_url: str, tmp_path: Path) -> None:
    sql.upgrade(database_url)
    own = InMemoryGoneEndpoints()
    hooks = WebhookChannel(
        [WebhookEndpoint("app", "http://127.0.0.1:9/", SECRET)], clock=SystemClock(), gone=own
    )
    desk, _ = _process(database_url, tmp_path, [hooks])
    with desk:
        assert hooks.gone is own
    hooks.close()


def test_a_retry_in_the_next_process_sends_no_second_email(
    database_url: str, tmp_path: Path
) -> None:
    sql.upgrade(database_url)
    clock, failing = _clock(), [True]
    with (
        smtp_server() as (mailbox, port),
        http_receiver(lambda n: (500, {}, 0) if failing[0] else (200, {}, 0)) as (url, received),
    ):
        endpoint = WebhookEndpoint("app", url, SECRET)
        first = WebhookChannel([endpoint], clock=SystemClock(), attempts=1)
        channels = [plain_email(port, clock), first]
        desk, router = _process(database_url, tmp_path, channels, preferences=BOTH, clock=clock)
        with desk:
            assert isinstance(router.log, sql.SqlDeliveryLog)
            _submit(desk)
            assert desk.adapters.outbox.pending_count() > 0  # the webhook is still owed
        first.close()
        mails, posts = len(mailbox.messages), len(received)
        assert mails >= 1
        assert posts >= 1

        failing[0] = False
        clock.advance(timedelta(hours=1))  # past the outbox's backoff
        restarted = WebhookChannel([endpoint], clock=SystemClock(), attempts=1)
        channels = [plain_email(port, clock), restarted]
        desk, router = _process(database_url, tmp_path, channels, preferences=BOTH, clock=clock)
        with desk:
            desk.dispatch_notifications()
            assert desk.adapters.outbox.pending_count() == 0
        restarted.close()
    assert len(received) == 2 * posts  # each failed webhook went out once more
    assert len(mailbox.messages) == mails, "the next process sent an e-mail already delivered"
    ids = [m["Message-ID"] for m in mailbox.messages]
    assert len(set(ids)) == len(ids)


def test_a_log_given_to_the_router_is_kept(database_url: str, tmp_path: Path) -> None:
    sql.upgrade(database_url)
    own = MemoryDeliveryLog()
    desk, router = _process(database_url, tmp_path, [], log=own)
    with desk:
        assert router.log is own
