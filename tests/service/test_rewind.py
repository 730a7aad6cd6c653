"""The claim a replay answers with: the claim now, rebuilt as each earlier version stood.

One claim is taken through its whole life (documents, submission, an
assignment handed over, messages, approval, a payment stopped, a new
account, a payment confirmed, feedback), and every version it passed
through is kept. Rebuilt from the final claim, each version after the last
change the timeline cannot undo (the draft's patch) is exactly the claim
kept at it; each version before it is answered as the claim is now.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import Actor, Claim, ClaimPatch, LinePatch, ReimbursementDesk, Role
from reimbursement.claims import EventType
from reimbursement.feedback import FeedbackStage
from reimbursement.service._rewind import as_committed
from support import ANA, FINANCE, PDF, REVIEWER, payment_reference, pharmacy, whole

FINANCE_2 = Actor.finance("fin-2")
BANK = Actor("bank-callback", Role.SYSTEM)


def _link_first_document(desk: ReimbursementDesk, claim_id: str) -> ClaimPatch:
    document = whole(desk, claim_id).attachments[0].id
    return ClaimPatch(change_lines=(LinePatch("L1", attachment_ids=(document,)),))


def _lifetime(desk: ReimbursementDesk) -> list[Claim]:
    """Every version of one claim of Ana's, oldest first."""
    claim_id = desk.start_draft(ANA, [pharmacy(), pharmacy("10.00")]).id
    seen = {}

    def keep() -> None:
        claim = whole(desk, claim_id)
        seen[claim.version] = claim

    steps: list[Callable[[], object]] = [
        lambda: desk.attach(ANA, claim_id, "receipt.pdf", PDF),
        lambda: desk.update_draft(ANA, claim_id, _link_first_document(desk, claim_id)),
        lambda: desk.attach(ANA, claim_id, "taxi.pdf", PDF + b" taxi", line_id="L2"),
        lambda: desk.submit(ANA, claim_id),
        lambda: desk.post_message(REVIEWER, claim_id, "checking", internal=True),
        lambda: desk.hand_over(REVIEWER, REVIEWER.id, leaving=True),
        lambda: desk.post_message(ANA, claim_id, "Any news?"),
        lambda: desk.approve(Actor.reviewer("rev-2"), claim_id),
        lambda: desk.approve_payment(FINANCE, claim_id),
        lambda: desk.pay(FINANCE_2, claim_id),
        lambda: desk.cancel_payment(FINANCE, claim_id, "no news"),
        lambda: desk.change_payee_account(ANA, claim_id, "DE36 5001 0517 0000 0005 17"),
        lambda: desk.approve_payment(FINANCE, claim_id),
        lambda: desk.pay(FINANCE_2, claim_id),
        lambda: desk.adapters.payments.settle(  # type: ignore[attr-defined]
            payment_reference(desk, claim_id)
        ),
        lambda: desk.confirm_payment(BANK, claim_id, payment_reference(desk, claim_id)),
        lambda: desk.give_feedback(ANA, claim_id, ratings={FeedbackStage.PAYMENT: 5}),
    ]
    keep()
    for step in steps:
        step()
        keep()
    return [seen[v] for v in sorted(seen)]


@pytest.fixture
def desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    return make_desk(reviewers=[REVIEWER.id, "rev-2"], settle_immediately=False)


def test_every_version_after_the_last_patch_is_rebuilt_exactly(desk: ReimbursementDesk) -> None:
    versions = _lifetime(desk)
    final = versions[-1]
    patched = max(e.seq for e in final.events if e.type is EventType.DRAFT_UPDATED)
    kinds = {e.type for e in final.events[patched:]}
    assert {EventType.REASSIGNED, EventType.PAYEE_CHANGED, EventType.PAID} <= kinds
    for kept in versions:
        rebuilt = as_committed(final, kept.version)
        if kept.version >= patched:
            assert rebuilt == kept, f"version {kept.version}"
        else:
            assert rebuilt is final, f"version {kept.version}"
