"""The log store contract on SQLite and PostgreSQL, each leaf read back by a new store."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.audit import LogStore
from reimbursement.testing.log import LogStoreContract


class TestSqlLogStore(LogStoreContract):
    @pytest.fixture
    def log_store(self, store: sql.SqlClaimStore) -> Iterator[Callable[[], LogStore]]:
        engines: list[sa.Engine] = []

        def reopen() -> LogStore:  # every call a new engine: what it reads was committed
            engines.append(sa.create_engine(store.engine.url))
            return sql.SqlLogStore(engines[-1])

        yield reopen
        for engine in engines:
            engine.dispose()
