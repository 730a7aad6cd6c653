"""The schema steps' building blocks: :class:`Migration` and the words that differ by dialect.

The few words that differ between PostgreSQL and SQLite are filled in from
:data:`WORDS` when :func:`reimbursement.adapters.sql._migrations.statements`
prints or applies a step (the steps are in ``_migration_steps``).
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["LISTS", "WORDS", "Migration"]


@attrs.frozen
class Migration:
    """One forward step: from ``version - 1`` to ``version``."""

    version: int
    description: str
    sql: tuple[str, ...]


LISTS: Final = ("lines", "attachments", "messages")
_NUMBERED: Final = "WITH ORDINALITY AS j(value, n)"

WORDS: Final = {
    "postgresql": {
        "json": "JSONB",
        "ordered_json": "JSON",
        "instant": "TIMESTAMPTZ",
        "position": "BIGINT GENERATED ALWAYS AS IDENTITY",
        "now": "now()",
        "not_due": "'9999-12-31 00:00:00+00'",
        "bigint": "BIGINT",
        "bytes": "BYTEA",
        # step 15: a list's items (and their indexes), and the body with their counts
        **{f"items_of_{n}": f"jsonb_array_elements(c.body -> '{n}') {_NUMBERED}" for n in LISTS},
        "item_index": "j.n - 1",
        "counted_body": "body || jsonb_build_object("
        + ", ".join(f"'{n}', jsonb_array_length(body -> '{n}')" for n in LISTS)
        + ")",
    },
    "sqlite": {
        "json": "TEXT",
        "ordered_json": "TEXT",
        "instant": "TEXT",
        "position": "INTEGER",
        "now": "CURRENT_TIMESTAMP",
        "not_due": "'9999-12-31T00:00:00.000000+00:00'",
        "bigint": "INTEGER",
        "bytes": "BLOB",
        **{f"items_of_{n}": f"json_each(c.body, '$.{n}') AS j" for n in LISTS},
        "item_index": "j.key",
        "counted_body": "json_set(body, "
        + ", ".join(f"'$.{n}', json_array_length(body, '$.{n}')" for n in LISTS)
        + ")",
    },
}
