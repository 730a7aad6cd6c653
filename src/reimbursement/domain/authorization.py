"""Who may do what to a claim: roles, ownership and four-eyes.

The rules, checked before any command runs, for every role (the system role
too: an ``Actor`` is a person id in a role, and the host decides who that is):

- a customer sees and acts on their own claims only;
- nobody reviews, approves, pays or changes the payment of a claim they
  submitted (compared by person id, whatever the role they act in), nor
  reads it whole or writes on it as staff: on their own claim a person is
  its customer;
- a reviewer decides only a claim assigned to them;
- the payment approver is not the person who approved the claim;
- whoever gave a payee account that is not the customer's own neither
  approves, retries nor sends the payment to it.

Every check fails closed: a role it does not know may do nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..errors import AuthorizationError, FourEyesError
from .actors import Actor, Role
from .claim import Claim
from .events import Visibility
from .lifecycle import Action

if TYPE_CHECKING:
    from .routing.constraints import ConflictOfInterest
    from .routing.plans import ReviewPlan, ReviewStep
    from .routing.router import Assignment

__all__ = [
    "ROLE_ACTIONS",
    "authorize",
    "authorize_assignment",
    "authorize_audit_review",
    "authorize_document_deletion",
    "authorize_erasure",
    "authorize_export",
    "authorize_feedback",
    "authorize_inbox",
    "authorize_message",
    "authorize_own_claims",
    "authorize_staff",
    "authorize_staff_read",
    "authorize_start_draft",
    "authorize_step_decision",
    "authorize_step_holder",
    "authorize_unconflicted",
    "authorize_view",
    "reads_whole",
]

A = Action

_ROLE_ACTIONS = {
    Role.CUSTOMER: frozenset({A.UPDATE_DRAFT, A.SUBMIT, A.RESUBMIT, A.WITHDRAW, A.CHANGE_PAYEE}),
    Role.REVIEWER: frozenset({A.RETURN_FOR_CORRECTION, A.APPROVE, A.APPROVE_PARTIALLY, A.REJECT}),
    Role.FINANCE: frozenset(
        {
            A.APPROVE_PAYMENT,
            A.SEND_PAYMENT,
            A.CONFIRM_PAYMENT,
            A.FAIL_PAYMENT,
            A.CANCEL_PAYMENT,
            A.RETRY_PAYMENT,
            A.CHANGE_PAYEE,
        }
    ),
    Role.SYSTEM: frozenset(
        {
            A.START_REVIEW,
            A.REQUEST_PAYMENT,
            A.APPROVE_PAYMENT,
            A.SEND_PAYMENT,
            A.CONFIRM_PAYMENT,
            A.FAIL_PAYMENT,
            A.CANCEL_PAYMENT,
        }
    ),
}

ROLE_ACTIONS: Mapping[Role, frozenset[Action]] = MappingProxyType(_ROLE_ACTIONS)
"""The actions each role may take (on top of the per-claim rules); read-only."""

_NOTHING: frozenset[Action] = frozenset()
# the claim's approver keeps out of its payment
_PAYMENT_ACTIONS = frozenset({A.APPROVE_PAYMENT, A.SEND_PAYMENT, A.RETRY_PAYMENT, A.CHANGE_PAYEE})
# whoever gave a payee account keeps out of paying it
_PAYEE_CHECKED = frozenset({A.APPROVE_PAYMENT, A.SEND_PAYMENT, A.RETRY_PAYMENT})
_REVIEW_ACTIONS = ROLE_ACTIONS[Role.REVIEWER]
_STAFF = frozenset({Role.REVIEWER, Role.FINANCE, Role.SYSTEM})


def _roles_for(action: Action) -> str:
    roles = [role.value for role, actions in ROLE_ACTIONS.items() if action in actions]
    return " or ".join(roles)


def _check_role(actor: Actor, claim: Claim, action: Action) -> None:
    if action not in ROLE_ACTIONS.get(actor.role, _NOTHING):
        raise AuthorizationError(
            _refusal(
                actor, f"{action} claim {claim.id}", f"this needs the role {_roles_for(action)}"
            )
        )


def _refusal(actor: Actor, doing: str, why: str) -> str:
    """Every refusal's words: who, in which role, may not do what, and why."""
    return f"{actor.id} acts as {actor.role}: cannot {doing}; {why}"


def _check_not_own(actor: Actor, claim: Claim, doing: str) -> None:
    if actor.id == claim.customer_id:
        raise FourEyesError(
            _refusal(
                actor,
                f"{doing} claim {claim.id}",
                "they submitted it, and nobody acts on their own claim in a staff role; "
                "act on it as its customer",
            )
        )


