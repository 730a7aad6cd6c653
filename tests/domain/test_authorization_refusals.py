"""Who may act, where the rules have edges mutation testing found unpinned.

``tools/mutation.py --module authorization`` (2 December) let these live: the
audit review's checks, the step holder's refusal, ``reads_whole`` for a
claimant in a staff role, which actions the payee account's giver is kept
from, and the words of every refusal (who, in which role, may not do what,
and why: the sentence a person acts on).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from reimbursement import Actor, Role
from reimbursement.claims import Action, Visibility
from reimbursement.domain import commands
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.authorization import (
    ROLE_ACTIONS,
    authorize,
    authorize_audit_review,
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
    authorize_step_holder,
    authorize_view,
    reads_whole,
)
from reimbursement.domain.routing import ApprovalRules, ConflictRegister, ParallelReviews
from reimbursement.errors import AuthorizationError, FourEyesError
from reimbursement.testing import approved, in_review

CLAIM = in_review("claim-1", "rev-1")
CUSTOMER = Actor.customer("cust-1")
OTHER = Actor.customer("cust-2")
REVIEWER = Actor.reviewer("rev-1")
FINANCE = Actor.finance("fin-1")
CLAIMANT_AS_REVIEWER = Actor.reviewer("cust-1")
CONFLICTED = ConflictRegister([("rev-1", "cust-1")])


def _with_role(actor_id: str, role: object) -> Actor:
    actor = Actor(actor_id, Role.FINANCE)
    object.__setattr__(actor, "role", role)  # what no constructor lets through
    return actor


def test_only_a_reviewer_who_did_not_submit_the_claim_audits_it() -> None:
    authorize_audit_review(REVIEWER)
    authorize_audit_review(REVIEWER, CLAIM)
    for actor in (CUSTOMER, FINANCE, SYSTEM):
        with pytest.raises(AuthorizationError) as refused:
            authorize_audit_review(actor, CLAIM)
        assert str(refused.value) == (
            f"{actor.id} acts as {actor.role}: only a reviewer audits automatic approvals"
        )
    authorize_audit_review(CLAIMANT_AS_REVIEWER)  # the queue: no claim of theirs in it yet
    with pytest.raises(FourEyesError) as refused:
        authorize_audit_review(CLAIMANT_AS_REVIEWER, CLAIM)
    assert str(refused.value) == (
        "cust-1 acts as reviewer: cannot audits claim claim-1; they submitted it, and nobody "
        "acts on their own claim in a staff role; act on it as its customer"
    )


def test_a_reviewer_holding_no_open_step_is_refused_naming_who_holds_them() -> None:
    claim = in_review("claim-2", "rev-1")
    plan = ApprovalRules(ParallelReviews(("medical", "fraud"))).plan_for(claim)
    plan = plan.assign("medical-review", "mo").assign("fraud-review", "fay")
    steps = plan.open_steps()
    held = authorize_step_holder(Actor.reviewer(steps[0].assignee), claim, plan, None)
    assert held == (steps[0],)
    waiting = ", ".join(f"{s.id} ({s.assignee})" for s in steps)
    with pytest.raises(AuthorizationError) as refused:
        authorize_step_holder(Actor.reviewer("rev-9"), claim, plan, None)
    assert str(refused.value) == (
        f"rev-9 acts as reviewer: cannot decide claim claim-2; rev-9 holds no open review "
        f"step of it; open now: {waiting}"
    )
    with pytest.raises(AuthorizationError) as refused:
        authorize_step_holder(Actor.reviewer(steps[0].assignee), claim, plan, "no-such")
    assert f"holds no open review step 'no-such' of it; open now: {waiting}" in str(refused.value)


def test_only_staff_who_did_not_submit_a_claim_read_it_whole() -> None:
    assert reads_whole(REVIEWER, CLAIM)
    assert not reads_whole(CLAIMANT_AS_REVIEWER, CLAIM)  # staff, but its claimant
    assert not reads_whole(CUSTOMER, CLAIM)
    assert not reads_whole(OTHER, CLAIM)  # neither staff nor its claimant


def _paid_to_an_account_given_by(giver: str) -> object:
    claim = commands.request_payment(approved(in_review("claim-3", "rev-1")), SYSTEM, _at())
    payment = attrs.evolve(claim.payments[-1], payee_changed_by=giver)
    return attrs.evolve(claim, payments=(*claim.payments[:-1], payment))


def _at() -> object:
    return approved(in_review("claim-3", "rev-1")).events[-1].at


KEPT_FROM_GIVER = {Action.APPROVE_PAYMENT, Action.SEND_PAYMENT, Action.RETRY_PAYMENT}


@pytest.mark.parametrize(
    ("role", "action"),
    [
        (role, action)
        for role, actions in ROLE_ACTIONS.items()
        if role is not Role.CUSTOMER
        for action in sorted(actions - KEPT_FROM_GIVER)
    ],
)
def test_the_giver_of_a_payee_account_is_kept_only_from_paying_it(
    role: Role, action: Action
) -> None:
    giver = Actor("rev-1" if role is Role.REVIEWER else f"{role.value}-giver", role)
    claim = _paid_to_an_account_given_by(giver.id)
    authorize(giver, claim, action)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", sorted(KEPT_FROM_GIVER))
def test_the_giver_of_a_payee_account_may_not_approve_send_or_retry_it(action: Action) -> None:
    giver = Actor.finance("fin-2")
    with pytest.raises(FourEyesError) as refused:
        authorize(giver, _paid_to_an_account_given_by("fin-2"), action)  # type: ignore[arg-type]
    assert str(refused.value) == (
        f"fin-2 acts as finance: cannot {action} claim claim-3; they gave the payee account: "
        "another person approves and sends a payment to it"
    )


Check = Callable[[], object]
REFUSALS: list[tuple[str, Check, str]] = [
    (
        "another customer",
        lambda: authorize(OTHER, CLAIM, Action.WITHDRAW),
        "cust-2 acts as customer: cannot withdraw claim claim-1; it belongs to another customer",
    ),
    (
        "the wrong role",
        lambda: authorize(FINANCE, CLAIM, Action.APPROVE),
        "fin-1 acts as finance: cannot approve claim claim-1; this needs the role reviewer",
    ),
    (
        "their own claim",
        lambda: authorize(CLAIMANT_AS_REVIEWER, CLAIM, Action.APPROVE),
        "cust-1 acts as reviewer: cannot approve claim claim-1; they submitted it, and nobody "
        "acts on their own claim in a staff role; act on it as its customer",
    ),
    (
        "not the assignee",
        lambda: authorize(Actor.reviewer("rev-2"), CLAIM, Action.APPROVE),
        "rev-2 acts as reviewer: cannot approve claim claim-1; it is assigned to rev-1",
    ),
    (
        "the approver paying",
        lambda: authorize(
            Actor.finance("rev-1"),
            commands.request_payment(approved(CLAIM), SYSTEM, _at()),
            Action.APPROVE_PAYMENT,
        ),
        "rev-1 acts as finance: cannot approve_payment claim claim-1; they approved it: the "
        "payment needs a different approver",
    ),
    (
        "a customer viewing another's",
        lambda: authorize_view(OTHER, CLAIM),
        "cust-2 acts as customer: cannot see claim claim-1; it belongs to another customer",
    ),
    (
        "a role it does not know, viewing",
        lambda: authorize_view(_with_role("x-1", "admin"), CLAIM),
        "x-1 acts as admin: cannot see claim claim-1; only staff may",
    ),
    (
        "a step of their own claim",
        lambda: authorize_step_decision(
            CLAIMANT_AS_REVIEWER, CLAIM, Action.APPROVE, ConflictRegister([])
        ),
        "cust-1 acts as reviewer: cannot approve claim claim-1; they submitted it, and nobody "
        "acts on their own claim in a staff role; act on it as its customer",
    ),
    (
        "a conflict of interest",
        lambda: authorize_step_decision(REVIEWER, CLAIM, Action.APPROVE, CONFLICTED),
        "rev-1 acts as reviewer: cannot decide claim claim-1; rev-1 has a conflict of interest "
        "with customer cust-1; hand it over",
    ),
    (
        "a customer reading whole",
        lambda: authorize_staff_read(CUSTOMER, CLAIM),
        "cust-1 acts as customer: cannot read whole claims (customers use track()); only "
        "staff may",
    ),
    (
        "a claimant reading whole",
        lambda: authorize_staff_read(CLAIMANT_AS_REVIEWER, CLAIM),
        "cust-1 acts as reviewer: cannot read claim claim-1; they submitted it, and nobody "
        "acts on their own claim in a staff role; act on it as its customer",
    ),
    (
        "staff only",
        lambda: authorize_staff(CUSTOMER, "list work queues"),
        "cust-1 acts as customer: cannot list work queues; only staff may",
    ),
    (
        "an internal note by a customer",
        lambda: authorize_message(CUSTOMER, CLAIM, Visibility.INTERNAL),
        "cust-1 acts as customer: cannot post an internal note on claim claim-1; customers "
        "cannot post internal notes",
    ),
    (
        "a message on their own claim as staff",
        lambda: authorize_message(CLAIMANT_AS_REVIEWER, CLAIM, Visibility.CUSTOMER),
        "cust-1 acts as reviewer: cannot post a message on claim claim-1; they submitted it, "
        "and nobody acts on their own claim in a staff role; act on it as its customer",
    ),
    (
        "a draft by staff",
        lambda: authorize_start_draft(REVIEWER),
        "rev-1 acts as reviewer: cannot start a draft; drafts are customers'",
    ),
    (
        "an inbox of staff",
        lambda: authorize_inbox(REVIEWER),
        "rev-1 acts as reviewer: cannot read their inbox; only a customer has an inbox of "
        "their own",
    ),
    (
        "own claims of staff",
        lambda: authorize_own_claims(FINANCE),
        "fin-1 acts as finance: cannot list their own claims; only a customer has claims of "
        "their own",
    ),
    (
        "erasure",
        lambda: authorize_erasure(REVIEWER),
        "rev-1 acts as reviewer: cannot erase personal data; only system may",
    ),
    (
        "document deletion",
        lambda: authorize_document_deletion(FINANCE),
        "fin-1 acts as finance: cannot delete expired documents; only system may",
    ),
    (
        "feedback by another",
        lambda: authorize_feedback(OTHER, CLAIM),
        "cust-2 acts as customer: cannot give or edit feedback on claim claim-1; only the "
        "claim's customer may",
    ),
    (
        "an export by staff",
        lambda: authorize_export(REVIEWER, "cust-1"),
        "rev-1 acts as reviewer: cannot export the personal data of customer cust-1; only the "
        "customer or the data-protection process (system) may",
    ),
]


@pytest.mark.parametrize(
    ("check", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_refusal_says_who_in_which_role_may_not_do_what_and_why(
    check: Check, words: str
) -> None:
    with pytest.raises(AuthorizationError) as refused:
        check()
    assert str(refused.value) == words
