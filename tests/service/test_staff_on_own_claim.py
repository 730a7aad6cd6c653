"""A claimant who is also staff is the customer on their own claim, whatever role they use.

Rita (``rev-1``) reviews claims and has a policy of her own. On her own
claim she sees what a customer sees and writes as a customer; in a staff
role she neither reads it whole, nor posts on it, nor finds it in a list.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import Actor, ClaimState, ReimbursementDesk, Role
from reimbursement.errors import FourEyesError
from support import REVIEWER, REVIEWER_2, submitted

RITA = Actor.customer(REVIEWER.id)
STAFF_ROLES = (Role.REVIEWER, Role.FINANCE, Role.SYSTEM)


@pytest.fixture
def desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    return make_desk(reviewers=[REVIEWER.id, REVIEWER_2.id])


@pytest.mark.parametrize("role", STAFF_ROLES, ids=str)
def test_in_a_staff_role_the_claimant_cannot_read_her_claim_whole(
    desk: ReimbursementDesk, role: Role
) -> None:
    claim = submitted(desk, RITA)
    desk.post_message(REVIEWER_2, claim.id, "Her manager asked us to look closely.", internal=True)
    me = Actor(RITA.id, role)
    assert claim.number is not None
    for read in (lambda: desk.get(me, claim.id), lambda: desk.by_number(me, claim.number)):
        with pytest.raises(FourEyesError, match="act on it as its customer"):
            read()
    view = desk.track(me, claim.id)  # the customer's view: no internal notes in it
    assert "manager" not in str(view)
    assert view == desk.track(RITA, claim.id)


@pytest.mark.parametrize("internal", [True, False], ids=["internal", "visible"])
def test_in_a_staff_role_the_claimant_cannot_post_on_her_claim(
    desk: ReimbursementDesk, internal: bool
) -> None:
    claim = submitted(desk, RITA)
    before = desk.get(REVIEWER_2, claim.id)
    for role in STAFF_ROLES:
        with pytest.raises(FourEyesError):
            desk.post_message(Actor(RITA.id, role), claim.id, "All fine.", internal=internal)
    assert desk.get(REVIEWER_2, claim.id) == before
    asked = desk.post_message(RITA, claim.id, "Is anything missing?")  # as its customer
    assert asked.role == Role.CUSTOMER


def test_a_list_of_claims_leaves_out_the_staff_members_own(desk: ReimbursementDesk) -> None:
    mine = submitted(desk, RITA)
    theirs = submitted(desk)
    in_review = [ClaimState.IN_REVIEW]
    assert [c.id for c in desk.claims_in(REVIEWER, in_review).items] == [theirs.id]
    assert [c.id for c in desk.claims_in(REVIEWER_2, in_review).items] == [mine.id, theirs.id]
