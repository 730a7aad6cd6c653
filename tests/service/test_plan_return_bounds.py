"""A plan's return gathers its steps' notes and reasons into what one stored text holds.

Every step of a parallel plan may note up to ``max_note_length`` characters
and give ``max_reasons`` reasons; the return that ends the stage repeats
them for the customer. With many steps that was more than a stored field
holds (``MAX_STORED_TEXT``): the claim could not be written. The return now
keeps the first ``NOTES_IN_EVENT`` distinct notes and the first distinct
reasons that fit; each step's own stay on its decision's event.
"""

from __future__ import annotations

import pytest

from reimbursement import Actor, ReimbursementDesk, in_memory_desk, to_json
from reimbursement.claims import EventType
from reimbursement.domain.lifecycle import ClaimState as S
from reimbursement.domain.limits import (
    MAX_NOTE_LENGTH,
    MAX_REASON_LENGTH,
    MAX_REASONS,
    MAX_STORED_TEXT,
)
from reimbursement.domain.limits import NOTES_IN_EVENT as KEPT
from reimbursement.domain.routing import ApprovalRules, ParallelReviews, Reviewer, ReviewerPool
from support import PROFILES, submitted


def plan_desk(steps: int) -> tuple[ReimbursementDesk, list[Actor]]:
    """A desk whose plan asks ``steps`` teams in parallel, one reviewer each."""
    teams = tuple(f"team-{n}" for n in range(steps))
    pool = ReviewerPool([Reviewer(f"rev-{t}", teams={t}) for t in teams])
    desk = in_memory_desk(
        pool=pool, approval_rules=ApprovalRules(ParallelReviews(teams)), customers=PROFILES
    )
    return desk, [Actor.reviewer(f"rev-{t}") for t in teams]


def returned_by_all(steps: int, note: str, reasons: int) -> tuple[ReimbursementDesk, str]:
    desk, reviewers = plan_desk(steps)
    claim = submitted(desk)
    for n, reviewer in enumerate(reviewers):
        given = [f"{n}-{r}: " + "r" * 400 for r in range(reasons)]
        desk.return_for_correction(reviewer, claim.id, given, f"{n}: {note}"[: len(note)])
    return desk, claim.id


@pytest.mark.parametrize(("steps", "kept"), [(KEPT, KEPT), (KEPT + 1, KEPT), (17, KEPT)])
def test_a_return_keeps_the_first_notes_of_its_steps(steps: int, kept: int) -> None:
    desk, claim_id = returned_by_all(steps, "Ask Dr. Roth for the report.", 1)
    claim = desk.get(Actor.reviewer("rev-team-0"), claim_id)
    assert claim.state is S.RETURNED
    event = claim.events[-1]
    assert event.type is EventType.RETURNED
    assert event.data["note"].split("\n") == [
        f"{n}: Ask Dr. Roth for the report."[:28] for n in range(kept)
    ]
    assert claim.decision is not None
    assert len(claim.decision.reasons) == steps  # every step's one reason fits


def test_seventeen_full_notes_and_every_reason_still_make_a_claim_that_can_be_stored() -> None:
    desk, claim_id = returned_by_all(17, "n" * MAX_NOTE_LENGTH, MAX_REASONS)
    claim = desk.get(Actor.reviewer("rev-team-0"), claim_id)
    assert claim.state is S.RETURNED
    event = claim.events[-1]
    assert len(event.data["note"]) <= MAX_STORED_TEXT
    assert len(event.data["note"].split("\n")) == KEPT  # 10 x 4,001 characters fit
    assert event.reason is not None
    assert len(event.reason) <= MAX_STORED_TEXT
    assert claim.decision is not None
    kept = claim.decision.reasons
    assert kept[:2] == tuple(f"0-{r}: " + "r" * 400 for r in range(2))
    # as many as a return may give under any limits (each up to 500 characters, "; ")
    assert len(kept) == MAX_STORED_TEXT // (MAX_REASON_LENGTH + 2)
    assert to_json(claim)  # the wire's (and every store's) string limit holds
