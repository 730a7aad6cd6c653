"""The duplicate index of claims stored before it existed: ``db reindex-duplicates``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from reimbursement.__main__ import main
from reimbursement.adapters import sql
from reimbursement.domain.duplicates import expense_key
from reimbursement.errors import SchemaVersionError, ValidationError
from reimbursement.testing import draft, rich_claim, submitted, withdrawn

_KEY_TABLES = ("rb_file_keys", "rb_expense_keys", "rb_image_keys")


def _rows(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = {
            t: connection.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in _KEY_TABLES
        }
    engine.dispose()
    return counts


def _forget_the_index(url: str) -> None:
    """What a database upgraded from schema version 4 holds: claims, no key rows."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for table in _KEY_TABLES:
            connection.execute(sa.text(f"DELETE FROM {table}"))
    engine.dispose()


def _url(store: sql.SqlClaimStore) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_claims_stored_before_the_index_are_found_once_reindexed(
    store: sql.SqlClaimStore,
) -> None:
    rich = rich_claim("claim-1")
    alike = [submitted(draft(f"claim-{i}")) for i in (2, 3)]  # the same pharmacy expense
    with store.unit_of_work() as uow:
        for claim in (rich, *alike):
            uow.claims.add(claim)
        uow.claims.add(draft("draft-1"))  # never submitted: nobody's duplicate
        uow.commit()
    url = _url(store)
    indexed = _rows(url)
    assert indexed["rb_file_keys"] > 0
    _forget_the_index(url)
    document = rich.attachments[0]
    key = expense_key(alike[0].lines[0])
    with store.unit_of_work() as uow:
        assert uow.claims.same_file(document.sha256) == []
        assert uow.claims.same_expense(key) == []
    assert sql.reindex_duplicates(url, batch=2) == 3  # two batches; the draft is not read
    assert _rows(url) == indexed
    with store.unit_of_work() as uow:
        assert [m.claim_id for m in uow.claims.same_file(document.sha256)] == ["claim-1"]
        assert {m.claim_id for m in uow.claims.same_expense(key)} == {"claim-2", "claim-3"}
    assert sql.reindex_duplicates(url) == 3  # again: the same rows
    assert _rows(url) == indexed


def test_a_withdrawn_claims_leftover_keys_are_removed(store: sql.SqlClaimStore) -> None:
    gone = withdrawn(submitted(draft("claim-1")))
    with store.unit_of_work() as uow:
        uow.claims.add(gone)
        uow.commit()
    url = _url(store)
    key = expense_key(gone.lines[0])
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a key row left behind by hand or by an old bug
        connection.execute(
            sa.text(
                "INSERT INTO rb_expense_keys "
                "(claim_id, line_id, provider, currency, incurred_on, amount) "
                "VALUES ('claim-1', 'L1', :provider, :currency, :day, :amount)"
            ),
            {
                "provider": key.provider,
                "currency": key.currency,
                "day": key.incurred_on.isoformat(),
                "amount": key.amount,
            },
        )
    engine.dispose()
    with store.unit_of_work() as uow:
        assert len(uow.claims.same_expense(key)) == 1
    assert sql.reindex_duplicates(url) == 1
    with store.unit_of_work() as uow:
        assert uow.claims.same_expense(key) == []


def test_the_command_line_reindexes_and_says_how_many(
    store: sql.SqlClaimStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(rich_claim("claim-1"))
        uow.commit()
    url = _url(store)
    _forget_the_index(url)
    assert main(["db", "reindex-duplicates", "--database", url]) == 0
    assert capsys.readouterr().out == "indexed 1 submitted claims for duplicate look-ups\n"
    assert _rows(url)["rb_file_keys"] > 0


def test_a_bad_batch_and_an_old_schema_are_refused(sqlite_url: str) -> None:
    sql.upgrade(sqlite_url, to=4)
    with pytest.raises(SchemaVersionError, match="db upgrade"):
        sql.reindex_duplicates(sqlite_url)
    sql.upgrade(sqlite_url)
    for bad in (0, 1001):
        with pytest.raises(ValidationError, match="batch"):
            sql.reindex_duplicates(sqlite_url, batch=bad)
