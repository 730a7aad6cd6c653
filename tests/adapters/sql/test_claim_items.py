"""A claim's lines, documents and messages as rows of ``rb_claim_items`` (schema 15).

What a user relies on: a claim reads back the same, item for item and in
order; a call that adds one item writes one item row (the row of the claim
counts them); a refused or stale save writes none; a corrupted item row is a
``StoredDataError`` naming the claim; erasure leaves no personal data in the
item rows; and a database at schema 14 is upgraded with its claims intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from reimbursement import Actor, ClaimPatch, LinePatch
from reimbursement.adapters import sql
from reimbursement.adapters.sql._codec import load_claims
from reimbursement.adapters.sql._schema import CLAIMS
from reimbursement.domain import commands
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.claim import Attachment
from reimbursement.domain.commands.privacy import erase
from reimbursement.errors import ConcurrencyError, StoredDataError, ValidationError
from reimbursement.testing import AT, draft, edited, rich_claim

from .conftest import DATABASES
from .large_claims import CUSTOMER, REVIEWER, desk_on
from .test_body_text import line
from .test_loads import as_version_15

pytestmark = pytest.mark.parametrize("database_url", DATABASES, indirect=True)

_JSONB = {"postgresql": "CAST(:body AS JSONB)", "sqlite": ":body"}


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine of the test's own, behind the store's back."""
    made = sa.create_engine(database_url)
    yield made
    made.dispose()


def items(engine: sa.Engine, claim_id: str) -> list[tuple[str, int, int, Any]]:
    """(list, index, version, data) of each item row of the claim, in order."""
    query = sa.text(
        "SELECT list, idx, version, CAST(body AS TEXT) FROM rb_claim_items "
        "WHERE claim_id = :id ORDER BY list, idx"
    )
    with engine.connect() as connection:
        rows = connection.execute(query, {"id": claim_id}).all()
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def run(engine: sa.Engine, statement: str, **parameters: object) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(statement), parameters)


def as_version_14(url: str) -> None:
    """Take a database at the library's schema back to 14: each claim's items inside its
    row (record format 2), no ``rb_claim_items``."""
    as_version_15(url)
    engine = sa.create_engine(url)
    cast = _JSONB[engine.dialect.name]
    with engine.begin() as connection:
        rows = connection.execute(sa.text("SELECT id, CAST(body AS TEXT) FROM rb_claims")).all()
        for claim_id, text in rows:
            body = json.loads(text)
            listed = connection.execute(
                sa.text(
                    "SELECT list, CAST(body AS TEXT) FROM rb_claim_items "
                    "WHERE claim_id = :id ORDER BY list, idx"
                ),
                {"id": claim_id},
            ).all()
            for name in ("lines", "attachments", "messages"):
                body[name] = [json.loads(t) for n, t in listed if n == name]
            connection.execute(
                sa.text(f"UPDATE rb_claims SET format = 2, body = {cast} WHERE id = :id"),
                {"body": json.dumps(body), "id": claim_id},
            )
        connection.exec_driver_sql("DROP TABLE rb_claim_items")
        connection.exec_driver_sql("DELETE FROM rb_schema_version WHERE version >= 15")
    engine.dispose()


def test_an_upgrade_from_14_moves_every_item_into_its_rows(
    database_url: str, engine: sa.Engine
) -> None:
    sql.upgrade(database_url)
    claims = [rich_claim("claim-1"), draft("claim-2"), draft("claim-3", lines=())]
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        for claim in claims:
            uow.claims.add(claim)
        uow.commit()
    as_version_14(database_url)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.max(CLAIMS.c.format))).scalar() == 2
    assert sql.upgrade(database_url) == sql.SCHEMA_VERSION
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        assert [uow.claims.get(c.id) for c in claims] == claims
    rich = claims[0]
    stored = items(engine, "claim-1")
    assert [(n, i) for n, i, _, _ in stored] == [
        *(("attachments", i) for i in range(len(rich.attachments))),
        *(("lines", i) for i in range(len(rich.lines))),
        *(("messages", i) for i in range(len(rich.messages))),
    ]
    assert {v for _, _, v, _ in stored} == {rich.version}
    assert [d["body"] for n, _, _, d in stored if n == "messages"] == [
        m.body for m in rich.messages
    ]
    assert items(engine, "claim-3") == []
    with engine.connect() as connection:
        body = connection.execute(
            sa.text("SELECT format, CAST(body AS TEXT) FROM rb_claims WHERE id = 'claim-1'")
        ).one()
    assert body[0] == 3
    counted = json.loads(body[1])
    assert (counted["lines"], counted["attachments"], counted["messages"]) == (
        len(rich.lines),
        len(rich.attachments),
        len(rich.messages),
    )


