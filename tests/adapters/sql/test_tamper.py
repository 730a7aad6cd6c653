"""An event edited behind the store's back, in SQLite and PostgreSQL, is caught by verify()."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from reimbursement import Claim
from reimbursement.adapters import sql
from reimbursement.audit import digest, verify
from reimbursement.testing import approved, assigned, draft, paid, submitted


def test_an_event_edited_in_the_database_breaks_the_chain_at_the_next_event(
    store: sql.SqlClaimStore,
) -> None:
    claim = paid(approved(assigned(submitted(draft("claim-1")))))
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    engine = sa.create_engine(store.engine.url)
    with engine.begin() as connection:
        raw = connection.execute(
            sa.text("SELECT body FROM rb_events WHERE claim_id = 'claim-1' AND seq = 3")
        ).scalar_one()
        body = json.loads(raw) if isinstance(raw, str) else raw
        assert body["type"] == "assigned"
        body["reason"] = "chosen by hand"  # a plausible edit the stored checks cannot see
        cast = "CAST(:body AS JSON)" if engine.dialect.name == "postgresql" else ":body"
        connection.execute(
            sa.text(f"UPDATE rb_events SET body = {cast} WHERE claim_id = 'claim-1' AND seq = 3"),
            {"body": json.dumps(body)},
        )
    engine.dispose()
    with sql.create(store.engine.url) as fresh, fresh.unit_of_work() as uow:
        read = uow.claims.get("claim-1")
    assert read.events[2].reason == "chosen by hand"  # the store reads the edit happily
    report = verify(read)
    assert report.broken is not None
    assert report.broken.seq == 4
    assert "event 3 (or an earlier one) was changed" in str(report)


def _edit_event(
    store: sql.SqlClaimStore, seq: int, edit: Callable[[dict[str, Any]], None]
) -> None:
    engine = sa.create_engine(store.engine.url)
    where = f"WHERE claim_id = 'claim-1' AND seq = {seq}"
    with engine.begin() as connection:
        raw = connection.execute(sa.text(f"SELECT body FROM rb_events {where}")).scalar_one()
        body = json.loads(raw) if isinstance(raw, str) else raw
        edit(body)
        cast = "CAST(:body AS JSON)" if engine.dialect.name == "postgresql" else ":body"
        connection.execute(
            sa.text(f"UPDATE rb_events SET body = {cast} {where}"), {"body": json.dumps(body)}
        )
    engine.dispose()


def _stored_and_read(store: sql.SqlClaimStore, seq: int, edit: Callable[[Any], None]) -> Claim:
    with store.unit_of_work() as uow:
        uow.claims.add(paid(approved(assigned(submitted(draft("claim-1"))))))
        uow.commit()
    _edit_event(store, seq, edit)
    with sql.create(store.engine.url) as fresh, fresh.unit_of_work() as uow:
        return uow.claims.get("claim-1")


def test_reordered_event_details_in_the_database_break_the_chain(
    store: sql.SqlClaimStore,
) -> None:
    """verify hashes the bytes made from the fields the event was read into: the details'
    order is one of them, so an edit that keeps every value but swaps two is caught."""

    def swap(body: dict[str, Any]) -> None:
        assert len(body["data"]) >= 2
        body["data"] = dict(reversed(list(body["data"].items())))

    read = _stored_and_read(store, 2, swap)  # submitted: its number and total
    report = verify(read)
    assert report.broken is not None
    assert report.broken.seq == 3


def test_the_same_instant_written_in_another_offset_is_no_change(
    store: sql.SqlClaimStore,
) -> None:
    """The canonical bytes hold the instant in UTC: rewriting ``at`` in another offset
    changes nothing the claim is read as, and the chain stays intact."""

    def shift(body: dict[str, Any]) -> None:
        at = datetime.fromisoformat(body["at"])
        body["at"] = at.astimezone(timezone(timedelta(hours=5))).isoformat()

    read = _stored_and_read(store, 3, shift)
    assert read.events[2].at.utcoffset() == timedelta(hours=5)
    assert verify(read).intact


# one customer written three ways: "Zoë" composed, decomposed ("e" and U+0308), upper case
_CUSTOMERS = ("Zo\u00eb", "Zoe\u0308", "ZO\u00cb")


def test_a_claim_read_back_hashes_as_stored_in_each_unicode_form_and_case(
    store: sql.SqlClaimStore,
) -> None:
    """The store keeps every string as written (no normalisation, no folding), so the digest
    of each event read back is the digest the claim's log kept for it when it was made."""
    claims = [
        submitted(draft(f"claim-{i}", customer), f"CLM-{customer}")
        for i, customer in enumerate(_CUSTOMERS, 1)
    ]
    with store.unit_of_work() as uow:
        for claim in claims:
            uow.claims.add(claim)
        uow.commit()
    with sql.create(store.engine.url) as fresh, fresh.unit_of_work() as uow:
        read = [uow.claims.get(claim.id) for claim in claims]
    for claim, back, customer in zip(claims, read, _CUSTOMERS, strict=True):
        assert back.events[0].actor == customer  # the code points as written
        assert back.events.digests_since(0) == claim.events.digests_since(0)
        assert back.events.digests_since(0) == [digest(event) for event in back.events]
        assert verify(back) == verify(claim)
        assert verify(back).intact
