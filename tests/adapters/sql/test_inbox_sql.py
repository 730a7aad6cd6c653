"""The SQL inbox and delivery log pass the channel contract suites, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reimbursement import Actor, sql_desk
from reimbursement.adapters import sql
from reimbursement.adapters.memory import ManualClock
from reimbursement.adapters.notify.inbox import InboxChannel
from reimbursement.notify import Channel
from reimbursement.testing.channels import (
    DeliveryLogContract,
    GoneEndpointsContract,
    InboxStoreContract,
    outgoing,
)


class TestSqlInbox(InboxStoreContract):
    @pytest.fixture
    def inbox(self, store: sql.SqlClaimStore) -> sql.SqlInbox:
        return sql.SqlInbox(store.engine)


class TestSqlDeliveryLog(DeliveryLogContract):
    @pytest.fixture
    def log(self, store: sql.SqlClaimStore) -> sql.SqlDeliveryLog:
        return sql.SqlDeliveryLog(store.engine)


class TestSqlGoneEndpoints(GoneEndpointsContract):
    @pytest.fixture
    def gone(self, store: sql.SqlClaimStore) -> sql.SqlGoneEndpoints:
        return sql.SqlGoneEndpoints(store.engine)


def test_an_endpoint_gone_for_one_process_is_gone_for_the_next(database_url: str) -> None:
    sql.upgrade(database_url)
    first, second = sql.create(database_url), sql.create(database_url)
    try:
        sql.SqlGoneEndpoints(first.engine).mark_gone("broker", datetime(2026, 3, 2, tzinfo=UTC))
        assert sql.SqlGoneEndpoints(second.engine).is_gone("broker")
    finally:
        first.close()
        second.close()


@pytest.fixture
def reopened_inbox(database_url: str) -> Iterator[tuple[sql.SqlInbox, sql.SqlClaimStore]]:
    sql.upgrade(database_url)
    first, second = sql.create(database_url), sql.create(database_url)
    yield sql.SqlInbox(first.engine), second
    first.close()
    second.close()


def test_the_inbox_survives_a_restart_and_is_shared_by_processes(
    reopened_inbox: tuple[sql.SqlInbox, sql.SqlClaimStore],
) -> None:
    inbox, other = reopened_inbox
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    channel = InboxChannel(inbox, clock)
    channel.deliver(outgoing("claim-1#2", Channel.INBOX, "cust-1", subject="申请已提交"))
    channel.deliver(outgoing("claim-1#2", Channel.INBOX, "cust-1", subject="again"))
    seen = sql.SqlInbox(other.engine)
    [item] = seen.page("cust-1")
    assert (item.subject, item.delivered_at) == ("申请已提交", clock.now())
    assert seen.mark_read("cust-1", ["claim-1#2"], clock.now() + timedelta(hours=1)) == 1
    assert inbox.unread_count("cust-1") == 0
    log = sql.SqlDeliveryLog(other.engine)
    log.record("claim-1#2", Channel.SMS, clock.now())
    assert sql.SqlDeliveryLog(inbox.engine).delivered("claim-1#2", Channel.SMS)


def test_a_sql_desk_reads_the_inbox_on_its_database_by_default(
    reopened_inbox: tuple[sql.SqlInbox, sql.SqlClaimStore], database_url: str, tmp_path: Path
) -> None:
    inbox, _ = reopened_inbox
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    InboxChannel(inbox, clock).deliver(outgoing("claim-1#2", Channel.INBOX, "cust-1"))
    with sql_desk(database_url, documents=tmp_path / "docs") as desk:
        [item] = desk.inbox(Actor.customer("cust-1")).items
        assert item.key == "claim-1#2"
        assert desk.mark_inbox_read(Actor.customer("cust-1"), ["claim-1#2"]) == 1
    assert inbox.unread_count("cust-1") == 0
