"""A decision the desk builds at its largest is stored, read back and notified.

An approval lowering every line of a claim at the desk's limits, each line
with the longest reason and description allowed, once joined every note into
its event's reason: on 1,000 lines that text was over the wire format's
65,536 characters, so the claim the desk had just built could not be
stored (the save refused it) nor its notice written to the outbox.
"""

from __future__ import annotations

from datetime import date

import pytest

from reimbursement import LineDecision, LineInput, Money
from reimbursement.adapters import sql
from reimbursement.claims import EventType
from reimbursement.domain.limits import (
    MAX_DESCRIPTION_LENGTH,
    MAX_LINES,
    MAX_REASON_LENGTH,
    MAX_STORED_TEXT,
    NOTES_IN_EVENT,
)
from reimbursement.service import ClaimLimits

from .conftest import DATABASES
from .large_claims import CUSTOMER, REVIEWER, desk_on


@pytest.mark.parametrize("database_url", DATABASES, indirect=True)
def test_a_partial_approval_of_every_line_at_the_limits_is_stored_and_notified(
    database_url: str,
) -> None:
    desk = desk_on(database_url)
    line = LineInput(
        "pharmacy",
        date(2026, 1, 2),
        "City Pharmacy",
        Money("42.50", "EUR"),
        description="d" * MAX_DESCRIPTION_LENGTH,
    )
    draft = desk.start_draft(CUSTOMER, [line] * MAX_LINES)
    claim = desk.submit(CUSTOMER, draft.id)
    note = "n" * MAX_REASON_LENGTH
    decisions = [LineDecision(li.id, Money("21.25", "EUR"), note) for li in claim.lines]

    approved = desk.approve(REVIEWER, claim.id, decisions)

    # every note stays on its line's decision; the event repeats the first and counts the rest
    assert [d.reason for d in approved.decisions[-1].lines] == [note] * MAX_LINES
    (event,) = (e for e in approved.events if e.type is EventType.PARTIALLY_APPROVED)
    assert event.reason is not None
    assert len(event.reason) < MAX_STORED_TEXT
    assert event.reason.count(note) == NOTES_IN_EVENT
    assert event.data["more_notes"] == str(MAX_LINES - NOTES_IN_EVENT)
    # a fresh store reads it back as the desk holds it
    with sql.create(database_url, cache_size=0) as store, store.unit_of_work() as uow:
        assert uow.claims.get(claim.id) == approved
    # the customer's timeline and notice say how many notes are left out, and fit
    timeline = desk.track(CUSTOMER, claim.id).timeline
    (detail,) = (e.detail for e in timeline if e.event is EventType.PARTIALLY_APPROVED)
    assert detail.endswith(f"notes on {MAX_LINES - NOTES_IN_EVENT} more lines (see your claim)")
    assert len(detail) < MAX_STORED_TEXT
    desk.dispatch_notifications()
    bodies = [n.body for n in desk.adapters.notifier.sent if n.claim_id == claim.id]  # type: ignore[attr-defined]
    assert any(detail in body for body in bodies)


def test_limits_that_would_build_a_text_no_store_holds_are_refused() -> None:
    for raised in (
        {"max_message_length": MAX_STORED_TEXT + 1},
        {"max_reasons": 200},  # 200 reasons of 500 characters, joined into one event
        {"max_reason_length": 7_000},  # ten notes of 7,000 in an approval's event
    ):
        with pytest.raises(ValueError, match="a stored claim holds in one field"):
            ClaimLimits(**raised)
    assert ClaimLimits(max_reasons=100, max_lines=100_000).max_reasons == 100
