"""The log store contract on the in-memory store (SQL: tests/adapters/sql/test_log_sql.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement.audit import LogStore, MemoryLogStore
from reimbursement.testing.log import LogStoreContract


class TestMemoryLogStore(LogStoreContract):
    @pytest.fixture
    def log_store(self) -> Callable[[], LogStore]:
        store = MemoryLogStore()
        return lambda: store
