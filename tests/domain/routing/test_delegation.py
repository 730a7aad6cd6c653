"""Out-of-office delegation chains, loop detection, and handing over open work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reimbursement.domain.routing import (
    Absence,
    LeastLoaded,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    check_delegations,
    delegate_for,
    hand_over,
)
from reimbursement.errors import DelegationLoopError, NoEligibleReviewerError, NotFoundError

from .strategies import DAY, request

WEEK = (DAY, DAY + timedelta(days=6))


def away(reviewer_id: str, delegate: str | None, **kwargs: object) -> Reviewer:
    return Reviewer(reviewer_id, absences=[Absence(*WEEK, delegate=delegate)], **kwargs)  # type: ignore[arg-type]


def test_delegation_follows_a_chain_to_someone_working() -> None:
    pool = ReviewerPool([away("ana", "ben"), away("ben", "cy"), Reviewer("cy")])
    delegation = delegate_for(pool, "ana", DAY)
    assert delegation.path == ("ana", "ben", "cy")
    assert delegation.reviewer == "cy"
    assert delegation.describe() == f"ana is away on {DAY}; delegation ana → ben → cy"
    working = delegate_for(pool, "ana", DAY + timedelta(days=7))
    assert (working.reviewer, working.delegated) == ("ana", False)


def test_a_delegation_loop_is_refused_naming_the_circle() -> None:
    pool = ReviewerPool([away("ana", "ben"), away("ben", "cy"), away("cy", "ben")])
    with pytest.raises(DelegationLoopError, match="ben → cy → ben"):
        delegate_for(pool, "ana", DAY)
    with pytest.raises(DelegationLoopError):
        check_delegations(pool, DAY)
    check_delegations(pool, DAY + timedelta(days=10))


def test_check_delegations_allows_chains_that_end_without_a_delegate() -> None:
    pool = ReviewerPool([away("ana", "ben"), away("ben", None)])
    check_delegations(pool, DAY)
    with pytest.raises(NoEligibleReviewerError, match=r"ben is away .* names no delegate"):
        delegate_for(pool, "ana", DAY)


def test_a_delegate_outside_the_pool_is_reported() -> None:
    pool = ReviewerPool([away("ana", "zoe")])
    with pytest.raises(NotFoundError, match="delegates to 'zoe'"):
        delegate_for(pool, "ana", DAY)


def test_an_absent_reviewer_hands_over_to_the_delegate() -> None:
    pool = ReviewerPool(
        [away("ana", "ben"), Reviewer("ben"), Reviewer("cy")], open_claims={"ana": 2}
    )
    work = [request("C1"), request("C2")]
    moves = hand_over(PolicyRouter(pool), "ana", work, LeastLoaded())
    assert [(m.claim_id, m.to_reviewer, m.policy) for m in moves] == [
        ("C1", "ben", "delegation"),
        ("C2", "ben", "delegation"),
    ]
    assert moves[0].reason == f"ana is away on {DAY}; delegation ana → ben"
    assert pool.loads() == {"ana": 0, "ben": 2, "cy": 0}


def test_a_delegate_who_may_not_take_a_claim_is_replaced_by_the_policy() -> None:
    pool = ReviewerPool([away("ana", "ben"), Reviewer("ben"), Reviewer("cy")])
    moves = hand_over(PolicyRouter(pool), "ana", [request("C1", customer="ben")], LeastLoaded())
    assert (moves[0].to_reviewer, moves[0].policy) == ("cy", "least_loaded")
    assert moves[0].reason == "ana is away and ben may not take it; fewest open claims (0)"


def test_a_leaver_s_work_is_spread_by_the_policy() -> None:
    pool = ReviewerPool(
        [Reviewer("ana"), Reviewer("ben"), Reviewer("cy")], open_claims={"ana": 3, "ben": 1}
    )
    work = [request(f"C{i}") for i in range(3)]
    moves = hand_over(PolicyRouter(pool), "ana", work, LeastLoaded(), leaving=True)
    assert [m.to_reviewer for m in moves] == ["cy", "ben", "cy"]
    assert all(m.reason.startswith("ana leaves the team;") for m in moves)
    assert pool.loads() == {"ana": 0, "ben": 2, "cy": 2}
    pool.remove("ana")


def test_a_failed_hand_over_moves_nothing() -> None:
    pool = ReviewerPool([Reviewer("ana"), Reviewer("ben", capacity=1)], open_claims={"ana": 2})
    with pytest.raises(NoEligibleReviewerError):
        hand_over(
            PolicyRouter(pool), "ana", [request("C1"), request("C2")], LeastLoaded(), leaving=True
        )
    assert pool.loads() == {"ana": 2, "ben": 0}


def test_a_working_reviewer_hands_over_by_policy() -> None:
    pool = ReviewerPool([Reviewer("ana"), Reviewer("ben")], open_claims={"ana": 1})
    (move,) = hand_over(PolicyRouter(pool), "ana", [request("C1")], LeastLoaded())
    assert (move.to_reviewer, move.reason) == ("ben", "ana hands it over; fewest open claims (0)")
    assert delegate_for(pool, "ana", DAY).describe() == f"ana is working on {DAY}"
