"""Every authorization refusal says who was refused, in which role, and which action.

A person reading a refusal in a log must be able to act on it without the
code: the message names the actor, their role and what they tried.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import Actor, Role
from reimbursement.claims import Action, Visibility
from reimbursement.domain.authorization import (
    ROLE_ACTIONS,
    authorize,
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
    authorize_view,
)
from reimbursement.errors import AuthorizationError
from reimbursement.testing import approved, in_review

CLAIMANT = "cust-1"
ACTORS = (
    Actor.customer("cust-2"),
    Actor.customer(CLAIMANT),
    Actor.reviewer("rev-2"),
    Actor(CLAIMANT, Role.REVIEWER),
    Actor.finance("fin-1"),
    Actor("sys-1", Role.SYSTEM),
)


def _refusal(check: Callable[[], object]) -> str | None:
    try:
        check()
    except AuthorizationError as error:  # FourEyesError is one
        return str(error)
    return None


@pytest.mark.parametrize("action", list(Action))
def test_every_refused_action_is_named_with_the_actor_and_role(action: Action) -> None:
    refused = 0
    for claim in (
        in_review("c-1", customer_id=CLAIMANT),
        approved(in_review("c-2", customer_id=CLAIMANT)),
    ):
        for actor in ACTORS:
            message = _refusal(lambda: authorize(actor, claim, action))  # noqa: B023
            if message is None:
                continue
            refused += 1
            assert f"{actor.id} acts as {actor.role}: cannot {action} claim {claim.id}" in message
    # every action is refused to someone (a customer for staff actions, staff for the rest)
    assert refused > 0
    assert any(action not in allowed for allowed in ROLE_ACTIONS.values())


CLAIM = in_review("c-9", customer_id=CLAIMANT)
CHECKS: dict[str, tuple[Actor, Callable[[Actor], object]]] = {
    "see claim c-9": (Actor.customer("cust-2"), lambda a: authorize_view(a, CLAIM)),
    "read claim c-9": (Actor(CLAIMANT, Role.REVIEWER), lambda a: authorize_staff_read(a, CLAIM)),
    "post an internal note on claim c-9": (
        Actor.customer(CLAIMANT),
        lambda a: authorize_message(a, CLAIM, Visibility.INTERNAL),
    ),
    "post a message on claim c-9": (
        Actor(CLAIMANT, Role.FINANCE),
        lambda a: authorize_message(a, CLAIM, Visibility.CUSTOMER),
    ),
    "list the claims": (Actor.customer(CLAIMANT), lambda a: authorize_staff(a, "list the claims")),
    "start a draft": (Actor.reviewer("rev-1"), authorize_start_draft),
    "list their own claims": (Actor.finance("fin-1"), authorize_own_claims),
    "read their inbox": (Actor("sys-1", Role.SYSTEM), authorize_inbox),
    "give or edit feedback on claim c-9": (
        Actor.customer("cust-2"),
        lambda a: authorize_feedback(a, CLAIM),
    ),
    "export the personal data of customer cust-1": (
        Actor.reviewer("rev-1"),
        lambda a: authorize_export(a, CLAIMANT),
    ),
    "erase personal data": (Actor.finance("fin-1"), authorize_erasure),
    "delete expired documents": (Actor.reviewer("rev-1"), authorize_document_deletion),
}


@pytest.mark.parametrize("doing", sorted(CHECKS))
def test_every_other_refusal_names_what_was_refused(doing: str) -> None:
    actor, check = CHECKS[doing]
    message = _refusal(lambda: check(actor))
    assert message is not None, f"{actor} was not refused: {doing}"
    assert message.startswith(f"{actor.id} acts as {actor.role}: cannot {doing}; ")
