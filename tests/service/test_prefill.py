"""A new draft is pre-filled from the customer directory first, the last claim second.

The directory is the system of record: after it changed the customer's
account, a new draft pays into the new one, whatever the last claim held.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import Claim, CustomerProfile, ReimbursementDesk, from_json, to_json
from reimbursement.adapters.memory import InMemoryCustomerDirectory
from reimbursement.errors import ValidationError
from support import ANA, REVIEWER, pharmacy, submitted

OLD = "DE89 3704 0044 0532 0130 00"
NEW = "DE36 5001 0517 0000 0005 17"


def _directory(desk: ReimbursementDesk) -> InMemoryCustomerDirectory:
    directory = desk.adapters.directory
    assert isinstance(directory, InMemoryCustomerDirectory)
    return directory


def _ana(**changes: str) -> CustomerProfile:
    fields = {"email": "ana@example.org", "payee_account": OLD} | changes
    return CustomerProfile("cust-ana", "Ana Lima", "POL-100", "EUR", **fields)


def test_an_account_changed_in_the_directory_is_the_one_a_new_draft_takes(
    desk: ReimbursementDesk,
) -> None:
    submitted(desk)  # her last claim, paid into the old account
    _directory(desk).add(_ana(payee_account=NEW))
    draft = desk.start_draft(ANA, [pharmacy()])
    assert draft.claimant.payee_account == NEW
    assert draft.prefilled["payee_account"] == "directory"


def test_the_last_claim_fills_only_what_the_directory_lacks(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(customers=[_ana()])
    submitted(desk)
    _directory(desk).add(_ana(payee_account="", email=""))
    draft = desk.start_draft(ANA, [pharmacy()])
    assert (draft.claimant.payee_account, draft.claimant.email) == (OLD, "ana@example.org")
    assert draft.prefilled == {
        "name": "directory",
        "policy_number": "directory",
        "payee_account": "last_claim",
        "email": "last_claim",
        "language": "directory",
        "currency": "directory",
    }
    assert desk.track(ANA, draft.id).prefilled == draft.prefilled


def test_a_field_nobody_knows_stays_blank_and_is_not_listed(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(customers=[_ana(payee_account="", email="")])
    draft = desk.start_draft(ANA, [])
    assert draft.claimant.payee_account == ""
    assert "payee_account" not in draft.prefilled
    assert "email" not in draft.prefilled


def test_where_a_field_came_from_reads_back_and_a_made_up_source_is_refused(
    desk: ReimbursementDesk,
) -> None:
    draft = desk.get(REVIEWER, desk.start_draft(ANA, [pharmacy()]).id)
    assert from_json(to_json(draft), Claim) == draft
    bad = to_json(draft).replace('"payee_account":"directory"', '"payee_account":"a guess"')
    assert bad != to_json(draft)
    with pytest.raises(ValidationError) as caught:
        from_json(bad, Claim)
    assert [p.path for p in caught.value.problems] == ["prefilled['payee_account']"]
