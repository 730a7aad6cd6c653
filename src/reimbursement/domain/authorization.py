"""Who may do what to a claim: roles, ownership and four-eyes.

The rules, checked before any command runs:

- a customer sees and acts on their own claims only;
- nobody reviews, approves or pays a claim they submitted (compared by
  person id, whatever the role they act in);
- a reviewer decides only a claim assigned to them;
- the payment approver is not the person who approved the claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..errors import AuthorizationError, FourEyesError
from .actors import Actor, Role
from .claim import Claim
from .events import Visibility
from .lifecycle import Action

if TYPE_CHECKING:
    from .routing.constraints import ConflictOfInterest

__all__ = [
    "ROLE_ACTIONS",
    "authorize",
    "authorize_message",
    "authorize_staff",
    "authorize_step_decision",
    "authorize_unconflicted",
    "authorize_view",
]

A = Action

ROLE_ACTIONS: Mapping[Role, frozenset[Action]] = {
    Role.CUSTOMER: frozenset({A.UPDATE_DRAFT, A.SUBMIT, A.RESUBMIT, A.WITHDRAW}),
    Role.REVIEWER: frozenset({A.RETURN_FOR_CORRECTION, A.APPROVE, A.APPROVE_PARTIALLY, A.REJECT}),
    Role.FINANCE: frozenset(
        {A.APPROVE_PAYMENT, A.SEND_PAYMENT, A.CONFIRM_PAYMENT, A.FAIL_PAYMENT, A.RETRY_PAYMENT}
    ),
    Role.SYSTEM: frozenset(
        {
            A.START_REVIEW,
            A.REQUEST_PAYMENT,
            A.APPROVE_PAYMENT,
            A.SEND_PAYMENT,
            A.CONFIRM_PAYMENT,
            A.FAIL_PAYMENT,
        }
    ),
}
"""The actions each role may take (on top of the per-claim rules)."""

_PAYMENT_ACTIONS = frozenset({A.APPROVE_PAYMENT, A.SEND_PAYMENT, A.RETRY_PAYMENT})
_REVIEW_ACTIONS = ROLE_ACTIONS[Role.REVIEWER]


def _roles_for(action: Action) -> str:
    roles = [role.value for role, actions in ROLE_ACTIONS.items() if action in actions]
    return " or ".join(roles)


def authorize(actor: Actor, claim: Claim, action: Action) -> None:
    """Check that ``actor`` may take ``action`` on ``claim``.

    Raises :class:`~reimbursement.errors.AuthorizationError` (wrong role, someone
    else's claim, not the assigned reviewer) or
    :class:`~reimbursement.errors.FourEyesError` (their own claim; approver paying).
    """
    if action not in ROLE_ACTIONS[actor.role]:
        raise AuthorizationError(
            f"{actor.id} acts as {actor.role}: cannot {action} claim {claim.id}; "
            f"this needs the role {_roles_for(action)}"
        )
    if actor.role is Role.CUSTOMER:
        if actor.id != claim.customer_id:
            raise AuthorizationError(f"claim {claim.id} belongs to another customer")
        return
    if action in _PAYMENT_ACTIONS and claim.approver == actor.id:
        # a system approver too (straight-through review): it never approves its own payment
        raise FourEyesError(
            f"{actor.id} approved claim {claim.id}: the payment needs a different approver"
        )
    if actor.role is Role.SYSTEM:
        return
    if actor.id == claim.customer_id:
        raise FourEyesError(
            f"{actor.id} submitted claim {claim.id}: nobody reviews, approves or pays "
            "their own claim"
        )
    if action in _REVIEW_ACTIONS and claim.assignee is not None and claim.assignee != actor.id:
        raise AuthorizationError(
            f"claim {claim.id} is assigned to {claim.assignee}, not {actor.id}"
        )


def authorize_view(actor: Actor, claim: Claim) -> None:
    """Check that ``actor`` may see ``claim``: its customer, or staff.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    if actor.role is Role.CUSTOMER and actor.id != claim.customer_id:
        raise AuthorizationError(f"claim {claim.id} belongs to another customer")


def authorize_message(actor: Actor, claim: Claim, visibility: Visibility) -> None:
    """Check that ``actor`` may post a message of ``visibility`` on ``claim``.

    Customers post on their own claims, visible to the customer only;
    internal notes are for staff. Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    authorize_view(actor, claim)
    if actor.role is Role.CUSTOMER and visibility is Visibility.INTERNAL:
        raise AuthorizationError("customers cannot post internal notes")


_STAFF = frozenset({Role.REVIEWER, Role.FINANCE, Role.SYSTEM})


def authorize_staff(actor: Actor, doing: str) -> None:
    """Check that ``actor`` acts as staff (reviewer, finance or system) for ``doing``.

    Fails closed: any other role is refused. Raises
    :class:`~reimbursement.errors.AuthorizationError`.
    """
    if actor.role not in _STAFF:
        raise AuthorizationError(f"{actor.id} acts as {actor.role}: only staff may {doing}")


def authorize_step_decision(
    actor: Actor, claim: Claim, action: Action, conflicts: ConflictOfInterest
) -> None:
    """Check that ``actor`` may take a review decision ``action`` on ``claim`` (or a step of it).

    The role must allow it, the claim must not be their own, and the
    conflict-of-interest port must not link them to the claimant. Raises
    :class:`~reimbursement.errors.AuthorizationError` or
    :class:`~reimbursement.errors.FourEyesError`.
    """
    if action not in ROLE_ACTIONS[actor.role]:
        raise AuthorizationError(
            f"{actor.id} acts as {actor.role}: cannot {action} claim {claim.id}; "
            f"this needs the role {_roles_for(action)}"
        )
    if actor.id == claim.customer_id:
        raise FourEyesError(
            f"{actor.id} submitted claim {claim.id}: nobody reviews their own claim"
        )
    authorize_unconflicted(actor, claim, conflicts)


def authorize_unconflicted(actor: Actor, claim: Claim, conflicts: ConflictOfInterest) -> None:
    """Check that the conflict-of-interest port does not link ``actor`` to the claimant.

    Raises :class:`~reimbursement.errors.FourEyesError`.
    """
    if conflicts.conflicted(actor.id, claim.customer_id):
        raise FourEyesError(
            f"{actor.id} has a conflict of interest with customer {claim.customer_id} "
            f"and cannot decide claim {claim.id}; hand it over"
        )
