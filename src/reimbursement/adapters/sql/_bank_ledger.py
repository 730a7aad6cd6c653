"""A bank-file gateway's ledger in SQL (``rb_bank_ledger``, schema version 8).

It lives in the claim store's database, so a gateway recreated after a
restart still knows which keys it wrote into a ``pain.001`` and refuses to
cancel them. Each method is one short transaction; the conditions of a
change (still pending, in no file) are in its ``UPDATE … WHERE``, so two
gateways on one database cannot both file and cancel a key.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ...domain.money import Money
from ...errors import StoredDataError
from ...payments.ledger import LedgerEntry
from ...ports import PaymentInstruction, PaymentReceipt, ReceiptStatus
from ._engine import begin, guard, is_postgres, prepare
from ._schema import METADATA, AnyRow

__all__ = ["BANK_LEDGER", "SqlBankLedger"]

BANK_LEDGER: Final = sa.Table(
    "rb_bank_ledger",
    METADATA,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("claim_id", sa.Text),
    sa.Column("payee_account", sa.Text),
    sa.Column("amount", sa.Text),
    sa.Column("currency", sa.Text),
    sa.Column("remittance", sa.Text),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("failure_reason", sa.Text),
    sa.Column("filed_in", sa.Text),
)

_CHUNK: Final = 500
"""Keys per ``IN (…)``: well below every driver's limit of bound parameters."""


def _entry(row: AnyRow) -> LedgerEntry:
    try:
        instruction = None
        if row.claim_id is not None:
            instruction = PaymentInstruction(
                row.key, row.claim_id, row.payee_account, Money(row.amount, row.currency),
                row.remittance,
            )  # fmt: skip
        receipt = PaymentReceipt(row.key, row.reference, row.status, row.failure_reason)
        return LedgerEntry(instruction, receipt, row.filed_in)
    except ValueError as error:
        raise StoredDataError(
            f"bank ledger entry {row.key!r} cannot be read back: {error}"
        ) from None


def _receipt_values(receipt: PaymentReceipt) -> dict[str, Any]:
    return {
        "reference": receipt.reference,
        "status": receipt.status.value,
        "failure_reason": receipt.failure_reason,
    }


class SqlBankLedger:
    """:class:`~reimbursement.payments.ledger.BankLedger` on ``rb_bank_ledger``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = prepare(engine)
        insert = postgresql.insert if is_postgres(self.engine) else sqlite.insert
        self._add = insert(BANK_LEDGER).on_conflict_do_nothing()

    def _one(self, connection: sa.Connection, key: str) -> LedgerEntry | None:
        row = connection.execute(sa.select(BANK_LEDGER).where(BANK_LEDGER.c.key == key)).first()
        return None if row is None else _entry(row)

    def get(self, key: str) -> LedgerEntry | None:
        with guard(self.engine, "read the bank ledger"), self.engine.connect() as connection:
            return self._one(connection, key)

    def add(self, entry: LedgerEntry) -> LedgerEntry:
        values = {"key": entry.receipt.idempotency_key, "filed_in": entry.filed_in}
        values |= _receipt_values(entry.receipt)
        if entry.instruction is not None:
            values |= {
                "claim_id": entry.instruction.claim_id,
                "payee_account": entry.instruction.payee_account,
                "amount": str(entry.instruction.amount.amount),
                "currency": entry.instruction.amount.currency,
                "remittance": entry.instruction.remittance,
            }
        with guard(self.engine, "add to the bank ledger"), self.engine.connect() as connection:
            begin(connection, write=True)
            connection.execute(self._add, values)
            kept = self._one(connection, entry.receipt.idempotency_key)
            connection.commit()
        assert kept is not None
        return kept

    def replace(self, receipt: PaymentReceipt, *, unfiled: bool = False) -> LedgerEntry | None:
        key = receipt.idempotency_key
        update = (
            BANK_LEDGER.update()
            .where(BANK_LEDGER.c.key == key)
            .where(BANK_LEDGER.c.status == ReceiptStatus.PENDING.value)
            .values(_receipt_values(receipt))
        )
        if unfiled:
            update = update.where(BANK_LEDGER.c.filed_in.is_(None))
        with guard(self.engine, "update the bank ledger"), self.engine.connect() as connection:
            begin(connection, write=True)
            connection.execute(update)
            entry = self._one(connection, key)
            connection.commit()
        return entry

    def file(self, keys: list[str], message_id: str) -> list[str]:
        marked: set[str] = set()
        with (
            guard(self.engine, "mark keys as in a bank file"),
            self.engine.connect() as connection,
        ):
            begin(connection, write=True)
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                connection.execute(
                    BANK_LEDGER.update()
                    .where(BANK_LEDGER.c.key.in_(chunk))
                    .where(BANK_LEDGER.c.status == ReceiptStatus.PENDING.value)
                    .where(BANK_LEDGER.c.filed_in.is_(None))
                    .values(filed_in=message_id)
                )
                query = sa.select(BANK_LEDGER.c.key).where(
                    BANK_LEDGER.c.key.in_(chunk), BANK_LEDGER.c.filed_in == message_id
                )
                marked.update(connection.execute(query).scalars())
            connection.commit()
        return [k for k in keys if k in marked]

    def receipts(self) -> list[PaymentReceipt]:
        query = sa.select(BANK_LEDGER).order_by(BANK_LEDGER.c.position)
        with guard(self.engine, "read the bank ledger"), self.engine.connect() as connection:
            return [_entry(r).receipt for r in connection.execute(query)]
