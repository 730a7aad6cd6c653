"""A bank-file gateway's ledger in SQL (``rb_bank_ledger``, schema versions 8 and 11).

It lives in the claim store's database, so a gateway recreated after a
restart still knows which keys it wrote into a ``pain.001`` and refuses to
cancel them, and files the keys taken before the restart (their payee is
kept with them, version 11). Each method is one short transaction; the
conditions of a change (still pending, in no file) are in its ``UPDATE …
WHERE``, so two gateways on one database cannot both file and cancel a key.
A payment run's keys are added in one statement per chunk (:meth:`add_many`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final, TypeVar

import attrs
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
    sa.Column("payee_name", sa.Text),
    sa.Column("payee_address", sa.Text),
)

_CHUNK: Final = 500
"""Keys per ``IN (…)`` (well below every driver's limit of bound parameters), and so
rows per ``INSERT`` executed for many rows."""


def _entry(row: AnyRow) -> LedgerEntry:
    try:
        instruction = None
        if row.claim_id is not None:
            instruction = PaymentInstruction(
                row.key, row.claim_id, row.payee_account, Money(row.amount, row.currency),
                row.remittance,
            )  # fmt: skip
        receipt = PaymentReceipt(row.key, row.reference, row.status, row.failure_reason)
        address = None
        if row.payee_address is not None:
            from ...payments.iso20022 import PostalAddress  # the bank file's: payments extra

            fields = json.loads(row.payee_address)
            address = PostalAddress(**{**fields, "lines": tuple(fields.get("lines", ()))})
        return LedgerEntry(instruction, receipt, row.filed_in, row.payee_name, address)
    except (ValueError, TypeError) as error:
        raise StoredDataError(
            f"bank ledger entry {row.key!r} cannot be read back: {error}"
        ) from None


def _receipt_values(receipt: PaymentReceipt) -> dict[str, Any]:
    return {
        "reference": receipt.reference,
        "status": receipt.status.value,
        "failure_reason": receipt.failure_reason,
    }


def _row(entry: LedgerEntry) -> dict[str, Any]:
    """Every column of ``entry``'s row but ``position`` (the same keys for every entry)."""
    instruction, address = entry.instruction, entry.payee_address
    values = {
        "key": entry.receipt.idempotency_key,
        "filed_in": entry.filed_in,
        "claim_id": None if instruction is None else instruction.claim_id,
        "payee_account": None if instruction is None else instruction.payee_account,
        "amount": None if instruction is None else str(instruction.amount.amount),
        "currency": None if instruction is None else instruction.amount.currency,
        "remittance": None if instruction is None else instruction.remittance,
        "payee_name": entry.payee_name,
        "payee_address": None if address is None else json.dumps(attrs.asdict(address)),
    }
    return values | _receipt_values(entry.receipt)


_Filtered = TypeVar("_Filtered", sa.Select[Any], sa.Delete)


def _waiting(statement: _Filtered) -> _Filtered:
    """``statement`` limited to the keys waiting for a file (``LedgerEntry.waiting``)."""
    return statement.where(
        BANK_LEDGER.c.filed_in.is_(None),
        # written out, so that both databases read it from the partial index
        BANK_LEDGER.c.status == sa.literal_column("'pending'"),
        BANK_LEDGER.c.claim_id.is_not(None),
    )


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
        with guard(self.engine, "add to the bank ledger"), self.engine.connect() as connection:
            begin(connection, write=True)
            connection.execute(self._add, _row(entry))
            kept = self._one(connection, entry.receipt.idempotency_key)
            connection.commit()
        assert kept is not None
        return kept

    def add_many(self, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
        kept: dict[str, LedgerEntry] = {}
        with guard(self.engine, "add to the bank ledger"), self.engine.connect() as connection:
            begin(connection, write=True)
            for start in range(0, len(entries), _CHUNK):
                rows: dict[
                    str, dict[str, Any]
                ] = {}  # a key twice in one INSERT: PostgreSQL refuses, the first wins
                for entry in entries[start : start + _CHUNK]:
                    rows.setdefault(entry.receipt.idempotency_key, _row(entry))
                # one statement, executed for many rows (sqlite3's executemany, psycopg's
                # pipeline): a multi-VALUES INSERT would be compiled afresh each time
                connection.execute(self._add, list(rows.values()))
                query = sa.select(BANK_LEDGER).where(BANK_LEDGER.c.key.in_(list(rows)))
                kept.update((r.key, _entry(r)) for r in connection.execute(query))
            connection.commit()
        return [kept[e.receipt.idempotency_key] for e in entries]

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

    def withdraw(self, keys: Sequence[str]) -> list[str]:
        gone: set[str] = set()
        with guard(self.engine, "withdraw keys from the bank ledger"), self.engine.connect() as c:
            begin(c, write=True)
            for start in range(0, len(keys), _CHUNK):
                delete = _waiting(BANK_LEDGER.delete()).where(
                    BANK_LEDGER.c.key.in_(list(keys[start : start + _CHUNK]))
                )
                gone.update(c.execute(delete.returning(BANK_LEDGER.c.key)).scalars())
            c.commit()
        return [k for k in keys if k in gone]

    def receipts(self) -> list[PaymentReceipt]:
        query = sa.select(BANK_LEDGER).order_by(BANK_LEDGER.c.position)
        with guard(self.engine, "read the bank ledger"), self.engine.connect() as connection:
            return [_entry(r).receipt for r in connection.execute(query)]

    def queue(self) -> list[LedgerEntry]:
        query = _waiting(sa.select(BANK_LEDGER)).order_by(BANK_LEDGER.c.position)
        with guard(self.engine, "read the bank ledger"), self.engine.connect() as connection:
            return [_entry(r) for r in connection.execute(query)]
