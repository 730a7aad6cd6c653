"""Four-eyes, conflicts of interest and payment approval."""

from __future__ import annotations

import pytest

from reimbursement.domain.actors import SYSTEM, Actor
from reimbursement.domain.commands import approve, assign, request_payment
from reimbursement.domain.routing import (
    NO_CONFLICTS,
    ConflictRegister,
    Reviewer,
    check_may_review,
    check_payment_approver,
    review_refusal,
)
from reimbursement.errors import AuthorizationError, FourEyesError

from .strategies import AT, CLAIM, eur, request


def test_conflict_register_links_reviewers_to_customers() -> None:
    register = ConflictRegister([("ana", "cust-1")])
    register.link("ben", "cust-2")
    assert register.conflicted("ana", "cust-1")
    assert register.conflicted("ben", "cust-2")
    assert not register.conflicted("ana", "cust-2")
    assert not NO_CONFLICTS.conflicted("ana", "cust-1")


def test_review_refusal_names_the_rule() -> None:
    ana = Reviewer("ana", authority_limit=eur(100))
    assert review_refusal(ana, request(customer="ana"), NO_CONFLICTS) == "ana submitted claim C1"
    assert review_refusal(ana, request(amount="50"), NO_CONFLICTS) is None
    assert review_refusal(ana, request(amount="500"), NO_CONFLICTS) == (
        "ana may approve up to 100.00 EUR, claim C1 needs 500.00 EUR"
    )


def test_four_eyes_outranks_authority_in_the_error() -> None:
    ana = Reviewer("ana", authority_limit=eur(100))
    with pytest.raises(FourEyesError):
        check_may_review(ana, request(customer="ana", amount="500"), NO_CONFLICTS)
    with pytest.raises(AuthorizationError) as caught:
        check_may_review(ana, request(amount="500"), NO_CONFLICTS)
    assert not isinstance(caught.value, FourEyesError)


def test_payment_approver_differs_from_approver_claimant_and_linked_staff() -> None:
    claim = assign(CLAIM, SYSTEM, AT, "ana", "least_loaded", "x")
    claim = approve(claim, Actor.reviewer("ana"), AT)
    claim = request_payment(claim, SYSTEM, AT)
    with pytest.raises(FourEyesError, match="ana approved claim C1"):
        check_payment_approver(claim, "ana")
    with pytest.raises(FourEyesError, match="cust-1 submitted claim C1"):
        check_payment_approver(claim, "cust-1")
    with pytest.raises(FourEyesError, match="conflict of interest"):
        check_payment_approver(claim, "fin", ConflictRegister([("fin", "cust-1")]))
    with pytest.raises(FourEyesError, match="mo approved claim C1"):
        check_payment_approver(claim, "mo", deciders={"mo", "ana"})
    check_payment_approver(claim, "fin")
