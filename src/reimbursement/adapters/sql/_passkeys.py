"""The customers' registered passkeys in SQL (``rb_passkeys``, schema version 14).

They live in the claim store's database, so every process serving the
portal checks a submission's assertion against the same keys and the same
sign counter; :meth:`SqlPasskeys.advance` is one ``UPDATE … WHERE
sign_count = seen``, so two processes accepting one assertion at once
cannot both move it.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from sqlalchemy import exc

from ...errors import DuplicateError
from ...ports import PasskeyCredential
from ._engine import begin, guard, prepare
from ._schema import METADATA, AnyRow, Instant

__all__ = ["PASSKEYS", "SqlPasskeys"]

PASSKEYS: Final = sa.Table(
    "rb_passkeys",
    METADATA,
    sa.Column("credential_id", sa.Text, primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False, unique=True),
    sa.Column("customer_id", sa.Text, nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
    sa.Column("sign_count", sa.BigInteger, nullable=False),
    sa.Column("registered_at", Instant, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
)


def _credential(row: AnyRow) -> PasskeyCredential:
    return PasskeyCredential(
        credential_id=row.credential_id,
        customer_id=row.customer_id,
        public_key=bytes(row.public_key),
        sign_count=int(row.sign_count),
        registered_at=row.registered_at,
        name=row.name,
    )


class SqlPasskeys:
    """:class:`~reimbursement.ports.PasskeyStore` on ``rb_passkeys``; each call one transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = prepare(engine)

    def add(self, credential: PasskeyCredential) -> None:
        next_position = sa.select(sa.func.coalesce(sa.func.max(PASSKEYS.c.position), 0) + 1)
        values = {
            "credential_id": credential.credential_id,
            "position": next_position.scalar_subquery(),
            "customer_id": credential.customer_id,
            "public_key": credential.public_key,
            "sign_count": credential.sign_count,
            "registered_at": credential.registered_at,
            "name": credential.name,
        }
        try:
            with guard(self.engine, "register a passkey"), self.engine.connect() as connection:
                begin(connection, write=True)
                connection.execute(PASSKEYS.insert().values(values))
                connection.commit()
        except exc.IntegrityError:
            raise DuplicateError(
                f"passkey {credential.credential_id[:80]!r} is already registered"
            ) from None

    def get(self, credential_id: str) -> PasskeyCredential | None:
        query = sa.select(PASSKEYS).where(PASSKEYS.c.credential_id == credential_id)
        with guard(self.engine, "read a passkey"), self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _credential(row)

    def of_customer(self, customer_id: str) -> list[PasskeyCredential]:
        query = (
            sa.select(PASSKEYS)
            .where(PASSKEYS.c.customer_id == customer_id)
            .order_by(PASSKEYS.c.position)
        )
        with guard(self.engine, "read a customer's passkeys"), self.engine.connect() as connection:
            return [_credential(row) for row in connection.execute(query)]

    def advance(self, credential_id: str, seen: int, new: int) -> bool:
        update = (
            PASSKEYS.update()
            .where(PASSKEYS.c.credential_id == credential_id, PASSKEYS.c.sign_count == seen)
            .values(sign_count=new)
        )
        with guard(self.engine, "count a passkey's use"), self.engine.connect() as connection:
            begin(connection, write=True)
            moved = int(connection.execute(update).rowcount)
            connection.commit()
        return moved == 1