def authorize(actor: Actor, claim: Claim, action: Action) -> None:
    """Check that ``actor`` may take ``action`` on ``claim``.

    Raises :class:`~reimbursement.errors.AuthorizationError` (wrong role, someone
    else's claim, not the assigned reviewer) or
    :class:`~reimbursement.errors.FourEyesError` (their own claim; approver
    paying; paying an account they gave).
    """
    _check_role(actor, claim, action)
    doing = f"{action} claim {claim.id}"
    if actor.role is Role.CUSTOMER:
        _check_customers(actor, claim, doing)
        return
    _check_not_own(actor, claim, action)
    if action in _REVIEW_ACTIONS and claim.assignee is not None and claim.assignee != actor.id:
        raise AuthorizationError(_refusal(actor, doing, f"it is assigned to {claim.assignee}"))
    if action in _PAYMENT_ACTIONS and claim.approver == actor.id:
        raise FourEyesError(
            _refusal(actor, doing, "they approved it: the payment needs a different approver")
        )
    payment = claim.payment
    if action in _PAYEE_CHECKED and payment is not None and payment.payee_changed_by == actor.id:
        raise FourEyesError(
            _refusal(
                actor,
                doing,
                "they gave the payee account: another person approves and sends a payment to it",
            )
        )


def _check_customers(actor: Actor, claim: Claim, doing: str) -> None:
    if actor.id != claim.customer_id:
        raise AuthorizationError(_refusal(actor, doing, "it belongs to another customer"))


def authorize_view(actor: Actor, claim: Claim) -> None:
    """Check that ``actor`` may see ``claim`` as its customer sees it: its customer, or staff.

    Raises :class:`~reimbursement.errors.AuthorizationError` for another
    customer and for a role it does not know.
    """
    if actor.role is Role.CUSTOMER:
        _check_customers(actor, claim, f"see claim {claim.id}")
        return
    authorize_staff(actor, f"see claim {claim.id}")


def authorize_staff_read(actor: Actor, claim: Claim) -> None:
    """Check that ``actor`` may read ``claim`` whole, internal notes included: staff, not its
    claimant (who follows it as its customer, with ``track()``).

    Raises :class:`~reimbursement.errors.AuthorizationError` or
    :class:`~reimbursement.errors.FourEyesError`.
    """
    authorize_staff(actor, "read whole claims (customers use track())")
    _check_not_own(actor, claim, "read")


def reads_whole(actor: Actor, claim: Claim) -> bool:
    """True when :func:`authorize_staff_read` lets ``actor`` read ``claim`` whole.

    Fails closed: a role it does not know reads only the customer's part.
    """
    return actor.role in _STAFF and actor.id != claim.customer_id


def authorize_message(actor: Actor, claim: Claim, visibility: Visibility) -> None:
    """Check that ``actor`` may post a message of ``visibility`` on ``claim``.

    Customers post on their own claims, visible to the customer only;
    staff post either kind, but not on a claim they submitted (there they
    post as its customer). Raises
    :class:`~reimbursement.errors.AuthorizationError` or
    :class:`~reimbursement.errors.FourEyesError`.
    """
    authorize_view(actor, claim)
    if actor.role is Role.CUSTOMER:
        if visibility is not Visibility.CUSTOMER:
            raise AuthorizationError(
                _refusal(
                    actor,
                    f"post an internal note on claim {claim.id}",
                    "customers cannot post internal notes",
                )
            )
        return
    _check_not_own(actor, claim, "post a message on")


def authorize_staff(actor: Actor, doing: str) -> None:
    """Check that ``actor`` acts as staff (reviewer, finance or system) for ``doing``.

    Fails closed: any other role is refused. Raises
    :class:`~reimbursement.errors.AuthorizationError`.
    """
    if actor.role not in _STAFF:
        raise AuthorizationError(_refusal(actor, doing, "only staff may"))


def authorize_step_decision(
    actor: Actor, claim: Claim, action: Action, conflicts: ConflictOfInterest
) -> None:
    """Check that ``actor`` may take a review decision ``action`` on ``claim`` (or a step of it).

    The role must allow it, the claim must not be their own, and the
    conflict-of-interest port must not link them to the claimant. Raises
    :class:`~reimbursement.errors.AuthorizationError` or
    :class:`~reimbursement.errors.FourEyesError`.
    """
    _check_role(actor, claim, action)
    _check_not_own(actor, claim, action)
    authorize_unconflicted(actor, claim, conflicts)


def authorize_unconflicted(actor: Actor, claim: Claim, conflicts: ConflictOfInterest) -> None:
    """Check that the conflict-of-interest port does not link ``actor`` to the claimant.

    Raises :class:`~reimbursement.errors.FourEyesError`.
    """
    if conflicts.conflicted(actor.id, claim.customer_id):
        raise FourEyesError(
            _refusal(
                actor,
                f"decide claim {claim.id}",
                f"{actor.id} has a conflict of interest with customer {claim.customer_id}; "
                "hand it over",
            )
        )


