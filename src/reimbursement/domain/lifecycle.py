"""The claim lifecycle: one shared state machine, defined once on ``transitions``.

A stored claim is plain data: it holds its state as a :class:`ClaimState`,
never a ``Machine``. The definition below is built once, at import, as a
``transitions.Machine`` with no model bound to it. ``transitions`` validates
it (unknown states, bad targets) and it is the single source of truth for
the allowed actions, the docs table and the diagram. Commands apply it to a
claim through :meth:`Lifecycle.target`, a table compiled from the machine
once, so that moving a claim costs a dictionary look-up and never binds the
claim to a machine (binding costs about 10 KB and a scan of every bound
model per claim, see ``benchmarks/lifecycle.py``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from transitions import Machine

from ..errors import InvalidTransitionError

__all__ = ["LIFECYCLE", "Action", "ClaimState", "Lifecycle"]


class ClaimState(enum.StrEnum):
    """Where a claim is in its life."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REJECTED = "rejected"
    PAYMENT_REQUESTED = "payment_requested"
    PAYMENT_APPROVED = "payment_approved"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    WITHDRAWN = "withdrawn"

    @property
    def is_final(self) -> bool:
        """True when nothing more can happen to the claim's state."""
        return self in _FINAL


_FINAL = frozenset({ClaimState.REJECTED, ClaimState.PAID, ClaimState.WITHDRAWN})


class Action(enum.StrEnum):
    """What can be done to a claim. Each is a trigger of the shared machine."""

    UPDATE_DRAFT = "update_draft"
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    RETURN_FOR_CORRECTION = "return_for_correction"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    APPROVE_PARTIALLY = "approve_partially"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    REQUEST_PAYMENT = "request_payment"
    APPROVE_PAYMENT = "approve_payment"
    SEND_PAYMENT = "send_payment"
    CONFIRM_PAYMENT = "confirm_payment"
    FAIL_PAYMENT = "fail_payment"
    CANCEL_PAYMENT = "cancel_payment"
    RETRY_PAYMENT = "retry_payment"
    CHANGE_PAYEE = "change_payee"


S = ClaimState
A = Action

# (action, sources, destination); a destination of None is an internal
# transition: allowed in the state, leaves the state as it is.
_TRANSITIONS: tuple[tuple[Action, tuple[ClaimState, ...], ClaimState | None], ...] = (
    (A.UPDATE_DRAFT, (S.DRAFT,), None),
    (A.SUBMIT, (S.DRAFT,), S.SUBMITTED),
    (A.START_REVIEW, (S.SUBMITTED,), S.IN_REVIEW),
    (A.RETURN_FOR_CORRECTION, (S.IN_REVIEW,), S.RETURNED),
    (A.RESUBMIT, (S.RETURNED,), S.SUBMITTED),
    (A.APPROVE, (S.IN_REVIEW,), S.APPROVED),
    (A.APPROVE_PARTIALLY, (S.IN_REVIEW,), S.PARTIALLY_APPROVED),
    (A.REJECT, (S.IN_REVIEW,), S.REJECTED),
    (A.WITHDRAW, (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED), S.WITHDRAWN),
    (A.REQUEST_PAYMENT, (S.APPROVED, S.PARTIALLY_APPROVED), S.PAYMENT_REQUESTED),
    (A.APPROVE_PAYMENT, (S.PAYMENT_REQUESTED,), S.PAYMENT_APPROVED),
    (A.SEND_PAYMENT, (S.PAYMENT_APPROVED,), None),
    (A.CONFIRM_PAYMENT, (S.PAYMENT_APPROVED,), S.PAID),
    (A.FAIL_PAYMENT, (S.PAYMENT_APPROVED,), S.PAYMENT_FAILED),
    (A.CANCEL_PAYMENT, (S.PAYMENT_APPROVED,), S.PAYMENT_FAILED),
    (A.RETRY_PAYMENT, (S.PAYMENT_FAILED,), S.PAYMENT_APPROVED),
    # a new account: a new attempt that someone other than whoever gave it approves
    (A.CHANGE_PAYEE, (S.PAYMENT_FAILED,), S.PAYMENT_REQUESTED),
)


def _build_machine() -> Machine:
    transitions = [
        {
            "trigger": action.value,
            "source": [s.value for s in sources],
            "dest": dest.value if dest is not None else None,
        }
        for action, sources, dest in _TRANSITIONS
    ]
    return Machine(
        model=None,
        states=[s.value for s in ClaimState],
        transitions=transitions,
        initial=ClaimState.DRAFT.value,
        auto_transitions=False,
        send_event=True,
    )


class Lifecycle:
    """The shared lifecycle definition and the table commands apply to claims."""

    def __init__(self) -> None:
        self.machine: Machine = _build_machine()
        table: dict[tuple[ClaimState, Action], ClaimState] = {}
        for name, event in self.machine.events.items():
            action = Action(name)
            for source, transitions in event.transitions.items():
                dest = transitions[0].dest
                state = ClaimState(source)
                table[(state, action)] = ClaimState(dest) if dest is not None else state
        self._table: Mapping[tuple[ClaimState, Action], ClaimState] = table
        self._allowed: Mapping[ClaimState, tuple[Action, ...]] = {
            state: tuple(a for a in Action if (state, a) in table) for state in ClaimState
        }

    def allowed(self, state: ClaimState) -> tuple[Action, ...]:
        """The actions ``state`` allows, in definition order."""
        return self._allowed[state]

    def can(self, state: ClaimState, action: Action) -> bool:
        """True when ``action`` is allowed in ``state``."""
        return (state, action) in self._table

    def target(self, claim_id: str, state: ClaimState, action: Action) -> ClaimState:
        """The state ``action`` leads to from ``state``.

        Raises :class:`~reimbursement.errors.InvalidTransitionError` naming the
        claim, its state, the action and the allowed actions.
        """
        try:
            return self._table[(state, action)]
        except KeyError:
            raise InvalidTransitionError(
                claim_id, state.value, action.value, [a.value for a in self._allowed[state]]
            ) from None

    def transitions(self) -> list[tuple[ClaimState, Action, ClaimState]]:
        """Every (source, action, destination), in definition order."""
        return [
            (source, action, self._table[(source, action)])
            for action, sources, _ in _TRANSITIONS
            for source in sources
        ]

    def mermaid(self) -> str:
        """The state diagram as Mermaid ``stateDiagram-v2`` text."""
        lines = ["stateDiagram-v2", f"    [*] --> {ClaimState.DRAFT.value}"]
        for source, action, dest in self.transitions():
            if source != dest:
                lines.append(f"    {source.value} --> {dest.value}: {action.value}")
        lines.extend(f"    {state.value} --> [*]" for state in ClaimState if state.is_final)
        return "\n".join(lines)


LIFECYCLE = Lifecycle()
"""The one lifecycle every claim follows."""
