"""A stored row that reads as JSON but breaks a claim's invariants is a StoredDataError.

The SQL store reads claims through the library's converter, which checks
every claim against ``check_claim``: a corrupted row (a state its events
never reached, an amount edited by hand) is refused by name, and the other
claims still read.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.errors import StoredDataError
from reimbursement.testing import draft, rich_claim


def _edit_body(store: sql.SqlClaimStore, claim_id: str, change: dict[str, object]) -> None:
    """Rewrite the stored body of ``claim_id`` with ``change`` applied, behind the store's back."""
    url = store.engine.url.render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        raw = connection.execute(
            sa.text("SELECT body FROM rb_claims WHERE id = :id"), {"id": claim_id}
        ).scalar_one()
        body = json.loads(raw) if isinstance(raw, str) else raw
        body.update(change)
        cast = "CAST(:body AS JSONB)" if engine.dialect.name == "postgresql" else ":body"
        connection.execute(
            sa.text(f"UPDATE rb_claims SET body = {cast} WHERE id = :id"),
            {"body": json.dumps(body), "id": claim_id},
        )
    engine.dispose()


@pytest.fixture
def stored(store: sql.SqlClaimStore) -> sql.SqlClaimStore:
    with store.unit_of_work() as uow:
        uow.claims.add(rich_claim("claim-1"))
        uow.claims.add(draft("claim-2"))
        uow.commit()
    return store


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"state": "paid"}, "state"),
        ({"currency": "XXX"}, "currency"),
        ({"number": "CLM-FORGED"}, "number"),
        ({"payments": []}, "payments"),
    ],
    ids=["state", "currency", "number", "payments"],
)
def test_a_row_that_breaks_an_invariant_is_stored_data_error_naming_the_claim(
    stored: sql.SqlClaimStore, change: dict[str, object], path: str
) -> None:
    _edit_body(stored, "claim-1", change)
    # another process (a store that has not decoded the row yet): a store trusts the
    # claims it decoded itself by (id, version), and the edit kept the version
    reader = sql.SqlClaimStore(stored.engine)
    with reader.unit_of_work() as uow:
        with pytest.raises(StoredDataError, match=r"claim claim-1: .*not a valid claim") as raised:
            uow.claims.get("claim-1")
        assert f"{path}: claim claim-1: " in str(raised.value)
        assert uow.claims.get("claim-2") == draft("claim-2")
