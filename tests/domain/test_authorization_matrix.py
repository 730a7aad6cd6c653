"""Who may act, cell by cell, through the desk: role × action × who the person is to the claim.

The expected answer is written out here, from the rules a user relies on
(docs/lifecycle.md "who may take them"), and never read from the library's
own role table: a change to the table that the docs copy faithfully still
fails here. Every cell runs the real desk call on a claim in the state the
action needs, and a refused call must leave the claim and the gateway as
they were.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from reimbursement import (
    Actor,
    Claim,
    ClaimPatch,
    ClaimState,
    DeskSettings,
    LineDecision,
    Money,
    ReimbursementDesk,
    Role,
)
from reimbursement.errors import AuthorizationError, FourEyesError, InvalidTransitionError
from support import ANA, FINANCE, REVIEWER, gateway, payment_reference, ready_draft, submitted

S = ClaimState
SYSTEM = Actor("scheduler", Role.SYSTEM)

CLAIMANT = "cust-ana"
ASSIGNEE = "rev-1"  # the one reviewer: assigned to the claim, and its approver once decided

# what each role may do; written here on purpose, not taken from ROLE_ACTIONS
MAY: dict[Role, set[str]] = {
    Role.CUSTOMER: {"update_draft", "submit", "resubmit", "withdraw", "change_payee"},
    Role.REVIEWER: {"return_for_correction", "approve", "approve_partially", "reject"},
    Role.FINANCE: {
        "approve_payment",
        "send_payment",
        "confirm_payment",
        "fail_payment",
        "cancel_payment",
        "retry_payment",
        "change_payee",
    },
    Role.SYSTEM: {
        "request_payment",
        "approve_payment",
        "send_payment",
        "confirm_payment",
        "fail_payment",
        "cancel_payment",
    },
}
REVIEW = {"return_for_correction", "approve", "approve_partially", "reject"}
# the person who approved the claim may not approve, send, retry or redirect its payment
FOUR_EYES_PAYMENT = {"approve_payment", "send_payment", "retry_payment", "change_payee"}


def _approved(desk: ReimbursementDesk) -> Claim:
    return desk.approve(REVIEWER, submitted(desk).id)


def _requested(desk: ReimbursementDesk) -> Claim:
    return desk.request_payment(SYSTEM, _approved(desk).id)


def _payment_approved(desk: ReimbursementDesk) -> Claim:
    return desk.approve_payment(FINANCE, _requested(desk).id)


def _sent(desk: ReimbursementDesk) -> Claim:
    return desk.pay(FINANCE, _payment_approved(desk).id)


def _failed_at_the_gateway(desk: ReimbursementDesk) -> Claim:
    claim = _sent(desk)
    gateway(desk).fail(payment_reference(desk, claim.id), "account closed")
    return claim


def _settled_at_the_gateway(desk: ReimbursementDesk) -> Claim:
    claim = _sent(desk)
    gateway(desk).settle(payment_reference(desk, claim.id))
    return claim


def _failed(desk: ReimbursementDesk) -> Claim:
    claim = _failed_at_the_gateway(desk)
    return desk.fail_payment(
        FINANCE, claim.id, payment_reference(desk, claim.id), "account closed"
    )


def _returned(desk: ReimbursementDesk) -> Claim:
    return desk.return_for_correction(REVIEWER, submitted(desk).id, ["receipt unreadable"])


Call = Callable[[ReimbursementDesk, Actor, Claim], Claim]

# action -> (how to get a claim where the state allows it, the desk call, the state after)
CASES: dict[str, tuple[Callable[[ReimbursementDesk], Claim], Call, ClaimState]] = {
    "update_draft": (
        lambda d: d.start_draft(ANA, []),
        lambda d, a, c: d.update_draft(
            a, c.id, ClaimPatch(payee_account="DE85 0000 0000 0000 0022 22")
        ),
        S.DRAFT,
    ),
    "submit": (ready_draft, lambda d, a, c: d.submit(a, c.id), S.IN_REVIEW),
    "return_for_correction": (
        submitted,
        lambda d, a, c: d.return_for_correction(a, c.id, ["receipt unreadable"]),
        S.RETURNED,
    ),
    "approve": (submitted, lambda d, a, c: d.approve(a, c.id), S.APPROVED),
    "approve_partially": (
        submitted,
        lambda d, a, c: d.approve(a, c.id, [LineDecision("L1", Money("40.00", "EUR"), "tariff")]),
        S.PARTIALLY_APPROVED,
    ),
    "reject": (submitted, lambda d, a, c: d.reject(a, c.id, "not_covered"), S.REJECTED),
    "resubmit": (_returned, lambda d, a, c: d.resubmit(a, c.id), S.IN_REVIEW),
    "withdraw": (submitted, lambda d, a, c: d.withdraw(a, c.id), S.WITHDRAWN),
    "request_payment": (
        _approved,
        lambda d, a, c: d.request_payment(a, c.id),
        S.PAYMENT_REQUESTED,
    ),
    "approve_payment": (
        _requested,
        lambda d, a, c: d.approve_payment(a, c.id),
        S.PAYMENT_APPROVED,
    ),
    "send_payment": (_payment_approved, lambda d, a, c: d.pay(a, c.id), S.PAYMENT_APPROVED),
    "confirm_payment": (
        _settled_at_the_gateway,
        lambda d, a, c: d.confirm_payment(a, c.id, payment_reference(d, c.id)),
        S.PAID,
    ),
    "fail_payment": (
        _failed_at_the_gateway,
        lambda d, a, c: d.fail_payment(a, c.id, payment_reference(d, c.id), "IBAN unknown"),
        S.PAYMENT_FAILED,
    ),
    "cancel_payment": (
        _sent,
        lambda d, a, c: d.cancel_payment(a, c.id, "no news from the bank"),
        S.PAYMENT_FAILED,
    ),
    "retry_payment": (_failed, lambda d, a, c: d.retry_payment(a, c.id), S.PAYMENT_APPROVED),
    "change_payee": (
        _failed,
        lambda d, a, c: d.change_payee_account(a, c.id, "DE36 5001 0517 0000 0005 17"),
        S.PAYMENT_REQUESTED,
    ),
}

# who the person is to the claim: its claimant, its assigned reviewer (and, once
# decided, its approver), or nobody in particular
PEOPLE = {"claimant": CLAIMANT, "assignee_approver": ASSIGNEE, "stranger": "someone-else"}


def expected(role: Role, person: str, action: str) -> type[Exception] | None:
    """The error the rules call for, or None when the action is allowed."""
    if action not in MAY[role]:
        return AuthorizationError
    if role is Role.CUSTOMER:
        return None if person == CLAIMANT else AuthorizationError
    # every other role, the system role too: an Actor is a person in a role
    if person == CLAIMANT:
        return FourEyesError
    if action in REVIEW and person != ASSIGNEE:
        return AuthorizationError
    if action in FOUR_EYES_PAYMENT and person == ASSIGNEE:
        return FourEyesError  # whatever the role: the system too never pays what it approved
    return None


CELLS = [
    pytest.param(role, relation, action, id=f"{role.value}-{relation}-{action}")
    for role, relation, action in itertools.product(Role, PEOPLE, CASES)
]


@pytest.mark.parametrize(("role", "relation", "action"), CELLS)
def test_each_role_action_and_relation(
    make_desk: Callable[..., ReimbursementDesk], role: Role, relation: str, action: str
) -> None:
    desk = make_desk(
        reviewers=[ASSIGNEE],
        settle_immediately=False,
        settings=DeskSettings(auto_request_payment=False),
    )
    prepare, call, after = CASES[action]
    claim = desk.get(SYSTEM, prepare(desk).id)  # the whole claim, as staff read it
    actor = Actor(PEOPLE[relation], role)
    error = expected(role, actor.id, action)
    sent_before = len(gateway(desk).pending())
    paid_before = gateway(desk).payouts
    if error is None:
        done = call(desk, actor, claim)
        assert done.state is after
        assert done.version > claim.version
        if action == "send_payment":
            assert len(gateway(desk).pending()) == sent_before + 1
        return
    with pytest.raises(AuthorizationError) as caught:
        call(desk, actor, claim)
    assert type(caught.value) is error, caught.value
    assert desk.get(SYSTEM, claim.id) == claim
    assert len(gateway(desk).pending()) == sent_before
    assert gateway(desk).payouts == paid_before


def test_an_approver_who_is_also_finance_pays_nothing_on_a_settling_gateway(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(reviewers=[ASSIGNEE])
    claim = desk.approve_payment(FINANCE, desk.approve(REVIEWER, submitted(desk).id).id)
    with pytest.raises(FourEyesError, match="different approver"):
        desk.pay(Actor.finance(ASSIGNEE), claim.id)
    assert gateway(desk).payouts == []
    assert desk.pay(FINANCE, claim.id).state is S.PAID
    assert [p.amount for p in gateway(desk).payouts] == [Money("42.50", "EUR")]


@pytest.mark.parametrize(
    "call",
    [
        lambda d, a, c: d.approve(a, c),
        lambda d, a, c: d.return_for_correction(a, c, ["receipt unreadable"]),
        lambda d, a, c: d.reject(a, c, "not_covered"),
    ],
    ids=["approve", "return_for_correction", "reject"],
)
def test_the_approver_deciding_again_is_told_the_state_not_four_eyes(
    desk: ReimbursementDesk, call: Callable[[ReimbursementDesk, Actor, str], Claim]
) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    assert claim.approver == REVIEWER.id
    with pytest.raises(InvalidTransitionError) as caught:
        call(desk, REVIEWER, claim.id)
    assert caught.value.state == "payment_requested"
    assert desk.get(SYSTEM, claim.id) == claim
