"""Real databases for the SQL adapter's tests: a SQLite file, and PostgreSQL when asked.

PostgreSQL tests run when ``REIMBURSEMENT_TEST_POSTGRES_URL`` names a server
(``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and skip, saying so,
when it is not set. Each test gets its own fresh schema (``rb_<random>``,
reached through ``search_path``), dropped afterwards, so runs never collide.
With ``REIMBURSEMENT_REQUIRE_POSTGRES`` set (CI sets it), a skipped
PostgreSQL test fails instead: a green run has really run them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql

POSTGRES_ENV = "REIMBURSEMENT_TEST_POSTGRES_URL"

DATABASES = ["sqlite", "postgresql"]
"""The databases every test of ``database_url`` runs on."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL test server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # marked here, not in DATABASES: a mark made while this file is imported would be
    # checked against the markers before pytest_configure above has registered it
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgresql":
            item.add_marker("postgres")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file of its own, not created yet."""
    return f"sqlite:///{tmp_path / 'claims.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty schema on the PostgreSQL test server, dropped afterwards."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (a postgresql+psycopg:// URL)")
    schema = f"rb_{secrets.token_hex(6)}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of each kind, with no schema yet."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[sql.SqlClaimStore]:
    """An open store on a freshly upgraded database; closed afterwards."""
    sql.upgrade(database_url)
    opened = sql.create(database_url)
    yield opened
    opened.close()


@pytest.fixture
def reopened(
    database_url: str, store: sql.SqlClaimStore
) -> Iterator[Callable[[], sql.SqlClaimStore]]:
    """Closes ``store`` and opens the database again (as a restarted process would)."""
    opened: list[sql.SqlClaimStore] = []

    def reopen() -> sql.SqlClaimStore:
        store.close()
        opened.append(sql.create(database_url))
        return opened[-1]

    yield reopen
    for each in opened:
        each.close()