def test_a_call_that_adds_one_item_writes_one_item_row(
    database_url: str, engine: sa.Engine
) -> None:
    desk = desk_on(database_url)
    claim = desk.start_draft(CUSTOMER, [])
    for n in range(70):  # past two chunks of 32
        desk.post_message(CUSTOMER, claim.id, f"message {n}")
    before = items(engine, claim.id)
    desk.post_message(CUSTOMER, claim.id, "one more")
    posted = desk.get(REVIEWER, claim.id)
    after = items(engine, claim.id)
    assert after[:-1] == before  # no other row rewritten
    assert after[-1] == ("messages", 70, posted.version, after[-1][3])
    assert after[-1][3]["body"] == "one more"


def test_a_changed_or_removed_line_rewrites_only_what_moved(
    database_url: str, engine: sa.Engine
) -> None:
    desk = desk_on(database_url)
    claim = desk.start_draft(CUSTOMER, [line(n) for n in range(1, 100)])
    patch = ClaimPatch(change_lines=(LinePatch(claim.lines[3].id, provider="Port"),))
    desk.update_draft(CUSTOMER, claim.id, patch)
    changed = desk.get(REVIEWER, claim.id)
    rewritten = [(i, v) for _, i, v, _ in items(engine, claim.id) if v == changed.version]
    assert rewritten == [(3, changed.version)]
    desk.update_draft(CUSTOMER, claim.id, ClaimPatch(remove_lines=(claim.lines[97].id,)))
    shorter = desk.get(REVIEWER, claim.id)
    stored = items(engine, claim.id)
    assert [d["id"] for *_, d in stored] == [li.id for li in shorter.lines]
    with sql.create(database_url) as reader, reader.unit_of_work() as uow:  # decodes again
        assert uow.claims.get(claim.id) == shorter


def test_a_save_over_a_version_the_unit_of_work_did_not_read_writes_every_item_again(
    database_url: str,
) -> None:
    # the unit of work read version 2; someone saved 3; it saves 4 (made from 3) over 3:
    # its items are diffed against nothing it knows (3's rows are not 2's), so every row
    # is written again, and the line 3 changed and 4 changed back reads back as 4 has it
    sql.upgrade(database_url)
    first = edited(draft("claim-1"), "A")
    second = edited(first, "B")
    with sql.create(database_url) as store:
        with store.unit_of_work() as uow:
            uow.claims.add(first)
            uow.commit()
        with store.unit_of_work() as stale:
            stale.claims.get("claim-1")  # at version 2, line "A"
            with store.unit_of_work() as other:
                other.claims.get("claim-1")
                other.claims.save(second, first.version)  # line "B"
                other.commit()
            back = edited(second, "A")
            stale.claims.save(back, second.version)
            stale.commit()
    with sql.create(database_url) as reader, reader.unit_of_work() as uow:  # no cache
        assert uow.claims.get("claim-1") == back


