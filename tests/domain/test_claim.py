"""The claim's timeline reads: what callers get from the stored rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from reimbursement import Claim, ClaimState, LineDecision, Money, ReimbursementDesk, Role
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import Event, EventType, Visibility
from reimbursement.domain.claim import Outcome, ReviewDecision
from support import ANA, REVIEWER, START, submitted, whole


def _returned_and_resubmitted(desk: ReimbursementDesk, clock: ManualClock) -> Claim:
    claim = submitted(desk)
    clock.advance(timedelta(hours=2))
    desk.post_message(REVIEWER, claim.id, "checking the receipt", internal=True)
    claim = desk.return_for_correction(REVIEWER, claim.id, ["receipt unreadable"])
    clock.advance(timedelta(hours=3))
    return whole(desk, desk.resubmit(ANA, claim.id).id)


def test_updated_at_is_when_the_latest_event_happened(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    claim = _returned_and_resubmitted(desk, clock)
    assert claim.updated_at == claim.events[-1].at == START + timedelta(hours=5)
    assert claim.last_event == claim.events[-1]


def test_a_claim_without_events_has_no_update_time(desk: ReimbursementDesk) -> None:
    draft = desk.start_draft(ANA, [])
    bare = Claim("c-1", draft.claimant, "EUR", ClaimState.DRAFT, START)
    assert bare.version == 0
    assert bare.updated_at is None
    assert bare.last_event is None


def test_events_since_filters_by_type_and_visibility_without_changing_order(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    claim = _returned_and_resubmitted(desk, clock)
    everything = tuple(claim.events)
    assert claim.events_since(0) == everything
    assert claim.events_since(3) == everything[3:]
    internal = claim.events_since(0, visibility=Visibility.INTERNAL)
    assert [e.type for e in internal] == [EventType.MESSAGE_POSTED]
    wanted = {EventType.SUBMITTED, EventType.RESUBMITTED}
    rounds = claim.events_since(0, types=wanted)
    assert [e.type for e in rounds] == [EventType.SUBMITTED, EventType.RESUBMITTED]
    assert [e.seq for e in rounds] == sorted(e.seq for e in rounds)


def test_events_after_last_start_is_the_current_round(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    claim = _returned_and_resubmitted(desk, clock)
    round_ = claim.events_after_last(EventType.SUBMITTED, EventType.RESUBMITTED)
    assert round_ is not None
    assert [e.type for e in round_] == [EventType.ASSIGNED]
    assert claim.events_after_last(EventType.PAID) is None


def test_event_data_keeps_its_order_and_refuses_what_is_not_text() -> None:
    def event(data: dict[str, object]) -> Event:
        return Event(
            1,
            EventType.SUBMITTED,
            "c-1",
            "cust-ana",
            Role.CUSTOMER,
            START,
            ClaimState.DRAFT,
            ClaimState.SUBMITTED,
            data=data,  # type: ignore[arg-type]
        )

    submitted = event({"number": "CLM-1", "claimed": "42.50 EUR"})
    assert list(submitted.data.items()) == [("number", "CLM-1"), ("claimed", "42.50 EUR")]

    assert event({}).data == {}
    with pytest.raises(TypeError, match="maps str to str"):
        event({"claimed": Decimal("42.50")})
    with pytest.raises(TypeError, match="maps str to str"):
        event({1: "one"})


def test_an_approval_in_full_that_lists_its_lines_totals_the_same(
    desk: ReimbursementDesk,
) -> None:
    claim = submitted(desk, ANA, "100.00", "50.00")
    listed = ReviewDecision(
        Outcome.APPROVED,
        "rev-1",
        START,
        tuple(LineDecision(line.id, line.claimed) for line in claim.lines),
    )
    approved = attrs.evolve(claim, decisions=(listed,))
    assert approved.approved_total == Money("150.00", "EUR")
    assert approved.approved_lines == listed.lines


def test_only_the_events_that_move_the_claim_change_its_state(desk: ReimbursementDesk) -> None:
    claim_id = submitted(desk).id
    desk.post_message(REVIEWER, claim_id, "looking at it")
    claim = whole(desk, claim_id)
    moves = [(e.type, e.to_state) for e in claim.events if e.changes_state]
    assert moves == [
        (EventType.SUBMITTED, ClaimState.SUBMITTED),
        (EventType.ASSIGNED, ClaimState.IN_REVIEW),
    ]
    assert not any(e.changes_state for e in claim.events if e.type is EventType.MESSAGE_POSTED)
