"""The claim and outbox contract suites, run on SQLite and on PostgreSQL, and what a save writes.

The mutation tests of the optimistic save (``tools/mutation.py --module
sql_save``) run this file: the last test here kills the mutants that would
only write more than needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.domain import commands
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.claim import Claim
from reimbursement.domain.events import Visibility
from reimbursement.ports import ClaimSchedule, OutboxQueue
from reimbursement.testing import ClaimRepositoryContract, OutboxQueueContract, UnitOfWorkFactory
from reimbursement.testing._builders import AT, approved, in_review


class TestSqlClaimStore(ClaimRepositoryContract):
    @pytest.fixture
    def unit_of_work(self, store: sql.SqlClaimStore) -> UnitOfWorkFactory:
        return store.unit_of_work

    @pytest.fixture
    def reopen(self, reopened: Callable[[], sql.SqlClaimStore]) -> Callable[[], UnitOfWorkFactory]:
        return lambda: reopened().unit_of_work


class TestSqlOutboxQueue(OutboxQueueContract):
    @pytest.fixture
    def unit_of_work(self, store: sql.SqlClaimStore) -> UnitOfWorkFactory:
        return store.unit_of_work

    @pytest.fixture
    def outbox_queue(self, store: sql.SqlClaimStore) -> OutboxQueue:
        return store.queue

    @pytest.fixture
    def reopen_queue(
        self, reopened: Callable[[], sql.SqlClaimStore]
    ) -> Callable[[], tuple[UnitOfWorkFactory, OutboxQueue]]:
        def reopen() -> tuple[UnitOfWorkFactory, OutboxQueue]:
            store = reopened()
            return store.unit_of_work, store.outbox_queue()

        return reopen


# -- what a save writes --------------------------------------------------------------------

_TABLE = re.compile(r"^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(rb_holdings)\b", re.IGNORECASE)


@pytest.fixture
def holdings_writes(store: sql.SqlClaimStore) -> Iterator[list[str]]:
    """The statements the store sends to ``rb_holdings`` ("INSERT", "UPDATE", "DELETE")."""
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        found = _TABLE.match(statement)
        if found:
            sent.append(found.group(1).split()[0].upper())

    sa.event.listen(store.engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(store.engine, "before_cursor_execute", record)


def _saved(
    store: sql.SqlClaimStore, sent: list[str], change: Callable[[Claim], Claim]
) -> list[str]:
    """What saving ``change(claim)`` over the claim as read wrote to ``rb_holdings``."""
    sent.clear()
    with store.unit_of_work() as uow:
        claim = uow.claims.get("claim-1")
        uow.claims.save(change(claim), claim.version, ClaimSchedule(AT, AT))
        uow.commit()
    return list(sent)


def test_a_save_writes_the_holdings_only_when_the_holders_change(
    store: sql.SqlClaimStore, holdings_writes: list[str]
) -> None:
    def note(claim: Claim) -> Claim:
        return commands.post_message(claim, SYSTEM, claim.events[-1].at, "n", Visibility.INTERNAL)

    with store.unit_of_work() as uow:
        uow.claims.add(in_review("claim-1", "rev-a"))  # new: nothing to delete first
        uow.commit()
    assert holdings_writes == ["INSERT"]
    assert _saved(store, holdings_writes, note) == ["UPDATE"]  # the same holder, redated
    assert _saved(store, holdings_writes, approved) == ["DELETE"]  # held by nobody now
    assert _saved(store, holdings_writes, note) == []  # nobody before, nobody after
    with store.unit_of_work() as uow:
        assert dict(uow.claims.open_work()) == {}
    # a save over a version this unit of work has not seen: the rows are rewritten
    holdings_writes.clear()
    with store.unit_of_work() as uow:
        claim = uow.claims.get("claim-1")
    with store.unit_of_work() as uow:
        uow.claims.save(note(claim), claim.version)
        uow.commit()
    assert holdings_writes == ["DELETE"]


def test_on_postgresql_a_save_writes_its_row_and_events_in_one_statement(
    store: sql.SqlClaimStore,
) -> None:
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        found = [w for w in ("UPDATE rb_claims", "INSERT INTO rb_events") if w in statement]
        if found:
            sent.append(" + ".join(found))

    with store.unit_of_work() as uow:
        uow.claims.add(in_review("claim-1", "rev-a"))
        uow.commit()
    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.unit_of_work() as uow:
            claim = uow.claims.get("claim-1")
            uow.claims.save(approved(claim), claim.version)
            uow.commit()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    if store.engine.dialect.name == "postgresql":
        assert sent == ["UPDATE rb_claims + INSERT INTO rb_events"]  # WITH … UPDATE … INSERT
    else:
        assert sent == ["UPDATE rb_claims", "INSERT INTO rb_events"]
    with store.unit_of_work() as uow:
        assert uow.claims.get("claim-1") == approved(claim)
