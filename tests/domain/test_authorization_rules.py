"""The authorization checks fail closed, for every role, and their table cannot change.

An ``Actor`` refuses a role that is not a ``Role``; the checks must still
refuse one that got in anyway (a subclass, a pickled old value), rather
than read it as staff.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import Actor, Claim, Role
from reimbursement.claims import Action, Visibility
from reimbursement.domain.authorization import (
    ROLE_ACTIONS,
    authorize,
    authorize_assignment,
    authorize_document_deletion,
    authorize_erasure,
    authorize_export,
    authorize_feedback,
    authorize_inbox,
    authorize_message,
    authorize_own_claims,
    authorize_staff,
    authorize_staff_read,
    authorize_start_draft,
    authorize_step_decision,
    authorize_view,
)
from reimbursement.domain.routing import Assignment
from reimbursement.domain.routing.constraints import NO_CONFLICTS
from reimbursement.errors import AuthorizationError, FourEyesError
from reimbursement.testing import approved, in_review

CLAIMANT = "cust-1"


def _with_role(actor_id: str, role: object) -> Actor:
    actor = Actor(actor_id, Role.FINANCE)
    object.__setattr__(actor, "role", role)  # what no constructor lets through
    return actor


def _export(actor: Actor) -> None:
    authorize_export(actor, CLAIMANT)


CHECKS: dict[str, Callable[[Actor, Claim], None]] = {
    "authorize": lambda a, c: authorize(a, c, Action.APPROVE_PAYMENT),
    "authorize_view": authorize_view,
    "authorize_message": lambda a, c: authorize_message(a, c, Visibility.CUSTOMER),
    "authorize_staff": lambda a, c: authorize_staff(a, "read"),
    "authorize_staff_read": authorize_staff_read,
    "authorize_step_decision": lambda a, c: authorize_step_decision(
        a, c, Action.APPROVE, NO_CONFLICTS
    ),
    "authorize_start_draft": lambda a, c: authorize_start_draft(a),
    "authorize_own_claims": lambda a, c: authorize_own_claims(a),
    "authorize_inbox": lambda a, c: authorize_inbox(a),
    "authorize_feedback": lambda a, c: authorize_feedback(a, c),
    "authorize_export": lambda a, c: _export(a),
    "authorize_erasure": lambda a, c: authorize_erasure(a),
    "authorize_document_deletion": lambda a, c: authorize_document_deletion(a),
}


@pytest.mark.parametrize("role", ["admin", "", None, 5, "Customer"], ids=repr)
@pytest.mark.parametrize("check", sorted(CHECKS))
def test_every_check_refuses_a_role_it_does_not_know(check: str, role: object) -> None:
    claim = approved(in_review("claim-1", customer_id=CLAIMANT))
    with pytest.raises(AuthorizationError):
        CHECKS[check](_with_role("someone", role), claim)


@pytest.mark.parametrize("action", [Action.APPROVE_PAYMENT, Action.SEND_PAYMENT])
def test_the_system_role_does_not_pay_its_own_persons_claim(action: Action) -> None:
    claim = approved(in_review("claim-1", customer_id=CLAIMANT))
    with pytest.raises(FourEyesError, match="their own claim"):
        authorize(Actor(CLAIMANT, Role.SYSTEM), claim, action)
    authorize(Actor("payments-bot", Role.SYSTEM), claim, action)  # anyone else may


def test_the_system_role_acting_for_the_claims_approver_does_not_approve_its_payment() -> None:
    claim = approved(in_review("claim-1", customer_id=CLAIMANT))
    assert claim.approver is not None
    with pytest.raises(FourEyesError, match="different approver"):
        authorize(Actor(claim.approver, Role.SYSTEM), claim, Action.APPROVE_PAYMENT)


def test_a_claimant_in_a_staff_role_neither_reads_it_whole_nor_writes_on_it() -> None:
    claim = in_review("claim-1", customer_id=CLAIMANT)
    for role in (Role.REVIEWER, Role.FINANCE, Role.SYSTEM):
        me = Actor(CLAIMANT, role)
        with pytest.raises(FourEyesError):
            authorize_staff_read(me, claim)
        for visibility in Visibility:
            with pytest.raises(FourEyesError):
                authorize_message(me, claim, visibility)
        authorize_view(me, claim)  # the customer's view is theirs to see
    authorize_message(Actor.customer(CLAIMANT), claim, Visibility.CUSTOMER)
    with pytest.raises(AuthorizationError):
        authorize_message(Actor.customer(CLAIMANT), claim, Visibility.INTERNAL)
    authorize_staff_read(Actor.reviewer("rev-9"), claim)


def test_the_role_table_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        ROLE_ACTIONS[Role.CUSTOMER] = frozenset(Action)  # type: ignore[index]
    with pytest.raises(TypeError):
        del ROLE_ACTIONS[Role.FINANCE]  # type: ignore[attr-defined]
    assert Action.APPROVE_PAYMENT not in ROLE_ACTIONS[Role.CUSTOMER]


CUSTOMER_ONLY: dict[str, Callable[[Actor], None]] = {
    "drafts are customers'": authorize_start_draft,
    "only a customer has claims of their own": authorize_own_claims,
    "only a customer has an inbox of their own": authorize_inbox,
}


@pytest.mark.parametrize("refusal", sorted(CUSTOMER_ONLY))
def test_drafts_claim_lists_and_inboxes_are_the_customers_alone(refusal: str) -> None:
    CUSTOMER_ONLY[refusal](Actor.customer(CLAIMANT))
    for role in (Role.REVIEWER, Role.FINANCE, Role.SYSTEM):
        with pytest.raises(AuthorizationError, match=refusal):
            CUSTOMER_ONLY[refusal](Actor("staff-1", role))


def test_only_the_claims_own_customer_gives_its_feedback() -> None:
    claim = in_review("claim-1", customer_id=CLAIMANT)
    authorize_feedback(Actor.customer(CLAIMANT), claim)
    for other in (Actor.customer("cust-2"), Actor(CLAIMANT, Role.REVIEWER), Actor.finance("f-1")):
        with pytest.raises(AuthorizationError, match="only the claim's customer"):
            authorize_feedback(other, claim)


def test_personal_data_is_exported_by_its_customer_or_the_system_role_only() -> None:
    assert authorize_export(Actor.customer(CLAIMANT), CLAIMANT) is True  # sees it as customer
    assert authorize_export(Actor("dpo", Role.SYSTEM), CLAIMANT) is False  # sees it whole
    for other in (Actor.customer("cust-2"), Actor(CLAIMANT, Role.REVIEWER), Actor.finance("f-1")):
        with pytest.raises(AuthorizationError, match="data-protection process"):
            authorize_export(other, CLAIMANT)


@pytest.mark.parametrize("check", [authorize_erasure, authorize_document_deletion])
def test_erasure_and_document_deletion_are_the_system_roles_alone(
    check: Callable[[Actor], None],
) -> None:
    check(Actor("dpo", Role.SYSTEM))
    for other in (Actor.customer(CLAIMANT), Actor.reviewer("rev-1"), Actor.finance("f-1")):
        with pytest.raises(AuthorizationError, match="only system may"):
            check(other)


def test_a_router_that_chooses_the_claimant_as_reviewer_is_refused() -> None:
    claim = in_review("claim-1", customer_id=CLAIMANT)
    authorize_assignment(claim, Assignment(claim.id, "rev-1", "round-robin", "next in turn"))
    with pytest.raises(AuthorizationError, match=f"round-robin chose {CLAIMANT}, who submitted"):
        authorize_assignment(claim, Assignment(claim.id, CLAIMANT, "round-robin", "next in turn"))
