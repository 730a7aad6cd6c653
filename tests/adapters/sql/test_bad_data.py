"""Rows edited behind the store's back, and a database that is down: typed errors that say what."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from reimbursement import sql_desk
from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryDocumentStore, ManualClock
from reimbursement.adapters.sql._codec import RECORD_FORMAT
from reimbursement.domain.events import EventType
from reimbursement.domain.sla import BusinessCalendar, SlaPolicy, weekly
from reimbursement.errors import SchemaVersionError, StorageError, StoredDataError
from reimbursement.testing import draft, notification, rich_claim
from support import PROFILES, READER, REVIEWER, START, submitted


def _run(url: str, statement: str, **params: object) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(statement), params)
    engine.dispose()


@pytest.fixture
def stored(store: sql.SqlClaimStore) -> sql.SqlClaimStore:
    """The store holding ``claim-1`` (a rich claim) and ``claim-2`` (a draft), one customer.

    Written by another store, as another process would: this one has decoded
    nothing yet (a store reuses what it decoded or committed while the stored
    version is unchanged, so it reads what a hand edit did to a version it
    holds only once its cache is cleared; see the last tests of this part).
    """
    with sql.create(store.engine) as writer, writer.unit_of_work() as uow:
        uow.claims.add(rich_claim("claim-1"))
        uow.claims.add(draft("claim-2"))
        uow.commit()
    return store


def _url(store: sql.SqlClaimStore) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_a_claim_that_fails_the_converter_raises_stored_data_error_naming_it(
    stored: sql.SqlClaimStore,
) -> None:
    body = '{"id": "claim-1", "currency": 5}'
    cast = "CAST(:body AS JSONB)" if stored.engine.dialect.name == "postgresql" else ":body"
    _run(_url(stored), f"UPDATE rb_claims SET body = {cast} WHERE id = 'claim-1'", body=body)
    with stored.unit_of_work() as uow:
        with pytest.raises(StoredDataError, match=r"claim claim-1: .*not a valid claim"):
            uow.claims.get("claim-1")
        with pytest.raises(StoredDataError, match="claim-1"):
            uow.claims.for_customer("cust-1")
        assert uow.claims.get("claim-2") == draft("claim-2")  # the others still read


def test_a_claim_with_an_unknown_field_raises_stored_data_error(
    stored: sql.SqlClaimStore,
) -> None:
    engine = stored.engine
    if engine.dialect.name == "postgresql":
        edit = (
            "UPDATE rb_claims SET body = body || '{\"payee_acount\": \"x\"}' WHERE id = 'claim-2'"
        )
    else:
        edit = (
            "UPDATE rb_claims SET body = json_set(body, '$.payee_acount', 'x') "
            "WHERE id = 'claim-2'"
        )
    _run(_url(stored), edit)
    with stored.unit_of_work() as uow, pytest.raises(StoredDataError, match="payee_acount"):
        uow.claims.get("claim-2")


def test_an_event_that_fails_the_converter_raises_stored_data_error(
    stored: sql.SqlClaimStore,
) -> None:
    body = '{"seq": 2, "type": "no_such_event"}'
    cast = "CAST(:body AS JSON)" if stored.engine.dialect.name == "postgresql" else ":body"
    _run(
        _url(stored),
        f"UPDATE rb_events SET body = {cast} WHERE claim_id = 'claim-1' AND seq = 2",
        body=body,
    )
    with stored.unit_of_work() as uow, pytest.raises(StoredDataError, match="claim claim-1"):
        uow.claims.get("claim-1")


def test_a_missing_event_raises_stored_data_error(stored: sql.SqlClaimStore) -> None:
    _run(_url(stored), "DELETE FROM rb_events WHERE claim_id = 'claim-1' AND seq = 3")
    with stored.unit_of_work() as uow, pytest.raises(StoredDataError, match="claim claim-1"):
        uow.claims.get("claim-1")


def test_a_row_in_a_newer_record_format_raises_schema_version_error_naming_the_claim(
    stored: sql.SqlClaimStore,
) -> None:
    newer_format = RECORD_FORMAT + 1
    _run(_url(stored), f"UPDATE rb_claims SET format = {newer_format} WHERE id = 'claim-2'")
    newer = f"claim claim-2 is stored in record format {newer_format}"
    with stored.unit_of_work() as uow, pytest.raises(SchemaVersionError, match=newer):
        uow.claims.get("claim-2")


def test_a_row_of_record_format_1_reads_back_its_lines_without_a_tax(
    stored: sql.SqlClaimStore,
) -> None:
    engine = sa.create_engine(_url(stored))
    with engine.begin() as connection:
        raw = connection.execute(sa.text("SELECT body FROM rb_claims WHERE id = 'claim-1'"))
        body = raw.scalar_one()
        data = json.loads(body) if isinstance(body, str) else body
        # before schema 15 (record format 3) a row held its items inline
        listed = "SELECT list, CAST(body AS TEXT) FROM rb_claim_items WHERE claim_id = 'claim-1'"
        for name in ("lines", "attachments", "messages"):
            data[name] = []
        for name, item in connection.execute(sa.text(f"{listed} ORDER BY list, idx")):
            data[name].append(json.loads(item))
        for line in data["lines"]:
            del line["tax"]  # written before lines had one
        cast = "CAST(:body AS JSONB)" if engine.dialect.name == "postgresql" else ":body"
        connection.execute(
            sa.text(f"UPDATE rb_claims SET format = 1, body = {cast} WHERE id = 'claim-1'"),
            {"body": json.dumps(data)},
        )
    engine.dispose()
    with stored.unit_of_work() as uow:
        claim = uow.claims.get("claim-1")
    assert claim == rich_claim("claim-1")
    assert all(line.tax is None for line in claim.lines)


def test_an_outbox_message_that_fails_the_converter_is_parked_and_holds_up_no_other(
    store: sql.SqlClaimStore,
) -> None:
    with store.unit_of_work() as uow:
        uow.outbox.add(notification("event-1"))
        uow.outbox.add(attrs.evolve(notification("event-2"), claim_id="claim-2"))
        uow.commit()
    cast = "CAST(:body AS JSONB)" if store.engine.dialect.name == "postgresql" else ":body"
    _run(
        _url(store),
        f"UPDATE rb_outbox SET body = {cast} WHERE key = 'event-1'",
        body='{"key": "event-1"}',
    )
    now = datetime(2026, 3, 2, tzinfo=UTC)
    batch = store.queue.claim_batch(5, now=now, lease=timedelta(minutes=1))
    assert [m.notification.key for m in batch] == ["event-2"]
    store.queue.mark_delivered(["event-2"])
    later = now + timedelta(minutes=2)  # every lease has ended: the bad row is not leased again
    assert store.queue.claim_batch(5, now=later, lease=timedelta(minutes=1)) == []
    engine = sa.create_engine(_url(store))
    with engine.connect() as connection:
        status, reason = connection.execute(
            sa.text("SELECT status, last_error FROM rb_outbox WHERE key = 'event-1'")
        ).one()
    engine.dispose()
    assert status == "parked"
    assert "outbox message event-1" in reason
    with pytest.raises(StoredDataError, match="outbox message event-1"):
        store.queue.parked()  # listing it names the row to repair


def test_a_corrupted_claim_due_for_an_sla_check_holds_up_no_other(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    sql.upgrade(database_url)
    office = BusinessCalendar("UTC", weekly((time(9), time(17))))
    sla = SlaPolicy.standard(office, review=timedelta(hours=4), payment=timedelta(hours=24))
    desk = sql_desk(
        database_url,
        documents=InMemoryDocumentStore(),
        customers=PROFILES,
        reviewers=[REVIEWER.id],
        clock=ManualClock(START),
        sla=sla,
    )
    bad, good = submitted(desk), submitted(desk)
    cast = "CAST(:body AS JSONB)" if database_url.startswith("postgresql") else ":body"
    _run(
        database_url,
        f"UPDATE rb_claims SET body = {cast} WHERE id = :id",
        body='{"id": 5}',
        id=bad.id,
    )
    later = START + timedelta(days=3)
    first, second = desk.sweep(later), desk.sweep(later)  # no round stalls on it
    assert first.unreadable == second.unreadable == (bad.id,)
    assert {c.claim_id for c in first.recorded} == {good.id}
    assert second.recorded == ()  # the good claim's crossings, once
    assert f"the SLA sweep skips claim {bad.id}" in caplog.text  # with the typed error's text
    assert "not a valid claim" in caplog.text
    events = {e.type for e in desk.get(READER, good.id).events}
    assert EventType.SLA_BREACHED in events


def test_bad_json_text_on_sqlite_raises_stored_data_error(sqlite_url: str) -> None:
    sql.upgrade(sqlite_url)
    with sql.create(sqlite_url, cache_size=0) as store:
        with store.unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            uow.commit()
        _run(
            sqlite_url, "UPDATE rb_claims SET body = '{\"id\": \"claim-1\", ' WHERE id = 'claim-1'"
        )
        with store.unit_of_work() as uow, pytest.raises(StoredDataError) as raised:
            uow.claims.get("claim-1")
    assert "claim claim-1: its stored claim is not valid JSON" in str(raised.value)


def test_a_store_sees_a_hand_edit_of_a_version_it_holds_once_its_cache_is_cleared(
    store: sql.SqlClaimStore,
) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(draft("claim-1"))
        uow.commit()
    _run(_url(store), f"UPDATE rb_claims SET format = {RECORD_FORMAT + 1} WHERE id = 'claim-1'")
    with store.unit_of_work() as uow:  # the version it committed: trusted, not decoded again
        assert uow.claims.get("claim-1") == draft("claim-1")
    store.cache.clear()
    with store.unit_of_work() as uow, pytest.raises(SchemaVersionError, match="claim-1"):
        uow.claims.get("claim-1")
    with store.unit_of_work() as uow, pytest.raises(SchemaVersionError, match="claim-1"):
        uow.claims.for_customer("cust-1")  # lists read the rows themselves


def test_lists_read_a_hand_edited_row_even_when_the_claim_is_cached(
    stored: sql.SqlClaimStore,
) -> None:
    with stored.unit_of_work() as uow:
        assert uow.claims.get("claim-2") == draft("claim-2")
    _run(_url(stored), "DELETE FROM rb_events WHERE claim_id = 'claim-2'")
    with stored.unit_of_work() as uow, pytest.raises(StoredDataError, match="claim claim-2"):
        uow.claims.for_customer("cust-1")


# -- hostile JSON: read with the wire format's own strict parser ------------------------

_HUGE = "7" * 5_000  # json.loads would raise a bare ValueError (int digit limit)


def _set_claim_body(store: sql.SqlClaimStore, claim_id: str, body: str) -> None:
    cast = "CAST(:body AS JSONB)" if store.engine.dialect.name == "postgresql" else ":body"
    _run(_url(store), f"UPDATE rb_claims SET body = {cast} WHERE id = :id", body=body, id=claim_id)


def _text(store: sql.SqlClaimStore, query: str, **params: object) -> str:
    engine = sa.create_engine(_url(store))
    with engine.connect() as connection:
        text = connection.execute(sa.text(query), params).scalar_one()
    engine.dispose()
    return str(text)


def _claim_body(store: sql.SqlClaimStore, claim_id: str) -> str:
    return _text(store, "SELECT CAST(body AS TEXT) FROM rb_claims WHERE id = :id", id=claim_id)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda body: body.replace('"number"', f'"x": {_HUGE}, "number"', 1), "5,000 digits"),
        (
            lambda body: body.replace('"number"', '"x": ' + "[" * 40 + "]" * 40 + ', "number"', 1),
            "nest",
        ),
    ],
    ids=["a 5,000-digit integer", "nesting 40 deep"],
)
def test_a_hostile_claim_body_raises_stored_data_error_naming_the_claim(
    stored: sql.SqlClaimStore, edit: object, says: str
) -> None:
    body = edit(_claim_body(stored, "claim-2"))  # type: ignore[operator]
    _set_claim_body(stored, "claim-2", body)
    with stored.unit_of_work() as uow, pytest.raises(StoredDataError) as raised:
        uow.claims.get("claim-2")
    assert "claim claim-2" in str(raised.value)
    assert says in str(raised.value)
    assert len(str(raised.value)) < 1_000  # the row's text is not quoted whole


def test_nan_in_a_claim_body_on_sqlite_raises_stored_data_error(sqlite_url: str) -> None:
    # (PostgreSQL's JSONB refuses NaN itself: no such row can exist there)
    sql.upgrade(sqlite_url)
    with sql.create(sqlite_url, cache_size=0) as store:
        with store.unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            uow.commit()
        body = _claim_body(store, "claim-1").replace('"number"', '"x": NaN, "number"', 1)
        _set_claim_body(store, "claim-1", body)
        with store.unit_of_work() as uow, pytest.raises(StoredDataError) as raised:
            uow.claims.get("claim-1")
    assert "claim claim-1" in str(raised.value)
    assert "x: NaN is not a JSON number" in str(raised.value)


def test_an_event_with_a_key_given_twice_raises_stored_data_error(
    stored: sql.SqlClaimStore,
) -> None:
    # PostgreSQL's JSON (events) keeps the text as given, a key twice included; SQLite too
    body = _text(
        stored, "SELECT CAST(body AS TEXT) FROM rb_events WHERE claim_id = 'claim-1' AND seq = 1"
    )
    twice = '{"seq": 99, ' + body[1:]
    cast = "CAST(:body AS JSON)" if stored.engine.dialect.name == "postgresql" else ":body"
    _run(
        _url(stored),
        f"UPDATE rb_events SET body = {cast} WHERE claim_id = 'claim-1' AND seq = 1",
        body=twice,
    )
    with stored.unit_of_work() as uow, pytest.raises(StoredDataError) as raised:
        uow.claims.get("claim-1")
    assert "claim claim-1: its stored event 1" in str(raised.value)
    assert "seq: given twice in one object" in str(raised.value)


def test_an_outbox_message_with_a_huge_integer_is_parked_with_the_reason(
    store: sql.SqlClaimStore,
) -> None:
    with store.unit_of_work() as uow:
        uow.outbox.add(notification("event-1"))
        uow.commit()
    cast = "CAST(:body AS JSONB)" if store.engine.dialect.name == "postgresql" else ":body"
    _run(_url(store), f"UPDATE rb_outbox SET body = {cast}", body=f'{{"key": {_HUGE}}}')
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert store.queue.claim_batch(5, now=now, lease=timedelta(minutes=1)) == []
    with pytest.raises(StoredDataError, match=r"outbox message event-1: .*5,000 digits"):
        store.queue.parked()


# -- the database is down -----------------------------------------------------------


def test_a_database_down_at_start_up_raises_storage_error_naming_it_without_password() -> None:
    url = "postgresql+psycopg://claims:s3cr3t-pw@127.0.0.1:1/claims?connect_timeout=2"
    with pytest.raises(StorageError) as raised:
        sql.create(url)
    message = str(raised.value)
    assert "127.0.0.1:1/claims" in message
    assert "s3cr3t-pw" not in message
    assert "***" in message


def test_a_sqlite_file_that_cannot_be_opened_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no-such-folder"):
        sql.create(f"sqlite:///{tmp_path}/no-such-folder/claims.db")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nosuchdb://somewhere/claims", "cannot use the database URL"),
        ("not a url at all", "cannot use the database URL"),
        ("sqlite://", "give a file"),
        ("sqlite:///:memory:", "give a file"),
        ("mysql+pymysql://claims@localhost/claims", "cannot use the database URL"),
    ],
)
def test_a_url_the_store_cannot_use_raises_storage_error(url: str, says: str) -> None:
    with pytest.raises(StorageError, match=says):
        sql.create(url)


@pytest.mark.postgres
def test_a_connection_lost_mid_unit_of_work_raises_storage_error_and_writes_nothing(
    postgresql_url: str,
) -> None:
    sql.upgrade(postgresql_url)
    with sql.create(postgresql_url) as store:
        with store.unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            with uow.reading("find its server process") as connection:
                pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            _run(postgresql_url, "SELECT pg_terminate_backend(:pid)", pid=pid)
            with pytest.raises(StorageError, match="cannot add a claim on postgresql"):
                uow.claims.add(draft("claim-2"))
        with store.unit_of_work() as uow:  # the pool recovers; nothing was written
            assert list(uow.claims.for_customer("cust-1")) == []