def _require_customer(actor: Actor, doing: str, why: str) -> None:
    if actor.role is not Role.CUSTOMER:
        raise AuthorizationError(_refusal(actor, doing, why))


def authorize_start_draft(actor: Actor) -> None:
    """Check that ``actor`` acts as a customer, who alone starts drafts.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    _require_customer(actor, "start a draft", "drafts are customers'")


def authorize_own_claims(actor: Actor) -> None:
    """Check that ``actor`` acts as a customer, who alone has claims of their own to list.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    _require_customer(actor, "list their own claims", "only a customer has claims of their own")


def authorize_inbox(actor: Actor) -> None:
    """Check that ``actor`` acts as a customer, who alone has an inbox of their own.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    _require_customer(actor, "read their inbox", "only a customer has an inbox of their own")


def authorize_feedback(actor: Actor, claim: Claim) -> None:
    """Check that ``actor`` is the customer of ``claim``, who alone gives or edits its feedback.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    if actor.role is not Role.CUSTOMER or actor.id != claim.claimant.customer_id:
        raise AuthorizationError(
            _refusal(
                actor,
                f"give or edit feedback on claim {claim.id}",
                "only the claim's customer may",
            )
        )


def authorize_export(actor: Actor, customer_id: str) -> bool:
    """Check that ``actor`` may export the personal data of ``customer_id``.

    The customer exports their own data, the data-protection process (the
    ``system`` role) anyone's. Returns True when ``actor`` is that customer
    (who sees their claims as a customer does). Raises
    :class:`~reimbursement.errors.AuthorizationError` for anyone else.
    """
    own = actor.role is Role.CUSTOMER and actor.id == customer_id
    if not own and actor.role is not Role.SYSTEM:
        raise AuthorizationError(
            _refusal(
                actor,
                f"export the personal data of customer {customer_id}",
                "only the customer or the data-protection process (system) may",
            )
        )
    return own


def _require_system(actor: Actor, doing: str) -> None:
    if actor.role is not Role.SYSTEM:
        raise AuthorizationError(_refusal(actor, doing, "only system may"))


def authorize_erasure(actor: Actor) -> None:
    """Check that ``actor`` is the data-protection process (``system``), who alone erases.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    _require_system(actor, "erase personal data")


def authorize_document_deletion(actor: Actor) -> None:
    """Check that ``actor`` acts as ``system``, who alone deletes a closed claim's documents.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    _require_system(actor, "delete expired documents")


def authorize_step_holder(
    actor: Actor, claim: Claim, plan: ReviewPlan, step_id: str | None
) -> tuple[ReviewStep, ...]:
    """The open steps of ``plan`` that ``actor`` holds (only ``step_id``, when given).

    Raises :class:`~reimbursement.errors.AuthorizationError` when they hold none,
    naming the open steps and who holds them.
    """
    held = tuple(
        s
        for s in plan.open_steps()
        if s.assignee == actor.id and (step_id is None or s.id == step_id)
    )
    if not held:
        waiting = ", ".join(f"{s.id} ({s.assignee})" for s in plan.open_steps())
        named = f" {step_id!r}" if step_id is not None else ""
        raise AuthorizationError(
            _refusal(
                actor,
                f"decide claim {claim.id}",
                f"{actor.id} holds no open review step{named} of it; open now: {waiting}",
            )
        )
    return held


def authorize_assignment(claim: Claim, assignment: Assignment) -> None:
    """Check that the router did not choose the claim's own customer as its reviewer.

    Raises :class:`~reimbursement.errors.AuthorizationError`.
    """
    if assignment.reviewer == claim.customer_id:
        raise AuthorizationError(
            f"router {assignment.policy} chose {assignment.reviewer}, who submitted the claim: "
            f"cannot assign claim {claim.id} to its own customer"
        )


def authorize_audit_review(actor: Actor, claim: Claim | None = None) -> None:
    """Check that ``actor`` may work the audit review of sampled automatic approvals.

    Reviewers list the queue and record outcomes, never on a claim they
    submitted; without ``claim``, the check of the queue itself. Raises
    :class:`~reimbursement.errors.AuthorizationError` or
    :class:`~reimbursement.errors.FourEyesError`.
    """
    if actor.role is not Role.REVIEWER:
        raise AuthorizationError(
            f"{actor.id} acts as {actor.role}: only a reviewer audits automatic approvals"
        )
    if claim is not None:
        _check_not_own(actor, claim, "audits")
