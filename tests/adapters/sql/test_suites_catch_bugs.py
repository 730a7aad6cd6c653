"""The contract suites fail on stores that break the contract in the ways real adapters do.

Each broken store is the SQL store with one safeguard removed; the suite
test that guards it must fail on it (it passes on the real store in
``test_contracts_sql.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.adapters.sql import _store
from reimbursement.adapters.sql._codec import claim_values, event_values
from reimbursement.adapters.sql._engine import insert
from reimbursement.adapters.sql._schema import CLAIMS, EVENTS, OUTBOX, REQUESTS
from reimbursement.domain.claim import Claim
from reimbursement.ports import NO_SCHEDULE, ClaimSchedule, Notification, OutboxMessage
from reimbursement.serialization import to_data
from reimbursement.testing import ClaimRepositoryContract, OutboxQueueContract, UnitOfWorkFactory

Failed = pytest.fail.Exception


class _BlindRepository(sql.SqlClaimRepository):
    """Saves over whatever is stored: the version check is gone from the UPDATE."""

    def save(
        self, claim: Claim, expected_version: int, schedule: ClaimSchedule = NO_SCHEDULE
    ) -> None:
        values = claim_values(claim, schedule)
        del values["id"]
        with self._uow.writing("save blindly") as connection:
            connection.execute(CLAIMS.update().where(CLAIMS.c.id == claim.id).values(values))
            connection.execute(EVENTS.delete().where(EVENTS.c.claim_id == claim.id))
            connection.execute(EVENTS.insert(), event_values(claim, 0))


class _BlindUnitOfWork(sql.SqlUnitOfWork):
    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self.claims = _BlindRepository(self)


class _OverwritingUnitOfWork(sql.SqlUnitOfWork):
    """Replaces a request key another unit of work committed instead of refusing."""

    def commit(self) -> None:
        keys = list(self.claims.requests)
        if keys:
            with self.writing("overwrite request keys") as connection:
                connection.execute(REQUESTS.delete().where(REQUESTS.c.key.in_(keys)))
        super().commit()


class _ProcessNumbersUnitOfWork(sql.SqlUnitOfWork):
    """Takes claim numbers from a counter in the process: a restart hands them out again."""

    counters: dict[str, Iterator[int]]

    def next_number(self, scope: str) -> int:
        return next(self.counters.setdefault(scope, itertools.count(1)))


def _replacing_insert(
    connection: sa.Connection,
    notifications: Iterable[Notification],
    until: object,
    *,
    last: bool = False,  # SQLite (the only database here): the store commits after it
) -> list[Notification]:
    """Queues a known key again by replacing the pending entry (ON CONFLICT DO UPDATE)."""
    for position, item in enumerate(notifications, 1_000):
        values: dict[str, Any] = {
            "key": item.key,
            "claim_id": item.claim_id,
            "status": "pending",
            "attempts": 0,
            "body": to_data(item),
        }
        if connection.dialect.name == "sqlite":
            values["position"] = position
        statement = insert(connection, OUTBOX).values(values)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["key"], set_={"body": statement.excluded.body}
            )
        )
    return []  # leases nothing on commit


class _ShortLeaseQueue(sql.SqlOutboxQueue):
    """Leases for a microsecond whatever it is asked: a live lease ends at once."""

    def claim_batch(
        self,
        limit: int,
        *,
        now: datetime,
        lease: timedelta,
    ) -> list[OutboxMessage]:
        return list(super().claim_batch(limit, now=now, lease=timedelta(microseconds=1)))


class _ForgetfulQueue(sql.SqlOutboxQueue):
    """Acknowledges nothing: delivered messages go out again."""

    def mark_delivered(self, keys: Iterable[str]) -> None:
        list(keys)


def _factory(store: sql.SqlClaimStore, kind: type[sql.SqlUnitOfWork]) -> UnitOfWorkFactory:
    return lambda: kind(store.engine)


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[sql.SqlClaimStore]:
    sql.upgrade(sqlite_url)
    with sql.create(sqlite_url) as opened:
        yield opened


def test_the_claims_suite_fails_a_store_that_saves_without_its_version_check(
    sqlite_store: sql.SqlClaimStore,
) -> None:
    blind = _factory(sqlite_store, _BlindUnitOfWork)
    suite = ClaimRepositoryContract()
    with pytest.raises(Failed, match="DID NOT RAISE"):
        suite.test_of_two_interleaved_read_modify_saves_the_second_is_refused_not_lost(blind)


def test_the_claims_suite_fails_a_store_that_overwrites_a_committed_request_key(
    sqlite_store: sql.SqlClaimStore,
) -> None:
    overwriting = _factory(sqlite_store, _OverwritingUnitOfWork)
    suite = ClaimRepositoryContract()
    with pytest.raises(Failed, match="DID NOT RAISE"):
        suite.test_of_two_units_of_work_committing_one_request_key_the_second_writes_nothing(
            overwriting
        )


def test_the_claims_suite_fails_a_store_whose_numbers_do_not_survive_a_restart(
    sqlite_url: str, sqlite_store: sql.SqlClaimStore
) -> None:
    def numbers_in_process(store: sql.SqlClaimStore) -> UnitOfWorkFactory:
        counters: dict[str, Iterator[int]] = {}

        def unit_of_work() -> sql.SqlUnitOfWork:
            uow = _ProcessNumbersUnitOfWork(store.engine)
            uow.counters = counters
            return uow

        return unit_of_work

    reopened: list[sql.SqlClaimStore] = []

    def reopen() -> UnitOfWorkFactory:
        sqlite_store.close()
        reopened.append(sql.create(sqlite_url))
        return numbers_in_process(reopened[-1])

    suite = ClaimRepositoryContract()
    try:
        with pytest.raises(AssertionError):
            suite.test_everything_committed_survives_reopening_the_store(
                numbers_in_process(sqlite_store), reopen
            )
    finally:
        for store in reopened:
            store.close()


def test_the_queue_suite_fails_a_store_that_replaces_a_pending_entry(
    sqlite_store: sql.SqlClaimStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_store, "insert_staged", _replacing_insert)
    suite = OutboxQueueContract()
    with pytest.raises(AssertionError):
        suite.test_a_key_queued_again_is_kept_once_as_first_queued(
            sqlite_store.unit_of_work, sqlite_store.queue
        )


@pytest.mark.parametrize(
    ("queue_kind", "test"),
    [
        (_ShortLeaseQueue, "test_a_live_lease_is_skipped_and_an_ended_one_leased_again"),
        (_ForgetfulQueue, "test_a_delivered_message_is_never_leased_again"),
        (_ForgetfulQueue, "test_a_claims_messages_are_leased_in_the_order_queued_one_at_a_time"),
    ],
)
def test_the_queue_suite_fails_a_dispatch_queue_that_breaks_its_contract(
    sqlite_store: sql.SqlClaimStore,
    queue_kind: Callable[[sa.Engine], sql.SqlOutboxQueue],
    test: str,
) -> None:
    broken = queue_kind(sqlite_store.engine)
    with pytest.raises(AssertionError):
        getattr(OutboxQueueContract(), test)(sqlite_store.unit_of_work, broken)
