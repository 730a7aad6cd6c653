"""The SQL claim store commits with its Merkle log, on SQLite and PostgreSQL: the contract."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.audit import LogStore
from reimbursement.testing import UnitOfWorkFactory
from reimbursement.testing.store_log import EditEvent, StoreLogContract


class TestSqlStoreLog(StoreLogContract):
    @pytest.fixture
    def unit_of_work(self, store: sql.SqlClaimStore) -> UnitOfWorkFactory:
        return store.unit_of_work

    @pytest.fixture
    def log_store(self, store: sql.SqlClaimStore) -> LogStore:
        return store.log

    @pytest.fixture
    def edit_event(self, store: sql.SqlClaimStore) -> EditEvent:
        def edit(claim_id: str, seq: int, reason: str) -> None:
            where = "WHERE claim_id = :claim AND seq = :seq"
            key = {"claim": claim_id, "seq": seq}
            engine = sa.create_engine(store.engine.url)  # a connection of its own
            with engine.begin() as connection:
                raw = connection.execute(
                    sa.text(f"SELECT body FROM rb_events {where}"), key
                ).scalar_one()
                body = json.loads(raw) if isinstance(raw, str) else raw
                body["reason"] = reason
                cast = "CAST(:body AS JSON)" if engine.dialect.name == "postgresql" else ":body"
                connection.execute(
                    sa.text(f"UPDATE rb_events SET body = {cast} {where}"),
                    {**key, "body": json.dumps(body)},
                )
            engine.dispose()
            store.cache.clear()  # read as another process would: with nothing decoded yet

        return edit
