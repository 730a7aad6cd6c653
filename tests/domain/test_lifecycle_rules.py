"""The lifecycle a user relies on, written out here and checked cell by cell.

The allowed moves are spelled out below rather than read from the
library's table, so that a change to the table that the docs copy
faithfully still fails a test. Every (state, action) pair is checked, and
the moves that matter most for money are also refused through the desk.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from reimbursement import Claim, ClaimState, ReimbursementDesk
from reimbursement.claims import LIFECYCLE, Action
from reimbursement.errors import InvalidTransitionError
from support import ANA, FINANCE, REVIEWER, paid, payment_reference, submitted

S = ClaimState
A = Action

# (state, action) -> next state, in the order the lifecycle defines the actions
MOVES: dict[tuple[ClaimState, Action], ClaimState] = {
    (S.DRAFT, A.UPDATE_DRAFT): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.START_REVIEW): S.IN_REVIEW,
    (S.IN_REVIEW, A.RETURN_FOR_CORRECTION): S.RETURNED,
    (S.RETURNED, A.RESUBMIT): S.SUBMITTED,
    (S.IN_REVIEW, A.APPROVE): S.APPROVED,
    (S.IN_REVIEW, A.APPROVE_PARTIALLY): S.PARTIALLY_APPROVED,
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_REVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.RETURNED, A.WITHDRAW): S.WITHDRAWN,
    (S.APPROVED, A.REQUEST_PAYMENT): S.PAYMENT_REQUESTED,
    (S.PARTIALLY_APPROVED, A.REQUEST_PAYMENT): S.PAYMENT_REQUESTED,
    (S.PAYMENT_REQUESTED, A.APPROVE_PAYMENT): S.PAYMENT_APPROVED,
    (S.PAYMENT_APPROVED, A.SEND_PAYMENT): S.PAYMENT_APPROVED,
    (S.PAYMENT_APPROVED, A.CONFIRM_PAYMENT): S.PAID,
    (S.PAYMENT_APPROVED, A.FAIL_PAYMENT): S.PAYMENT_FAILED,
    (S.PAYMENT_APPROVED, A.CANCEL_PAYMENT): S.PAYMENT_FAILED,
    (S.PAYMENT_FAILED, A.RETRY_PAYMENT): S.PAYMENT_APPROVED,
    (S.PAYMENT_FAILED, A.CHANGE_PAYEE): S.PAYMENT_REQUESTED,
}
FINAL = {S.REJECTED, S.PAID, S.WITHDRAWN}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(S, A)), ids=str)
def test_each_state_allows_exactly_its_moves(state: ClaimState, action: Action) -> None:
    expected = MOVES.get((state, action))
    assert LIFECYCLE.can(state, action) is (expected is not None)
    if expected is not None:
        assert LIFECYCLE.target("c-1", state, action) is expected
        return
    with pytest.raises(InvalidTransitionError) as caught:
        LIFECYCLE.target("c-1", state, action)
    error = caught.value
    assert (error.claim_id, error.state, error.action) == ("c-1", state.value, action.value)
    assert error.allowed == tuple(a.value for a in A if (state, a) in MOVES)


@pytest.mark.parametrize("state", list(S), ids=str)
def test_allowed_lists_the_moves_in_definition_order(state: ClaimState) -> None:
    assert LIFECYCLE.allowed(state) == tuple(a for a in A if (state, a) in MOVES)


@pytest.mark.parametrize("state", list(S), ids=str)
def test_final_states_are_the_three_ends(state: ClaimState) -> None:
    assert state.is_final is (state in FINAL)
    assert (LIFECYCLE.allowed(state) == ()) is (state in FINAL)


def test_transitions_list_every_move_once_in_definition_order() -> None:
    listed = LIFECYCLE.transitions()
    assert {(s, a): d for s, a, d in listed} == MOVES
    assert len(listed) == len(MOVES)
    assert listed == [(s, a, d) for (s, a), d in MOVES.items()]


def test_the_diagram_draws_every_state_change_and_the_ends() -> None:
    lines = LIFECYCLE.mermaid().split("\n")
    assert lines[0] == "stateDiagram-v2"
    assert lines[1] == "    [*] --> draft"
    drawn = lines[2 : 2 + sum(1 for (s, _), d in MOVES.items() if s is not d)]
    assert drawn == [
        f"    {s.value} --> {d.value}: {a.value}" for (s, a), d in MOVES.items() if s is not d
    ]
    assert lines[2 + len(drawn) :] == [f"    {s.value} --> [*]" for s in S if s in FINAL]


# -- the money moves, refused through the desk --------------------------------------------


def _requested(desk: ReimbursementDesk) -> Claim:
    return desk.approve(REVIEWER, submitted(desk).id)


REFUSED: list[tuple[str, Callable[[ReimbursementDesk], Claim], Callable[..., object]]] = [
    ("pay a paid claim", paid, lambda d, c: d.pay(FINANCE, c)),
    ("retry a paid claim", paid, lambda d, c: d.retry_payment(FINANCE, c)),
    (
        "fail a paid claim",
        paid,
        lambda d, c: d.fail_payment(FINANCE, c, payment_reference(d, c), "late"),
    ),
    ("pay before finance approval", _requested, lambda d, c: d.pay(FINANCE, c)),
    ("cancel a paid claim", paid, lambda d, c: d.cancel_payment(FINANCE, c, "late")),
    (
        "change the account of a paid claim",
        paid,
        lambda d, c: d.change_payee_account(ANA, c, "X1"),
    ),
    (
        "change the account before a failure",
        _requested,
        lambda d, c: d.change_payee_account(FINANCE, c, "DE12 5001 0517"),
    ),
    ("confirm before approval", _requested, lambda d, c: d.confirm_payment(FINANCE, c, "x")),
    ("withdraw once approved", _requested, lambda d, c: d.withdraw(ANA, c)),
    ("approve twice", _requested, lambda d, c: d.approve(REVIEWER, c)),
    ("withdraw a paid claim", paid, lambda d, c: d.withdraw(ANA, c)),
]


@pytest.mark.parametrize(("what", "prepare", "call"), REFUSED, ids=[r[0] for r in REFUSED])
def test_money_moves_out_of_turn_are_refused(
    desk: ReimbursementDesk,
    what: str,
    prepare: Callable[[ReimbursementDesk], Claim],
    call: Callable[..., object],
) -> None:
    claim_id = prepare(desk).id
    before = desk.get(FINANCE, claim_id)
    payouts = len(desk.adapters.payments.payouts)  # type: ignore[attr-defined]
    with pytest.raises(InvalidTransitionError):
        call(desk, claim_id)
    assert desk.get(FINANCE, claim_id) == before
    assert len(desk.adapters.payments.payouts) == payouts  # type: ignore[attr-defined]
