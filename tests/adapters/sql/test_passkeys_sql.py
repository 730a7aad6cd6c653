"""The SQL passkey store passes the contract on SQLite and PostgreSQL; processes share it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reimbursement.adapters import sql
from reimbursement.adapters.passkeys import Passkeys
from reimbursement.errors import SignatureError
from reimbursement.testing.passkeys import PasskeyStoreContract, registered
from reimbursement.testing.signing import SoftPasskey

RP, ORIGIN = "claims.example.org", "https://claims.example.org"


class TestSqlPasskeys(PasskeyStoreContract):
    @pytest.fixture
    def passkeys(self, store: sql.SqlClaimStore) -> sql.SqlPasskeys:
        return sql.SqlPasskeys(store.engine)


def test_a_passkey_registered_in_one_process_signs_in_another_once(database_url: str) -> None:
    sql.upgrade(database_url)
    first, second = sql.create(database_url), sql.create(database_url)
    try:
        device = SoftPasskey(RP, ORIGIN)
        registered(
            sql.SqlPasskeys(first.engine), device, "C-7", at=datetime(2026, 3, 2, tzinfo=UTC)
        )
        here = Passkeys(sql.SqlPasskeys(first.engine), RP, [ORIGIN])
        there = Passkeys(sql.SqlPasskeys(second.engine), RP, [ORIGIN])
        payload = b'{"customer_id":"C-7"}'
        signed = device.sign(payload)
        there.accept(payload, signed)
        with pytest.raises(SignatureError, match="replayed"):
            here.accept(payload, signed)  # the counter the other process moved
        here.verify(payload, signed)
    finally:
        first.close()
        second.close()
