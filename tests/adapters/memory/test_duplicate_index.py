"""The in-memory duplicate index where claims share an amount (one id, then an id set)."""

from __future__ import annotations

from decimal import Decimal

from reimbursement.adapters.memory import InMemoryClaimStore
from reimbursement.domain.duplicates import expense_key
from reimbursement.testing._builders import draft, submitted, withdrawn
from reimbursement.testing._helpers import add, save


def _found(store: InMemoryClaimStore, claim: object, tolerance: str = "0") -> list[str]:
    key = expense_key(claim.lines[0])  # type: ignore[attr-defined]
    with store.unit_of_work() as uow:
        matches = uow.claims.same_expense(key, tolerance=Decimal(tolerance))
    return [m.claim_id for m in matches]


def test_claims_sharing_an_amount_are_all_found_and_leave_one_by_one() -> None:
    store = InMemoryClaimStore()
    first = submitted(draft("claim-a", "cust-1", lines=(("pharmacy", "42.50"),)))
    second = submitted(draft("claim-b", "cust-2", lines=(("pharmacy", "42.50"),)))
    add(store.unit_of_work, first)
    assert _found(store, first) == ["claim-a"]
    add(store.unit_of_work, second)
    assert _found(store, first) == ["claim-a", "claim-b"]
    assert _found(store, first, tolerance="0.10") == ["claim-a", "claim-b"]
    save(store.unit_of_work, withdrawn(first))
    assert _found(store, first) == ["claim-b"]
    save(store.unit_of_work, withdrawn(second))
    assert _found(store, first) == []
    assert _found(store, first, tolerance="0.10") == []


def test_a_claim_leaving_an_amount_it_shares_keeps_the_other_one_found() -> None:
    store = InMemoryClaimStore()
    first = submitted(draft("claim-a", "cust-1", lines=(("pharmacy", "42.50"),)))
    other = submitted(draft("claim-c", "cust-3", lines=(("pharmacy", "17.00"),)))
    add(store.unit_of_work, first, other)
    save(store.unit_of_work, withdrawn(other))  # another amount: this one is untouched
    assert _found(store, first) == ["claim-a"]
    assert _found(store, other) == []
