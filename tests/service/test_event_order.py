"""A claim's timeline never goes back in time, whatever the desk's clock does.

Hosts' clocks differ: a call on a host whose clock is behind the one that
wrote the claim's last event is stamped at that event's time, so the claim
stays valid (``check_claim``) and its events stay in time order.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from reimbursement import ClaimPatch, in_memory_desk
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import check_claim
from support import ANA, FINANCE, PROFILES, REVIEWER, START, ready_draft


def test_a_call_on_a_clock_behind_the_claim_is_stamped_at_its_last_event() -> None:
    clock = ManualClock(START)
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES, clock=clock)
    claim = ready_draft(desk)
    clock.set(START - timedelta(hours=2))  # this host is two hours behind
    noted = desk.post_message(ANA, claim.id, "Is anything missing?")
    assert noted.posted_at == START
    whole = desk.get(REVIEWER, claim.id)
    assert whole.events[-1].at == whole.events[-2].at == START
    assert whole.messages[-1].posted_at == START
    check_claim(whole)


@given(st.lists(st.integers(min_value=-180, max_value=180), min_size=7, max_size=7))
def test_the_desk_never_writes_an_event_before_the_claims_last(minutes: list[int]) -> None:
    clock = ManualClock(START)
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES, clock=clock)
    claim_id = ready_draft(desk).id
    calls = (
        lambda: desk.update_draft(
            ANA, claim_id, ClaimPatch(payee_account="DE62 3704 0044 0532 0130 01")
        ),
        lambda: desk.post_message(ANA, claim_id, "hello"),
        lambda: desk.submit(ANA, claim_id),
        lambda: desk.post_message(REVIEWER, claim_id, "a note", internal=True),
        lambda: desk.approve(REVIEWER, claim_id),
        lambda: desk.approve_payment(FINANCE, claim_id),
        lambda: desk.pay(FINANCE, claim_id),
    )
    for move, call in zip(minutes, calls, strict=True):
        clock.set(START + timedelta(minutes=move))  # the clock jumps back and forth
        call()
    whole = desk.get(FINANCE, claim_id)
    check_claim(whole)
    times = [e.at for e in whole.events]
    assert times == sorted(times)
    assert whole.state.value == "paid"
