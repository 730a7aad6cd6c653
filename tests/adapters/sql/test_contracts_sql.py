"""The claim and outbox contract suites, run on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement.adapters import sql
from reimbursement.ports import OutboxQueue
from reimbursement.testing import ClaimRepositoryContract, OutboxQueueContract, UnitOfWorkFactory


class TestSqlClaimStore(ClaimRepositoryContract):
    @pytest.fixture
    def unit_of_work(self, store: sql.SqlClaimStore) -> UnitOfWorkFactory:
        return store.unit_of_work

    @pytest.fixture
    def reopen(self, reopened: Callable[[], sql.SqlClaimStore]) -> Callable[[], UnitOfWorkFactory]:
        return lambda: reopened().unit_of_work


class TestSqlOutboxQueue(OutboxQueueContract):
    @pytest.fixture
    def unit_of_work(self, store: sql.SqlClaimStore) -> UnitOfWorkFactory:
        return store.unit_of_work

    @pytest.fixture
    def outbox_queue(self, store: sql.SqlClaimStore) -> OutboxQueue:
        return store.queue

    @pytest.fixture
    def reopen_queue(
        self, reopened: Callable[[], sql.SqlClaimStore]
    ) -> Callable[[], tuple[UnitOfWorkFactory, OutboxQueue]]:
        def reopen() -> tuple[UnitOfWorkFactory, OutboxQueue]:
            store = reopened()
            return store.unit_of_work, store.outbox_queue()

        return reopen
