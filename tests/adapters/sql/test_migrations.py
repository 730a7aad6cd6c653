"""Schema versions: upgrades only when asked, and a store refuses a schema not its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from reimbursement.__main__ import main
from reimbursement.adapters import sql
from reimbursement.errors import SchemaVersionError, StorageError
from reimbursement.testing import draft


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_fresh_database_is_upgraded_to_the_librarys_version(database_url: str) -> None:
    assert sql.schema_version(database_url) == 0
    assert sql.upgrade(database_url) == sql.SCHEMA_VERSION >= 11
    assert sql.schema_version(database_url) == sql.SCHEMA_VERSION
    assert _tables(database_url) >= {
        "rb_schema_version",
        "rb_claims",
        "rb_events",
        "rb_holdings",
        "rb_requests",
        "rb_sequences",
        "rb_outbox",
        "rb_inbox",
        "rb_deliveries",
        "rb_file_keys",
        "rb_expense_keys",
        "rb_image_keys",
        "rb_log_nodes",
        "rb_log_events",
        "rb_log_pending",
        "rb_webhooks_gone",
        "rb_bank_ledger",
        "rb_audit_queue",
        "rb_passkeys",
    }


def test_upgrading_again_changes_nothing_and_keeps_the_data(database_url: str) -> None:
    sql.upgrade(database_url)
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        uow.claims.add(draft("claim-1"))
        uow.commit()
    assert sql.upgrade(database_url) == sql.SCHEMA_VERSION
    assert sql.upgrade(database_url) == sql.SCHEMA_VERSION
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        assert uow.claims.get("claim-1") == draft("claim-1")


def test_a_database_without_the_schema_is_refused_with_the_command_to_run(
    database_url: str,
) -> None:
    with pytest.raises(SchemaVersionError, match="has no reimbursement schema") as raised:
        sql.create(database_url)
    assert "python -m reimbursement db upgrade --database URL" in str(raised.value)
    assert sql.schema_version(database_url) == 0, "opening a store changed the schema"
    assert "rb_claims" not in _tables(database_url)


def test_an_older_schema_is_refused_until_upgraded_step_by_step(database_url: str) -> None:
    assert sql.upgrade(database_url, to=1) == 1
    assert "rb_outbox" not in _tables(database_url)
    with pytest.raises(SchemaVersionError, match="is at schema version 1") as raised:
        sql.create(database_url)
    assert "db upgrade" in str(raised.value)
    assert sql.schema_version(database_url) == 1
    assert sql.upgrade(database_url) == sql.SCHEMA_VERSION
    with sql.create(database_url) as store:
        assert store.schema_version == sql.SCHEMA_VERSION


def test_a_newer_schema_is_refused_by_stores_and_by_upgrade(database_url: str) -> None:
    sql.upgrade(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO rb_schema_version (version, description) "
            f"VALUES ({sql.SCHEMA_VERSION + 1}, 'from the future')"
        )
    engine.dispose()
    with pytest.raises(
        SchemaVersionError, match=f"newer than this library's {sql.SCHEMA_VERSION}"
    ):
        sql.create(database_url)
    with pytest.raises(SchemaVersionError, match="upgrade the reimbursement library"):
        sql.upgrade(database_url)
    assert sql.schema_version(database_url) == sql.SCHEMA_VERSION + 1


def test_the_upgrade_command_upgrades_and_says_to_which_version(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "--database", database_url]) == 0
    assert f"schema version {sql.SCHEMA_VERSION}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database", database_url]) == 0
    assert "already" in capsys.readouterr().out
    with sql.create(database_url) as store:
        assert store.schema_version == sql.SCHEMA_VERSION


def test_the_sql_command_prints_what_upgrade_would_run(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "sql", "--database", database_url]) == 0
    printed = capsys.readouterr().out
    assert "CREATE TABLE rb_claims" in printed
    assert "CREATE TABLE rb_outbox" in printed
    assert sql.schema_version(database_url) == 0, "printing the SQL ran it"


def test_the_upgrade_command_reports_a_newer_schema_as_an_error(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sql.upgrade(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO rb_schema_version (version, description) "
            f"VALUES ({sql.SCHEMA_VERSION + 1}, 'future')"
        )
    engine.dispose()
    assert main(["db", "upgrade", "--database", database_url]) == 1
    assert "newer than this library's" in capsys.readouterr().err


def test_python_dash_m_runs_the_db_command(database_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reimbursement", "db", "upgrade", "--database", database_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sql.schema_version(database_url) == sql.SCHEMA_VERSION


def test_upgrade_of_an_unreachable_database_raises_storage_error() -> None:
    with pytest.raises(StorageError):
        sql.upgrade("postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none?connect_timeout=2")


def test_the_storage_docs_show_the_sql_upgrade_runs_on_postgresql() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "storage.md").read_text()
    for statement in sql.schema_sql("postgresql"):
        assert f"{statement};" in docs, f"docs/storage.md lacks:\n{statement}"


def test_a_store_and_upgrade_take_an_engine_of_yours(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    assert sql.upgrade(engine) == sql.SCHEMA_VERSION
    with sql.create(engine) as first, sql.create(engine) as second:
        with first.unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            uow.commit()
        with second.unit_of_work() as uow:
            assert uow.claims.get("claim-1") == draft("claim-1")
    with engine.connect() as connection:  # the stores left the engine open, and in WAL mode
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_version_10_queues_the_claims_drawn_for_audit_before_it(database_url: str) -> None:
    from decimal import Decimal

    from reimbursement import Money
    from reimbursement.domain.straight_through import AutoApprovalRule, StraightThroughRules
    from reimbursement.service.straight_through import StraightThroughReview
    from reimbursement.testing import submitted

    from .test_claim_items import as_version_14

    def screened(claim_id: str, share: str, uow: object) -> None:
        rules = StraightThroughRules(
            "v1", (AutoApprovalRule("any", Money("100", "EUR")),), audit_share=Decimal(share)
        )
        claim = submitted(draft(claim_id))
        review = StraightThroughReview(rules)
        done = review.screen(claim, claim.events[-1].at, uow.claims, request_payment=False)  # type: ignore[attr-defined]
        uow.claims.add(done)  # type: ignore[attr-defined]

    sql.upgrade(database_url)
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        screened("drawn", "1", uow)
        screened("not-drawn", "0", uow)
        uow.commit()
    as_version_14(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:  # as version 9 left it: 11 to 15 undone too
        connection.exec_driver_sql("DROP TABLE rb_log_pending")
        connection.exec_driver_sql("DROP INDEX rb_requests_claim")
        connection.exec_driver_sql("ALTER TABLE rb_requests DROP COLUMN answer")
        connection.exec_driver_sql("DROP TABLE rb_audit_queue")
        connection.exec_driver_sql("DROP TABLE rb_passkeys")
        connection.exec_driver_sql("DROP INDEX rb_bank_ledger_queue")
        for column in ("payee_name", "payee_address"):
            connection.exec_driver_sql(f"ALTER TABLE rb_bank_ledger DROP COLUMN {column}")
        connection.exec_driver_sql("DELETE FROM rb_schema_version WHERE version >= 10")
    engine.dispose()
    assert sql.upgrade(database_url) == sql.SCHEMA_VERSION
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        assert [s.id for s in uow.claims.audit_queue()] == ["drawn"]