def test_a_stale_or_refused_save_writes_no_item_row(database_url: str, engine: sa.Engine) -> None:
    sql.upgrade(database_url)
    claim = draft("claim-1")
    later = AT + timedelta(minutes=1)
    with sql.create(database_url) as store:
        with store.unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()
        stored = items(engine, "claim-1")
        receipt = Attachment("doc-9", "r.pdf", "application/pdf", 10, "cd" * 32)
        attached = commands.add_attachment(claim, CUSTOMER, later, receipt)
        with store.unit_of_work() as uow, pytest.raises(ConcurrencyError):
            uow.claims.save(attached, claim.version - 1)
        bad = attrs.evolve(receipt, id="doc-10", file_name="\ud800")  # no store can encode it
        broken = attrs.evolve(attached, attachments=(receipt, bad))
        with store.unit_of_work() as uow, pytest.raises(ValidationError) as refused:
            uow.claims.save(broken, claim.version)
        assert refused.value.problems[0].path == "attachments[1].file_name"
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.claims.add(attrs.evolve(broken, id="claim-2"))
        with store.unit_of_work() as uow:
            assert uow.claims.get("claim-1") == claim
    assert items(engine, "claim-1") == stored
    assert items(engine, "claim-2") == []


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ("UPDATE rb_claim_items SET body = {cast} WHERE list = 'lines' AND idx = 1", "lines"),
        ("DELETE FROM rb_claim_items WHERE list = 'messages' AND idx = 0", "messages are 1 rows"),
        ("UPDATE rb_claim_items SET idx = 7 WHERE list = 'lines' AND idx = 1", "lines are 2"),
        ("UPDATE rb_claim_items SET version = 99 WHERE list = 'lines' AND idx = 0", "version 99"),
        ("UPDATE rb_claim_items SET list = 'notes' WHERE list = 'lines' AND idx = 0", "'notes'"),
    ],
    ids=["invalid-item", "missing", "out-of-order", "newer", "unknown-list"],
)
def test_a_corrupted_item_row_is_stored_data_error_naming_the_claim(
    database_url: str, engine: sa.Engine, statement: str, says: str
) -> None:
    sql.upgrade(database_url)
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        uow.claims.add(rich_claim("claim-1"))
        uow.claims.add(draft("claim-2"))
        uow.commit()
    corrupt = statement.format(cast=_JSONB[engine.dialect.name])
    parameters = {"body": '{"id": "L2", "amount": 5}'} if ":body" in corrupt else {}
    run(engine, f"{corrupt} AND claim_id = 'claim-1'", **parameters)
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        with pytest.raises(StoredDataError, match=r"^claim claim-1: ") as raised:
            uow.claims.get("claim-1")
        assert raised.value.claim_id == "claim-1"
        assert says in str(raised.value)
        assert uow.claims.get("claim-2") == draft("claim-2")  # the others still read


def test_a_read_whose_items_moved_on_reads_the_claim_again(
    database_url: str, engine: sa.Engine
) -> None:
    desk = desk_on(database_url)
    claim = desk.start_draft(CUSTOMER, [])
    with engine.connect() as connection:  # the row as a reader saw it, before a commit
        old = connection.execute(sa.select(*_COLUMNS).where(CLAIMS.c.id == claim.id)).one()
    desk.post_message(CUSTOMER, claim.id, "written after the row was read")
    newer = desk.get(REVIEWER, claim.id)
    with engine.connect() as connection:
        assert load_claims(connection, [old]) == [newer]


_COLUMNS = (CLAIMS.c.id, CLAIMS.c.version, CLAIMS.c.format, CLAIMS.c.body)


def test_erasure_leaves_no_personal_data_in_the_item_rows(
    database_url: str, engine: sa.Engine
) -> None:
    sql.upgrade(database_url)
    finance, requested = Actor.finance("fin-1"), rich_claim("claim-1")
    at = requested.events[-1].at
    sent = commands.send_payment(
        commands.approve_payment(requested, finance, at), finance, at, "PAY-1"
    )
    closed = commands.confirm_payment(sent, SYSTEM, at + timedelta(minutes=1))
    erased = erase(closed, SYSTEM, closed.events[-1].at + timedelta(days=1))
    with sql.create(database_url) as store:
        with store.unit_of_work() as uow:
            uow.claims.add(closed)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.claims.save(erased, closed.version)
            uow.commit()
    stored = json.dumps([data for *_, data in items(engine, "claim-1")], ensure_ascii=False)
    personal = [m.body for m in closed.messages] + [a.file_name for a in closed.attachments]
    personal += [li.provider for li in closed.lines] + [li.description for li in closed.lines]
    assert [p for p in personal if p and p in stored] == []
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        read = uow.claims.get("claim-1")
    assert (read.lines, read.attachments, read.messages) == (
        erased.lines,
        erased.attachments,
        erased.messages,
    )
