"""An event edited behind the store's back, in SQLite and PostgreSQL, is caught by verify()."""

from __future__ import annotations

import json

import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.audit import verify
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
