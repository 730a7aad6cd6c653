"""A webhook's 410 Gone on a SQL desk is kept in its database without being asked for."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from pathlib import Path

from peers import http_receiver
from reimbursement import Actor, CustomerProfile, DeskSettings, LineInput, Money, sql_desk
from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryGoneEndpoints, ManualClock
from reimbursement.adapters.notify.webhook import WebhookChannel, WebhookEndpoint
from reimbursement.adapters.system import SystemClock
from reimbursement.notify import ChannelRouter, ContactPreferences, InMemoryPreferences
from reimbursement.notify.templates import TemplateSet
from reimbursement.service.desk import ReimbursementDesk

PROFILE = CustomerProfile("c-1", "Li Na", "POL-1", "EUR", payee_account="DE89370400440532013000")
SECRET = secrets.token_bytes(32)
CLOCK = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _process(url: str, folder: Path, hooks: WebhookChannel) -> ReimbursementDesk:
    """One worker process: a desk on the database, its router bound, the channel given."""
    router = ChannelRouter(
        templates=TemplateSet(),
        preferences=InMemoryPreferences(
            [ContactPreferences("c-1", channels=["webhook"], webhook="app")]
        ),
        channels=[hooks],
        clock=CLOCK,
    )
    desk = sql_desk(
        url,
        documents=folder,
        customers=[PROFILE],
        clock=CLOCK,
        notifier=router,
        settings=DeskSettings(require_receipts=False),
    )
    router.bind(desk)
    return desk


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
        with _process(database_url, tmp_path, first) as desk:
            _submit(desk)
            assert isinstance(first.gone, sql.SqlGoneEndpoints)
        assert len(received) == 1
        assert first.disabled == {"app"}

        restarted = WebhookChannel([endpoint], clock=SystemClock(), attempts=1)
        with _process(database_url, tmp_path, restarted) as desk:
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
    with _process(database_url, tmp_path, hooks):
        assert hooks.gone is own
    hooks.close()
